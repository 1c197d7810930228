"""Finding a Token by ``uid`` and ``type`` for real-time authorization (mod_tokens.asciidoc
"Real-time authorization"): the eMSP looks among its own Tokens, the CPO among the Tokens its
partners pushed to it, without knowing in advance which eMSP owns the uid.

A partner's Token counts only under a party that partner holds: granted to it as eMSP, or, for
a partner granted HUB, a party no other partner holds. A copy another partner pushed under
someone else's party (before a grant changed, say) is never found.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

from sqlalchemy import ColumnElement, Table, and_, exists, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from openroam._store.object_repo import StoredObject
from openroam._store.object_sql import COLUMNS
from openroam._store.objects import OcpiObject
from openroam._store.tables import Partner, PartnerGrant, PartnerStatus
from openroam.models.common import fold_id

__all__ = ["find_own_session", "find_own_tokens_by_contract", "find_tokens"]

_T = cast(Table, OcpiObject.__table__)


async def find_tokens(
    session: AsyncSession,
    uid: str,
    token_type: str,
    *,
    own: bool,
    owners: Sequence[tuple[str, str]] | None = None,
) -> list[StoredObject]:
    """Tokens with this uid and type (case-insensitive), the latest change first.

    ``own``: our own Tokens (origin 0), else those received from the partner holding each
    Token's party (see the module docstring). ``owners`` keeps only Tokens of these
    (country_code, party_id) pairs.
    """
    stmt = select(*COLUMNS).where(
        _T.c.module == "tokens",
        _T.c.object_id == fold_id(uid),
        _T.c.object_type == fold_id(token_type),
        (_T.c.origin == 0) if own else (_T.c.origin != 0),
    )
    if not own:
        stmt = stmt.where(_held_by_origin())
    if owners is not None:
        pairs = [
            and_(_T.c.country_code == fold_id(c), _T.c.party_id == fold_id(p)) for c, p in owners
        ]
        stmt = stmt.where(or_(*pairs) if pairs else false())
    stmt = stmt.order_by(_T.c.last_updated.desc(), _T.c.pk.desc())
    rows = (await session.execute(stmt)).all()
    return [StoredObject(*tuple(row)) for row in rows]


async def find_own_tokens_by_contract(
    session: AsyncSession,
    owners: Sequence[tuple[str, str]],
    contract_ids: Iterable[str],
) -> dict[str, StoredObject]:
    """Our own Tokens (origin 0) of these (country_code, party_id) ``owners`` by contract_id,
    in one query (``ix_ocpi_objects_contract``), keyed by the folded contract_id (CiString).

    A contract_id is not unique among Tokens (mod_tokens "Token object": several Tokens, an
    RFID card and an app, may carry one contract); where several match, the most recently
    updated one is taken (the latest ``last_updated``, then the latest created).
    """
    keys = sorted({fold_id(contract_id) for contract_id in contract_ids})
    pairs = sorted({(fold_id(c), fold_id(p)) for c, p in owners})
    if not keys or not pairs:
        return {}
    stmt = (
        select(*COLUMNS, _T.c.contract_id)
        .where(
            _T.c.contract_id.in_(keys),
            _T.c.origin == 0,
            _T.c.module == "tokens",
            or_(*(and_(_T.c.country_code == c, _T.c.party_id == p) for c, p in pairs)),
        )
        .order_by(_T.c.last_updated.desc(), _T.c.pk.desc())
    )
    found: dict[str, StoredObject] = {}
    for row in (await session.execute(stmt)).all():
        *columns, contract_id = tuple(row)
        found.setdefault(contract_id, StoredObject(*columns))
    return found


async def find_own_session(session: AsyncSession, session_id: str) -> StoredObject | None:
    """One of our own Sessions by id, whichever own party owns it (mod_charging_profiles: the
    ``session_id`` is the id "in the Receiver platform")."""
    stmt = (
        select(*COLUMNS)
        .where(
            _T.c.module == "sessions",
            _T.c.origin == 0,
            _T.c.object_id == fold_id(session_id),
        )
        .order_by(_T.c.pk)
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    return None if row is None else StoredObject(*tuple(row))


def _held_by_origin() -> ColumnElement[bool]:
    """The stored Token's party is held by the partner it came from."""
    grant = aliased(PartnerGrant)
    other = aliased(PartnerGrant)
    same_party = and_(grant.country_key == _T.c.country_code, grant.party_key == _T.c.party_id)
    granted = exists().where(
        grant.partner_id == _T.c.origin,
        or_(and_(grant.role == "EMSP", same_party), grant.role == "HUB"),
    )
    held_by_another = exists().where(
        other.partner_id != _T.c.origin,
        other.country_key == _T.c.country_code,
        other.party_key == _T.c.party_id,
        Partner.id == other.partner_id,
        Partner.status != PartnerStatus.UNREGISTERED,
    )
    return and_(granted, ~held_by_another)
