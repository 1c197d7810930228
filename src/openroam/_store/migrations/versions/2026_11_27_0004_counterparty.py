"""ocpi_objects.counterparty: the party a Session or CDR concerns, indexed.

A Session or CDR is owned by a CPO but concerns one eMSP, the party in ``cdr_token``
(mod_sessions "Session object", mod_cdrs "CdrToken"). Deliveries go to that party's partner only
and Sender GET lists serve a caller only the objects of its own parties, so the key is a column
with an index beside the list index (module, origin, pk).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_ocpi_objects_module_origin_counterparty_pk"


def upgrade() -> None:
    # A nullable column: SQLite adds it in place (no table copy), PostgreSQL without a rewrite.
    op.add_column("ocpi_objects", sa.Column("counterparty", sa.String(length=6), nullable=True))
    op.create_index(INDEX, "ocpi_objects", ["module", "origin", "counterparty", "pk"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="ocpi_objects")
    with op.batch_alter_table("ocpi_objects") as batch:
        batch.drop_column("counterparty")
