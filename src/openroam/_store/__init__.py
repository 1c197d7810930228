"""Storage: SQLAlchemy tables, repositories and Alembic migrations."""

# Every table module registers its tables on the shared ``tables.metadata`` when imported; this
# import makes the metadata complete wherever the store is used (migrations, the schema check).
from openroam._store import command_tables as command_tables
from openroam._store import console_tables as console_tables
from openroam._store import deviations as deviations
from openroam._store import event_tables as event_tables
from openroam._store import hub_tables as hub_tables
from openroam._store import objects as objects
from openroam._store import profile_tables as profile_tables
