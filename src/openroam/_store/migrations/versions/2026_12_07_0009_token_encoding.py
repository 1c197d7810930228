"""The token encoding a partner gets: chosen by the operator, or detected.

``partners.encode_token_fixed``: the operator chose the encoding of the token we send the
partner (``openroam invite|register|partners add --raw-token``), so the partner's credentials
calls do not change it; otherwise (every existing partner) each credentials POST or PUT from the
partner sets ``encode_token`` to the form its Authorization header carried
(transport_and_format.asciidoc "Authorization header").

Revision ID: 0009_token_encoding
Revises: 0008_delivery_engine
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_token_encoding"
down_revision: str | Sequence[str] | None = "0008_delivery_engine"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NOT NULL with a default: SQLite adds it in place.
    op.add_column(
        "partners",
        sa.Column("encode_token_fixed", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("encode_token_fixed")
