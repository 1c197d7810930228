"""Own parties and partner connections: tokens, roles and endpoints (credentials.asciidoc).

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
PARTNER_STATUS = sa.Enum(
    "pending",
    "registered",
    "suspended",
    "unregistered",
    name="partnerstatus",
    native_enum=False,
    length=16,
)


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _party_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("party_id", sa.String(length=3), nullable=False),
        sa.Column("country_key", sa.String(length=2), nullable=False),
        sa.Column("party_key", sa.String(length=3), nullable=False),
        sa.Column("business_details", JSON_DOCUMENT, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "own_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        *_party_columns(),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_own_parties")),
        sa.UniqueConstraint(
            "country_key",
            "party_key",
            "role",
            name=op.f("uq_own_parties_country_key_party_key_role"),
        ),
    )
    op.create_table(
        "partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("versions_url", sa.String(length=255), nullable=True),
        sa.Column("version", sa.String(length=10), nullable=True),
        sa.Column("status", PARTNER_STATUS, nullable=False),
        sa.Column("incoming_token_hash", sa.String(length=64), nullable=True),
        sa.Column("rotating_token_hash", sa.String(length=64), nullable=True),
        sa.Column("token_a_hash", sa.String(length=64), nullable=True),
        sa.Column("outgoing_token", sa.String(length=255), nullable=True),
        sa.Column("encode_token", sa.Boolean(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        _timestamp("registered_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("name", name=op.f("uq_partners_name")),
        sa.UniqueConstraint("incoming_token_hash", name=op.f("uq_partners_incoming_token_hash")),
        sa.UniqueConstraint("rotating_token_hash", name=op.f("uq_partners_rotating_token_hash")),
        sa.UniqueConstraint("token_a_hash", name=op.f("uq_partners_token_a_hash")),
    )
    op.create_table(
        "partner_roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        *_party_columns(),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_roles_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_roles")),
        sa.UniqueConstraint(
            "partner_id",
            "role",
            "country_key",
            "party_key",
            name=op.f("uq_partner_roles_partner_id_role_country_key_party_key"),
        ),
    )
    op.create_index(
        op.f("ix_partner_roles_country_key_party_key"),
        "partner_roles",
        ["country_key", "party_key"],
    )
    op.create_table(
        "partner_endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_endpoints_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_endpoints")),
    )
    op.create_index(op.f("ix_partner_endpoints_partner_id"), "partner_endpoints", ["partner_id"])


def downgrade() -> None:
    op.drop_table("partner_endpoints")
    op.drop_table("partner_roles")
    op.drop_table("partners")
    op.drop_table("own_parties")
