"""Remote commands, sent and received, and the outbox of their results.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# BIGINT on PostgreSQL; SQLite auto-increments only an "INTEGER PRIMARY KEY".
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "commands",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("request", sa.LargeBinary(), nullable=False),
        sa.Column("response_url", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        _timestamp("created_at"),
        _timestamp("deadline"),
        sa.Column("response", sa.LargeBinary(), nullable=True),
        sa.Column("response_error", sa.Text(), nullable=True),
        sa.Column("result", sa.LargeBinary(), nullable=True),
        _timestamp("result_at", nullable=True),
        sa.Column("delivery_state", sa.String(length=10), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _timestamp("next_attempt_at", nullable=True),
        _timestamp("leased_until", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_commands_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commands")),
        sa.UniqueConstraint("uid", name=op.f("uq_commands_uid")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_commands_state_deadline"), "commands", ["state", "deadline"])
    op.create_index(
        op.f("ix_commands_delivery_state_next_attempt_at"),
        "commands",
        ["delivery_state", "next_attempt_at"],
    )


def downgrade() -> None:
    op.drop_table("commands")
