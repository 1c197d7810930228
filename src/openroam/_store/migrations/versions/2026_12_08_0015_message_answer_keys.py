"""The message log, written as it was captured: a message's time as a number, and a stored
answer that later messages share named by a key chosen when it is captured, not by its id
(known only once it is written, after the later messages were captured).

* ``message_log.at`` becomes ``at_micros``: whole microseconds since the epoch (UTC);
* ``message_log.answer_key``: the key of the answer a message stores for others to share
  (indexed where set);
* ``message_log.response_shared_with`` becomes ``shared_answer_key``: the ``answer_key`` of the
  message that stores this one's answer. The messages that earlier ones referred to by id get
  their id as key, so what is stored keeps its meaning (new keys are ≥ 2**62, never an id).

Revision ID: 0015_message_answer_keys
Revises: 0014_console
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_message_answer_keys"
down_revision: str | Sequence[str] | None = "0014_console"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_KEYED = sa.text("answer_key IS NOT NULL")

#: ``at`` as microseconds since the epoch: SQLite keeps it as the text SQLAlchemy writes
#: ("2026-01-31 18:00:00.000000", UTC), PostgreSQL as a timestamp with time zone.
_MICROS_OF_AT = {
    "sqlite": "CAST(strftime('%s', at) AS INTEGER) * 1000000"
    " + CAST(substr(at || '.000000', 21, 6) AS INTEGER)",
    "postgresql": "CAST(round(extract(epoch FROM at) * 1000000) AS BIGINT)",
}
_AT_OF_MICROS = {
    "sqlite": "strftime('%Y-%m-%d %H:%M:%S', at_micros / 1000000, 'unixepoch')"
    " || printf('.%06d', at_micros % 1000000)",
    "postgresql": "to_timestamp(at_micros / 1000000.0)",
}


def _dialect() -> str:
    return str(op.get_bind().dialect.name)


def upgrade() -> None:
    with op.batch_alter_table("message_log") as table:
        table.add_column(sa.Column("at_micros", sa.BigInteger(), nullable=True))
        table.add_column(sa.Column("answer_key", sa.BigInteger(), nullable=True))
        table.alter_column(
            "response_shared_with",
            new_column_name="shared_answer_key",
            existing_type=BIG_ID,
            type_=sa.BigInteger(),
            existing_nullable=True,
        )
    op.execute(f"UPDATE message_log SET at_micros = {_MICROS_OF_AT[_dialect()]}")
    op.execute(
        "UPDATE message_log SET answer_key = id WHERE id IN "
        "(SELECT shared_answer_key FROM message_log WHERE shared_answer_key IS NOT NULL)"
    )
    op.drop_index("ix_message_log_at", table_name="message_log")
    with op.batch_alter_table("message_log") as table:
        table.drop_column("at")
        table.alter_column("at_micros", existing_type=sa.BigInteger(), nullable=False)
    op.create_index(op.f("ix_message_log_at_micros"), "message_log", ["at_micros"])
    op.create_index(
        op.f("ix_message_log_answer_key"),
        "message_log",
        ["answer_key"],
        sqlite_where=_KEYED,
        postgresql_where=_KEYED,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_message_log_answer_key"), table_name="message_log")
    op.drop_index(op.f("ix_message_log_at_micros"), table_name="message_log")
    # A reference by key becomes one by id again; references to keys no message has any more
    # are dropped (the answer is shown as no longer kept either way).
    op.execute(
        "UPDATE message_log SET shared_answer_key = "
        "(SELECT min(keyed.id) FROM message_log AS keyed "
        "WHERE keyed.answer_key = message_log.shared_answer_key) "
        "WHERE shared_answer_key IS NOT NULL"
    )
    with op.batch_alter_table("message_log") as table:
        table.add_column(sa.Column("at", sa.DateTime(timezone=True), nullable=True))
    op.execute(f"UPDATE message_log SET at = {_AT_OF_MICROS[_dialect()]}")
    with op.batch_alter_table("message_log") as table:
        table.alter_column("at", existing_type=sa.DateTime(timezone=True), nullable=False)
        table.alter_column(
            "shared_answer_key",
            new_column_name="response_shared_with",
            existing_type=sa.BigInteger(),
            type_=BIG_ID,
            existing_nullable=True,
        )
        table.drop_column("answer_key")
        table.drop_column("at_micros")
    op.create_index("ix_message_log_at", "message_log", ["at"])
