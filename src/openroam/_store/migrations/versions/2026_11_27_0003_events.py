"""Events for the party's backend and their webhook outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# BIGINT on PostgreSQL; SQLite auto-increments only an "INTEGER PRIMARY KEY".
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UNPOSITIONED = sa.text("position IS NULL")


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _create_events() -> None:
    op.create_table(
        "events",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=True),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        _timestamp("created_at"),
        sa.Column("webhook_state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _timestamp("next_attempt_at"),
        _timestamp("leased_until", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _timestamp("delivered_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("position", name=op.f("uq_events_position")),
        sa.UniqueConstraint("subject", "sequence", name=op.f("uq_events_subject_sequence")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_events_webhook_state_next_attempt_at"),
        "events",
        ["webhook_state", "next_attempt_at"],
    )
    op.create_index(
        "ix_events_unpositioned",
        "events",
        ["id"],
        sqlite_where=UNPOSITIONED,
        postgresql_where=UNPOSITIONED,
    )


def _create_subjects_and_attempts() -> None:
    op.create_table(
        "event_subjects",
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("subject", name=op.f("pk_event_subjects")),
    )
    op.create_table(
        "event_attempts",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("event_id", BIG_ID, nullable=False),
        _timestamp("at"),
        sa.Column("url", sa.String(length=255), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_attempts_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_attempts")),
    )
    op.create_index(op.f("ix_event_attempts_event_id"), "event_attempts", ["event_id"])


def upgrade() -> None:
    _create_events()
    _create_subjects_and_attempts()


def downgrade() -> None:
    op.drop_table("event_attempts")
    op.drop_table("event_subjects")
    op.drop_table("events")
