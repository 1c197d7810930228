"""The ``hub_relays`` rows of a Hub node (``_store/hub_tables.py`` ``HubRelay``): where the result
of a command or charging-profile request forwarded through the Hub goes.

A forwarded request carries a ``response_url`` of ours naming a relay; the receiving party's
result POSTed there is forwarded to the requester's own ``response_url`` (mod_commands
"response_url", mod_charging_profiles "response_url"). A relay answers every POST until it is
pruned (a reservation's later cancellation is POSTed to the same URL, mod_commands
"CommandResult").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._store.hub_tables import HubRelay

__all__ = ["RelayRecord", "add_relay", "get_relay", "prune_relays"]


@dataclass(frozen=True, slots=True)
class RelayRecord:
    """One relay: the requester's ``response_url`` behind our ``…/hub/results/{id}``."""

    id: str
    #: the partner that sent the request: the result goes to it, with its token
    partner_id: int
    module: str
    response_url: str
    #: "CC/PID" of the requesting party (OCPI-from-* of the request)
    from_party: str
    #: "CC/PID" of the receiving party (OCPI-to-* of the forwarded request)
    to_party: str
    created_at: datetime


def _record(row: HubRelay) -> RelayRecord:
    return RelayRecord(
        row.id,
        row.partner_id,
        row.module,
        row.response_url,
        row.from_party,
        row.to_party,
        row.created_at,
    )


async def add_relay(
    session: AsyncSession,
    relay_id: str,
    *,
    partner_id: int,
    module: str,
    response_url: str,
    from_party: str,
    to_party: str,
) -> None:
    """Store a relay (the caller's transaction)."""
    session.add(
        HubRelay(
            id=relay_id,
            partner_id=partner_id,
            module=module,
            response_url=response_url,
            from_party=from_party,
            to_party=to_party,
        )
    )
    await session.flush()


async def get_relay(session: AsyncSession, relay_id: str) -> RelayRecord | None:
    """The relay with this id, or ``None``."""
    row = await session.scalar(select(HubRelay).where(HubRelay.id == relay_id))
    return None if row is None else _record(row)


async def prune_relays(session: AsyncSession, before: datetime) -> int:
    """Delete the relays created before ``before``; how many were deleted."""
    result = await session.execute(delete(HubRelay).where(HubRelay.created_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
