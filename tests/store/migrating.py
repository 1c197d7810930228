"""What the migration tests share."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Connection

from openroam._store.db import alembic_config


def downgrade(connection: Connection, revision: str) -> None:
    """Downgrade the database of ``connection`` to ``revision`` (for ``run_sync``)."""
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)
