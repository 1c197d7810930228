"""ChargingProfiles: requests with their results, and ActiveChargingProfiles.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# BIGINT on PostgreSQL; SQLite auto-increments only an "INTEGER PRIMARY KEY".
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _outbox_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _timestamp("next_attempt_at", nullable=True),
        _timestamp("leased_until", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
    ]


def _partner_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["partner_id"],
        ["partners.id"],
        name=op.f(f"fk_{table}_partner_id_partners"),
        ondelete="CASCADE",
    )


def _create_requests() -> None:
    op.create_table(
        "profile_requests",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("response_url", sa.Text(), nullable=True),
        sa.Column("request", sa.LargeBinary(), nullable=True),
        sa.Column("response", sa.LargeBinary(), nullable=True),
        sa.Column("result", sa.LargeBinary(), nullable=True),
        *_outbox_columns(),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        _partner_fk("profile_requests"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_requests")),
        sa.UniqueConstraint("reference", name=op.f("uq_profile_requests_reference")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_profile_requests_partner_id"), "profile_requests", ["partner_id"])
    op.create_index(
        op.f("ix_profile_requests_state_next_attempt_at"),
        "profile_requests",
        ["state", "next_attempt_at"],
    )


def _create_active() -> None:
    op.create_table(
        "active_profiles",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("session_key", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_outbox_columns(),
        _timestamp("updated_at"),
        _partner_fk("active_profiles"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_active_profiles")),
        sa.UniqueConstraint(
            "direction",
            "partner_id",
            "session_key",
            name=op.f("uq_active_profiles_direction_partner_id_session_key"),
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_active_profiles_state_next_attempt_at"),
        "active_profiles",
        ["state", "next_attempt_at"],
    )


def upgrade() -> None:
    _create_requests()
    _create_active()


def downgrade() -> None:
    op.drop_table("active_profiles")
    op.drop_table("profile_requests")
