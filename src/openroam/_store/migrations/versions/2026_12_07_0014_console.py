"""The operator console: the message log and the EVSE status history.

* ``message_log``: every OCPI exchange in and out, with the start of its bodies (tokens masked),
  kept for a retention period and under a size cap.
* ``evse_status_changes``: each change of an EVSE's status, own or a partner's.
* ``console_logouts``: console sessions logged out before they expired.

Revision ID: 0014_console
Revises: 0013_hub
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_console"
down_revision: str | Sequence[str] | None = "0013_hub"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "message_log",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        _timestamp("at"),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("partner_name", sa.String(length=100), nullable=True),
        sa.Column("module", sa.String(length=32), nullable=True),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("ocpi_status", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("correlation_id", sa.String(length=64), nullable=True),
        sa.Column("request_body", sa.LargeBinary(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("request_bytes", sa.Integer(), nullable=False),
        sa.Column("response_bytes", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("response_shared_with", BIG_ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_message_log_partner_id_partners"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_log")),
    )
    op.create_index(op.f("ix_message_log_at"), "message_log", ["at"])
    op.create_index(op.f("ix_message_log_partner_id_id"), "message_log", ["partner_id", "id"])
    op.create_table(
        "evse_status_changes",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("origin", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("party_id", sa.String(length=3), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("evse_uid", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("previous", sa.String(length=16), nullable=True),
        _timestamp("last_updated"),
        _timestamp("recorded_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evse_status_changes")),
    )
    op.create_index(
        "ix_evse_status_changes_evse",
        "evse_status_changes",
        ["origin", "country_code", "party_id", "location_id", "evse_uid", "id"],
    )
    op.create_table(
        "console_logouts",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        _timestamp("expires_at"),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_console_logouts")),
    )
    op.create_index(op.f("ix_console_logouts_expires_at"), "console_logouts", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_console_logouts_expires_at"), table_name="console_logouts")
    op.drop_table("console_logouts")
    op.drop_index("ix_evse_status_changes_evse", table_name="evse_status_changes")
    op.drop_table("evse_status_changes")
    op.drop_index(op.f("ix_message_log_partner_id_id"), table_name="message_log")
    op.drop_index(op.f("ix_message_log_at"), table_name="message_log")
    op.drop_table("message_log")
