"""When pull-sync last failed, and since when it fails: the operator view of a connection.

* ``sync_state.last_error_at``: the time of ``last_error``, kept (with the error) after the
  module is pulled again, so an operator can still see what went wrong last and when.
* ``sync_state.failing_since``: the first failure since the last complete pull (NULL while the
  module is healthy); with ``failures`` it says "tariffs failing since …".

Both are NULL for the states that exist: what failed before this revision has no time.

Revision ID: 0010_sync_error_time
Revises: 0009_token_encoding
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_sync_error_time"
down_revision: str | Sequence[str] | None = "0009_token_encoding"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("last_error_at", "failing_since")


def upgrade() -> None:
    # Nullable columns: SQLite adds them in place.
    for name in COLUMNS:
        op.add_column("sync_state", sa.Column(name, sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_state") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
