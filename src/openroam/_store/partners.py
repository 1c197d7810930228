"""Queries over partner connections: by token, id, name and declared party."""

from __future__ import annotations

import hmac

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from openroam._store.records import (
    GrantChangeRecord,
    PartnerNotFound,
    PartnerRecord,
    TokenKind,
    hash_token,
    to_record,
)
from openroam._store.tables import (
    Partner,
    PartnerGrant,
    PartnerGrantChange,
    PartnerRole,
    PartnerStatus,
)
from openroam.models.common import fold_id
from openroam.models.v221.types import Role

__all__ = [
    "find_partner_by_token",
    "find_partners_by_party",
    "get_partner",
    "get_partner_by_name",
    "grant_changes",
    "held_parties",
    "list_partners",
    "load_partner",
]


def _select_partners(*, joined: bool = False) -> Select[Partner]:
    # populate_existing: the session may hold this partner from before its last change (roles
    # and endpoints are replaced with bulk statements, which the identity map does not see).
    load = joinedload if joined else selectinload
    return (
        select(Partner)
        .options(load(Partner.roles), load(Partner.endpoints), load(Partner.grants))
        .execution_options(populate_existing=True)
    )


async def load_partner(session: AsyncSession, partner_id: int) -> PartnerRecord:
    """The partner with this id, freshly read; :class:`PartnerNotFound` if there is none."""
    partner = await session.scalar(_select_partners().where(Partner.id == partner_id))
    if partner is None:
        raise PartnerNotFound(partner_id)
    return to_record(partner)


async def find_partner_by_token(
    session: AsyncSession, token: str
) -> tuple[PartnerRecord, TokenKind] | None:
    """The partner that ``token`` belongs to, and whether it is its token A or its current token.

    This runs on every request, so it is one query: the three hash columns are unique (hence
    indexed; PostgreSQL combines them with a BitmapOr, SQLite with a multi-index OR) and roles
    and endpoints come in the same query through joins. The stored digest is compared again in
    constant time (transport_and_format.asciidoc "Authorization header").
    """
    digest = hash_token(token)
    stmt = _select_partners(joined=True).where(
        or_(
            Partner.incoming_token_hash == digest,
            Partner.rotating_token_hash == digest,
            Partner.token_a_hash == digest,
        )
    )
    partner = (await session.execute(stmt)).unique().scalar_one_or_none()
    if partner is None:
        return None
    kind: TokenKind = "A" if _same(partner.token_a_hash, digest) else "C"
    if kind == "C" and not (
        _same(partner.incoming_token_hash, digest) or _same(partner.rotating_token_hash, digest)
    ):
        return None
    return to_record(partner), kind


def _same(stored: str | None, digest: str) -> bool:
    return stored is not None and hmac.compare_digest(stored, digest)


async def get_partner(session: AsyncSession, partner_id: int) -> PartnerRecord | None:
    """The partner with this id, or ``None``."""
    partner = await session.scalar(_select_partners().where(Partner.id == partner_id))
    return None if partner is None else to_record(partner)


async def get_partner_by_name(session: AsyncSession, name: str) -> PartnerRecord | None:
    """The partner with this name (exact match), or ``None``."""
    partner = await session.scalar(_select_partners().where(Partner.name == name))
    return None if partner is None else to_record(partner)


async def list_partners(session: AsyncSession) -> list[PartnerRecord]:
    """Every partner connection, oldest first."""
    partners = await session.scalars(_select_partners().order_by(Partner.id))
    return [to_record(partner) for partner in partners]


async def find_partners_by_party(
    session: AsyncSession, country_code: str, party_id: str, role: Role | None = None
) -> list[PartnerRecord]:
    """The partners that registered the party ``country_code``/``party_id`` (case-insensitive,
    types.asciidoc "CiString") in a role granted to them, optionally only in ``role``; oldest
    first."""
    declared = (
        select(PartnerRole.partner_id)
        .join(
            PartnerGrant,
            and_(
                PartnerGrant.partner_id == PartnerRole.partner_id,
                PartnerGrant.role == PartnerRole.role,
                PartnerGrant.country_key == PartnerRole.country_key,
                PartnerGrant.party_key == PartnerRole.party_key,
            ),
        )
        .where(
            PartnerRole.country_key == fold_id(country_code),
            PartnerRole.party_key == fold_id(party_id),
        )
    )
    if role is not None:
        declared = declared.where(PartnerRole.role == str(role))
    stmt = _select_partners().where(Partner.id.in_(declared)).order_by(Partner.id)
    return [to_record(partner) for partner in await session.scalars(stmt)]


async def held_parties(
    session: AsyncSession, *, except_partner: int | None = None
) -> dict[tuple[str, str], int]:
    """The parties granted to a partner that is not unregistered, as folded (country_code,
    party_id) → that partner's id; ``except_partner``'s own grants left out.

    A party belongs to one partner connection: another partner may neither be granted it nor
    register it.
    """
    stmt = (
        select(PartnerGrant.country_key, PartnerGrant.party_key, PartnerGrant.partner_id)
        .join(Partner, Partner.id == PartnerGrant.partner_id)
        .where(Partner.status != PartnerStatus.UNREGISTERED)
    )
    if except_partner is not None:
        stmt = stmt.where(PartnerGrant.partner_id != except_partner)
    return {(cc, pid): partner_id for cc, pid, partner_id in (await session.execute(stmt)).all()}


async def grant_changes(session: AsyncSession, partner_id: int) -> list[GrantChangeRecord]:
    """Every recorded change of the partner's grants, oldest first."""
    rows = await session.scalars(
        select(PartnerGrantChange)
        .where(PartnerGrantChange.partner_id == partner_id)
        .order_by(PartnerGrantChange.id)
    )
    return [
        GrantChangeRecord(row.changed_at, row.reason, tuple(row.old_grants), tuple(row.new_grants))
        for row in rows
    ]
