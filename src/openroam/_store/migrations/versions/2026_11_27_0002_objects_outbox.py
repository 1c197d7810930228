"""Roaming objects as stored JSON documents, the delivery outbox and pull-sync state.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# BIGINT on PostgreSQL; SQLite auto-increments only an "INTEGER PRIMARY KEY".
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON_LIST = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
PENDING = sa.text("state = 'pending'")


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _create_objects() -> None:
    op.create_table(
        "ocpi_objects",
        sa.Column("pk", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("module", sa.String(length=20), nullable=False),
        sa.Column("origin", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("party_id", sa.String(length=3), nullable=False),
        sa.Column("object_id", sa.String(length=39), nullable=False),
        sa.Column(
            "object_type", sa.String(length=20), server_default=sa.text("''"), nullable=False
        ),
        _timestamp("last_updated"),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_ocpi_objects")),
        sa.UniqueConstraint(
            "module",
            "origin",
            "country_code",
            "party_id",
            "object_id",
            "object_type",
            name="uq_ocpi_objects_identity",
        ),
        sqlite_autoincrement=True,
    )
    for columns in (["module", "origin", "pk"], ["module", "origin", "last_updated"]):
        name = "ix_ocpi_objects_" + "_".join(columns)
        op.create_index(op.f(name), "ocpi_objects", columns)


def _create_deliveries() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("module", sa.String(length=20), nullable=False),
        sa.Column("object_pk", BIG_ID, nullable=True),
        sa.Column("method", sa.String(length=6), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("fields", JSON_LIST, nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _timestamp("next_attempt_at"),
        _timestamp("leased_until", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("claimed_revision", sa.Integer(), nullable=True),
        _timestamp("created_at"),
        _timestamp("delivered_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_deliveries_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["object_pk"],
            ["ocpi_objects.pk"],
            name=op.f("fk_deliveries_object_pk_ocpi_objects"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    op.create_index(op.f("ix_deliveries_object_pk"), "deliveries", ["object_pk"])
    op.create_index(
        op.f("ix_deliveries_state_next_attempt_at"), "deliveries", ["state", "next_attempt_at"]
    )
    op.create_index(
        "uq_deliveries_pending",
        "deliveries",
        ["partner_id", "object_pk", "method", "path"],
        unique=True,
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def _create_attempts_and_sync_state() -> None:
    op.create_table(
        "delivery_attempts",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("delivery_id", BIG_ID, nullable=False),
        _timestamp("at"),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_delivery_attempts_delivery_id_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempts")),
    )
    op.create_index(op.f("ix_delivery_attempts_delivery_id"), "delivery_attempts", ["delivery_id"])
    op.create_table(
        "sync_state",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("module", sa.String(length=20), nullable=False),
        _timestamp("watermark", nullable=True),
        _timestamp("last_full_sync_at", nullable=True),
        _timestamp("last_pull_at", nullable=True),
        _timestamp("next_pull_at", nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_sync_state_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("partner_id", "module", name=op.f("pk_sync_state")),
    )


def upgrade() -> None:
    _create_objects()
    _create_deliveries()
    _create_attempts_and_sync_state()


def downgrade() -> None:
    op.drop_table("sync_state")
    op.drop_table("delivery_attempts")
    op.drop_table("deliveries")
    op.drop_table("ocpi_objects")
