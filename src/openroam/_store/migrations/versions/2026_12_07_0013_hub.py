"""The Hub role: partners' connection status, ClientInfo received from Hubs, result relays.

* ``partners.last_seen_at``, ``connection_status``, ``connection_status_at``: on a Hub node,
  when a connected party was last heard from and the ConnectionStatus reported for it in
  ClientInfo (mod_hub_client_info "ConnectionStatus enum"); NULL elsewhere.
* ``client_infos``: on a node connected to a Hub, the ClientInfo objects the Hub PUT to us.
* ``commands.counterparty``, ``profile_requests.counterparty``: the party on the other end of a
  command or charging-profile request, so its result is addressed TO the party that asked.
* ``hub_relays``: on a Hub node, the ``response_url`` of each command or charging-profile
  request forwarded, so the result can follow the request back.

Revision ID: 0013_hub
Revises: 0012_token_contract
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_hub"
down_revision: str | Sequence[str] | None = "0012_token_contract"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # Nullable columns: SQLite adds them in place.
    op.add_column("partners", _timestamp("last_seen_at", nullable=True))
    op.add_column("partners", sa.Column("connection_status", sa.String(length=16), nullable=True))
    op.add_column("partners", _timestamp("connection_status_at", nullable=True))
    for table in ("commands", "profile_requests"):
        op.add_column(table, sa.Column("counterparty", sa.String(length=6), nullable=True))
    op.create_table(
        "client_infos",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hub_partner_id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("party_id", sa.String(length=3), nullable=False),
        sa.Column("country_key", sa.String(length=2), nullable=False),
        sa.Column("party_key", sa.String(length=3), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _timestamp("last_updated"),
        _timestamp("received_at"),
        sa.ForeignKeyConstraint(
            ["hub_partner_id"],
            ["partners.id"],
            name=op.f("fk_client_infos_hub_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_infos")),
        sa.UniqueConstraint(
            "hub_partner_id",
            "country_key",
            "party_key",
            name=op.f("uq_client_infos_hub_partner_id_country_key_party_key"),
        ),
    )
    op.create_table(
        "hub_relays",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("module", sa.String(length=32), nullable=False),
        sa.Column("response_url", sa.String(length=255), nullable=False),
        sa.Column("from_party", sa.String(length=6), nullable=False),
        sa.Column("to_party", sa.String(length=6), nullable=False),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_hub_relays_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_relays")),
    )
    op.create_index(op.f("ix_hub_relays_created_at"), "hub_relays", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_hub_relays_created_at"), table_name="hub_relays")
    op.drop_table("hub_relays")
    op.drop_table("client_infos")
    for table in ("profile_requests", "commands"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("counterparty")
    with op.batch_alter_table("partners") as batch:
        for name in ("connection_status_at", "connection_status", "last_seen_at"):
            batch.drop_column(name)
