"""The look-ups a Hub node routes by (transport_and_format.asciidoc "Message Routing"): which
partner holds a party, in what connection state, and which party owns an object the Hub holds
(the Open Routing of a request that names no receiver).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._store.objects import OcpiObject
from openroam._store.partners import load_partner
from openroam._store.records import PartnerRecord
from openroam._store.tables import Partner, PartnerGrant, PartnerStatus
from openroam.models.common import fold_id

__all__ = ["PartyHolder", "connected_partner", "held_owners", "party_holder"]


@dataclass(frozen=True, slots=True)
class PartyHolder:
    """The partner connection a party belongs to, and how it is connected to the Hub."""

    partner: PartnerRecord
    #: ``partners.connection_status`` (CONNECTED, OFFLINE, PLANNED, SUSPENDED; None: not set)
    connection_status: str | None


async def party_holder(
    session: AsyncSession, country_code: str, party_id: str
) -> PartyHolder | None:
    """The partner granted this party (CiString compare), or ``None``.

    A party is granted to one partner that is not unregistered (``held_parties``); when only
    unregistered partners were granted it, the most recent of them is answered (the party is
    known, but not connected).
    """
    gone = case((Partner.status == PartnerStatus.UNREGISTERED, 1), else_=0)
    stmt = (
        select(Partner.id, Partner.connection_status)
        .join(PartnerGrant, PartnerGrant.partner_id == Partner.id)
        .where(
            PartnerGrant.country_key == fold_id(country_code),
            PartnerGrant.party_key == fold_id(party_id),
        )
        .order_by(gone, Partner.id.desc())
        .limit(1)
    )
    found = (await session.execute(stmt)).first()
    if found is None:
        return None
    partner_id, connection_status = found
    return PartyHolder(await load_partner(session, partner_id), connection_status)


async def connected_partner(session: AsyncSession, partner_id: int) -> PartyHolder | None:
    """The partner with this id and its connection status, or ``None``."""
    status = (
        await session.execute(select(Partner.connection_status).where(Partner.id == partner_id))
    ).first()
    if status is None:
        return None
    return PartyHolder(await load_partner(session, partner_id), status[0])


async def held_owners(
    session: AsyncSession, module: str, object_id: str, object_type: str | None = None
) -> list[tuple[str, str]]:
    """The owners (folded country_code, party_id) of the partners' objects of ``module`` with this
    id (and Token type) the node holds; at most two (one is an answer, two are ambiguous)."""
    stmt = (
        select(OcpiObject.country_code, OcpiObject.party_id)
        .where(
            OcpiObject.module == module,
            OcpiObject.object_id == fold_id(object_id),
            OcpiObject.origin != 0,
        )
        .distinct()
        .limit(2)
    )
    if object_type is not None:
        stmt = stmt.where(OcpiObject.object_type == fold_id(object_type))
    return [(cc, pid) for cc, pid in (await session.execute(stmt)).all()]
