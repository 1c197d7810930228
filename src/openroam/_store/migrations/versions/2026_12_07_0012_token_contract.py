"""ocpi_objects.contract_id: a Token's contract_id, folded, indexed.

An OCPI 2.1.1 Session or CDR names the driver's Token only by ``auth_id`` (mod_sessions.md 3.1,
mod_cdrs.md 3.1), which is the Token's ``contract_id``; to store it in the 2.2.1 shape
(``cdr_token`` with the Token's ``uid`` and ``type``) our own Token is looked up by it. The
column is NULL for other modules; the partial index ``ix_ocpi_objects_contract``
(contract_id, origin, country_code, party_id) holds Tokens only. The Tokens already stored get
their key here, read in batches of pk order.

Revision ID: 0012_token_contract
Revises: 0011_reading_deviations
Create Date: 2026-12-07
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_token_contract"
down_revision: str | Sequence[str] | None = "0011_reading_deviations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_ocpi_objects_contract"
NOT_NULL = sa.text("contract_id IS NOT NULL")
#: Token rows read and updated per round trip.
BATCH = 500


def contract_key(document: bytes) -> str | None:
    """As openroam._store stores it at this revision (a migration never changes): the
    document's ``contract_id`` upper-cased (CiString), None without one."""
    value = json.loads(document).get("contract_id")
    return value.upper() if isinstance(value, str) else None


def upgrade() -> None:
    # A nullable column: SQLite adds it in place (no table copy), PostgreSQL without a rewrite.
    op.add_column("ocpi_objects", sa.Column("contract_id", sa.String(length=36), nullable=True))
    objects = sa.table(
        "ocpi_objects",
        sa.column("pk", sa.BigInteger()),
        sa.column("module", sa.String()),
        sa.column("document", sa.LargeBinary()),
        sa.column("contract_id", sa.String()),
    )
    connection = op.get_bind()
    read = (
        sa.select(objects.c.pk, objects.c.document)
        .where(objects.c.module == "tokens", objects.c.pk > sa.bindparam("after"))
        .order_by(objects.c.pk)
        .limit(BATCH)
    )
    write = (
        objects.update()
        .where(objects.c.pk == sa.bindparam("b_pk"))
        .values(contract_id=sa.bindparam("b_contract_id"))
    )
    after = 0
    while rows := connection.execute(read, {"after": after}).all():
        keys = [{"b_pk": pk, "b_contract_id": contract_key(document)} for pk, document in rows]
        connection.execute(write, keys)
        after = rows[-1][0]
    op.create_index(
        INDEX,
        "ocpi_objects",
        ["contract_id", "origin", "country_code", "party_id"],
        sqlite_where=NOT_NULL,
        postgresql_where=NOT_NULL,
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="ocpi_objects")
    with op.batch_alter_table("ocpi_objects") as batch:
        batch.drop_column("contract_id")
