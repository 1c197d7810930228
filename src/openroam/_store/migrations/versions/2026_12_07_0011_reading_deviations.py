"""Reading policy per partner and the deviations read from partners.

* ``partners.reading_policy``: "strict" (the default, also for every existing partner) or
  "lenient" (openroam.models._lenient).
* ``reading_deviations``: per partner, module, field and kind, how many DateTime deviations
  lenient reading repaired, first and last seen, the last value seen.

Revision ID: 0011_reading_deviations
Revises: 0010_sync_error_time
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_reading_deviations"
down_revision: str | Sequence[str] | None = "0010_sync_error_time"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NOT NULL with a default: SQLite adds it in place, existing partners read strict.
    op.add_column(
        "partners",
        sa.Column("reading_policy", sa.String(length=8), server_default="strict", nullable=False),
    )
    op.create_table(
        "reading_deviations",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("module", sa.String(length=20), nullable=False),
        sa.Column("field", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("example", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_reading_deviations_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "partner_id", "module", "field", "kind", name=op.f("pk_reading_deviations")
        ),
    )


def downgrade() -> None:
    op.drop_table("reading_deviations")
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("reading_policy")
