"""Partner grants: the roles an operator allows each partner, and a record of their changes.

Existing partners keep working after the upgrade: every role a partner has registered
(``partner_roles``) becomes one of its grants, and the change is recorded with the reason
``migration``. From then on a partner may register, or change its roles with a credentials PUT,
only as what it is granted (docs/architecture.md "Partner grants"). Two partners that had
registered the same party both keep it granted (neither loses its traffic), but a credentials PUT
claiming a party another partner also holds is refused until the operator gives it to one of
them (``openroam partners grant``).

Revision ID: 0007_partner_grants
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_partner_grants"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _create_tables() -> None:
    op.create_table(
        "partner_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("party_id", sa.String(length=3), nullable=False),
        sa.Column("country_key", sa.String(length=2), nullable=False),
        sa.Column("party_key", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_grants_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_grants")),
        sa.UniqueConstraint(
            "partner_id",
            "role",
            "country_key",
            "party_key",
            name=op.f("uq_partner_grants_partner_id_role_country_key_party_key"),
        ),
    )
    op.create_index(
        op.f("ix_partner_grants_country_key_party_key"),
        "partner_grants",
        ["country_key", "party_key"],
    )
    op.create_table(
        "partner_grant_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("old_grants", JSON_DOCUMENT, nullable=False),
        sa.Column("new_grants", JSON_DOCUMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_grant_changes_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_grant_changes")),
    )
    op.create_index(
        op.f("ix_partner_grant_changes_partner_id"), "partner_grant_changes", ["partner_id"]
    )


def _grant_registered_roles() -> None:
    """Every registered role becomes a grant, so an upgrade locks no partner out."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT partner_id, role, country_code, party_id, country_key, party_key "
            "FROM partner_roles ORDER BY partner_id, id"
        )
    ).all()
    if not rows:
        return
    grants = sa.table(
        "partner_grants",
        *(sa.column(name) for name in ("partner_id", "role", "country_code", "party_id")),
        sa.column("country_key"),
        sa.column("party_key"),
    )
    op.bulk_insert(grants, [dict(row._mapping) for row in rows])
    by_partner: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_partner.setdefault(row.partner_id, []).append(
            {"role": row.role, "country_code": row.country_code, "party_id": row.party_id}
        )
    changes = sa.table(
        "partner_grant_changes",
        sa.column("partner_id"),
        sa.column("changed_at", sa.DateTime(timezone=True)),
        sa.column("reason"),
        sa.column("old_grants", JSON_DOCUMENT),
        sa.column("new_grants", JSON_DOCUMENT),
    )
    # SQLite keeps timestamps as naive UTC text (tables.UtcDateTime); PostgreSQL as timestamptz.
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    op.bulk_insert(
        changes,
        [
            {
                "partner_id": partner_id,
                "changed_at": now,
                "reason": "migration",
                "old_grants": [],
                "new_grants": granted,
            }
            for partner_id, granted in by_partner.items()
        ],
    )


def upgrade() -> None:
    _create_tables()
    _grant_registered_roles()


def downgrade() -> None:
    op.drop_table("partner_grant_changes")
    op.drop_table("partner_grants")
