"""Deliveries in order per object, bounded refusals, operator decisions.

* ``object_key``: the object a row changes ("{module}:{cc}/{party}/{id}[?type=…]", folded),
  filled in from ``module`` and ``path`` for the rows already queued. The coalescing index
  ``uq_deliveries_pending`` is rebuilt as (partner_id, object_key, object_pk, method, path):
  the same uniqueness, and it finds the pending rows of one object's queue, as does the new
  partial index ``ix_deliveries_object_queue`` (partner_id, object_key, id).
* ``refusals``: permanent refusals since the last success (bounded, then ``failed``).
* ``closed_at`` and ``note``: when and why a row stopped being pending undelivered (failed,
  skipped by an operator, superseded).
* ``refusals`` on the other outboxes too (``events``, ``commands``, ``profile_requests``,
  ``active_profiles``): every outbox bounds permanent refusals the same way.

Revision ID: 0008_delivery_engine
Revises: 0007_partner_grants
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_delivery_engine"
down_revision: str | Sequence[str] | None = "0007_partner_grants"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "uq_deliveries_pending"
QUEUE_INDEX = "ix_deliveries_object_queue"
OTHER_OUTBOXES = ("events", "commands", "profile_requests", "active_profiles")
PENDING = sa.text("state = 'pending'")


def object_key(module: str, path: str) -> str:
    """As openroam._store.outbox.object_key at this revision (a migration never changes)."""
    route, _, query = path.partition("?")
    top = "/".join(route.split("/")[:3]).upper()
    kind = query.removeprefix("type=").upper()
    return f"{module}:{top}" + (f"?type={kind}" if kind else "")


def upgrade() -> None:
    # NOT NULL columns with a default and nullable ones: SQLite adds them in place.
    op.add_column(
        "deliveries",
        sa.Column("object_key", sa.String(length=96), server_default=sa.text("''"), nullable=False),
    )
    for table in ("deliveries", *OTHER_OUTBOXES):
        op.add_column(
            table,
            sa.Column("refusals", sa.Integer(), server_default=sa.text("0"), nullable=False),
        )
    op.add_column("deliveries", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("deliveries", sa.Column("note", sa.Text(), nullable=True))
    deliveries = sa.table(
        "deliveries",
        sa.column("id", sa.Integer()),
        sa.column("module", sa.String()),
        sa.column("path", sa.String()),
        sa.column("object_key", sa.String()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(deliveries.c.id, deliveries.c.module, deliveries.c.path))
    for delivery_id, module, path in rows.all():
        connection.execute(
            deliveries.update()
            .where(deliveries.c.id == delivery_id)
            .values(object_key=object_key(module, path))
        )
    _pending_index(["partner_id", "object_key", "object_pk", "method", "path"])
    op.create_index(
        QUEUE_INDEX,
        "deliveries",
        ["partner_id", "object_key", "id"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def _pending_index(columns: list[str]) -> None:
    op.drop_index(INDEX, table_name="deliveries")
    op.create_index(
        INDEX, "deliveries", columns, unique=True, sqlite_where=PENDING, postgresql_where=PENDING
    )


def downgrade() -> None:
    op.drop_index(QUEUE_INDEX, table_name="deliveries")
    _pending_index(["partner_id", "object_pk", "method", "path"])
    for table in OTHER_OUTBOXES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("refusals")
    with op.batch_alter_table("deliveries") as batch:
        for column in ("note", "closed_at", "refusals", "object_key"):
            batch.drop_column(column)
