"""The store of the HubClientInfo module (mod_hub_client_info.asciidoc), both sides.

* On a Hub node: each partner's connection as the Hub reports it in ClientInfo —
  ``partners.connection_status`` (CONNECTED, OFFLINE, PLANNED, SUSPENDED),
  ``connection_status_at`` (the ClientInfo's ``last_updated``) and ``last_seen_at`` (when the
  partner was last heard from) — and the outbox rows that PUT a party's ClientInfo to the other
  partners (module ``hubclientinfo``, path ``CC/PID``, no object: the body is built at send
  time from the current status).
* On a node connected to a Hub: the ClientInfo objects each Hub PUT to us (``client_infos``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, and_, case, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from openroam._store.hub_tables import ClientInfoRow
from openroam._store.objects import Delivery, DeliveryState
from openroam._store.outbox import object_key
from openroam._store.tables import Partner, utcnow
from openroam.models.common import fold_id

__all__ = [
    "MODULE",
    "ClientInfoRecord",
    "client_info_path",
    "client_infos_of",
    "enqueue_client_infos",
    "get_client_info",
    "party_statuses",
    "put_client_info",
    "set_connection_status",
    "touch_last_seen",
]

#: the module identifier of the deliveries that PUT a ClientInfo
MODULE = "hubclientinfo"

_D = cast(Table, Delivery.__table__)
_P = cast(Table, Partner.__table__)
PENDING = DeliveryState.PENDING


# --- Hub side: partners' connections ----------------------------------------------------------


async def set_connection_status(
    session: AsyncSession, partner_id: int, status: str, now: datetime
) -> bool:
    """Set the partner's ConnectionStatus (and its time) unless it already is ``status``;
    whether it changed. One conditional UPDATE: of two processes deciding the same change,
    only one sees it as a change (and queues the ClientInfo PUTs)."""
    result = await session.execute(
        update(_P)
        .where(
            _P.c.id == partner_id,
            or_(_P.c.connection_status.is_(None), _P.c.connection_status != status),
        )
        .values(connection_status=status, connection_status_at=now)
        .returning(_P.c.id)
    )
    return result.first() is not None


async def touch_last_seen(session: AsyncSession, partner_id: int, now: datetime) -> None:
    """The partner was heard from at ``now`` (never moved backwards)."""
    await session.execute(
        update(_P)
        .where(
            _P.c.id == partner_id,
            or_(_P.c.last_seen_at.is_(None), _P.c.last_seen_at < now),
        )
        .values(last_seen_at=now)
    )


def client_info_path(country_code: str, party_id: str) -> str:
    """The delivery path of a party's ClientInfo: ``CC/PID`` (the Receiver's URL segments,
    mod_hub_client_info "PUT Method")."""
    return f"{country_code}/{party_id}"


async def enqueue_client_infos(
    session: AsyncSession,
    partner_ids: Iterable[int],
    paths: Iterable[str],
    now: datetime | None = None,
) -> None:
    """Queue a ClientInfo PUT of each of ``paths`` to each of ``partner_ids``.

    A pending row for the same (partner, party) absorbs the change, as the outbox's coalescing
    does (``_store/outbox.coalescing``): its ``revision`` moves on, so a row in flight is sent
    again, and it is due now at the latest. The unique index that coalesces other rows cannot
    here (these rows have no ``object_pk``, and NULLs are distinct in it), hence the UPDATE
    first and the INSERT of the rest.
    """
    now = now or utcnow()
    targets = {
        (partner_id, object_key(MODULE, path)): path for partner_id in partner_ids for path in paths
    }
    if not targets:
        return
    joined = await session.execute(
        update(_D)
        .where(
            tuple_(_D.c.partner_id, _D.c.object_key).in_(list(targets)),
            _D.c.module == MODULE,
            _D.c.method == "PUT",
            _D.c.state == PENDING,
        )
        .values(
            revision=_D.c.revision + 1,
            next_attempt_at=case((_D.c.next_attempt_at > now, now), else_=_D.c.next_attempt_at),
        )
        .returning(_D.c.partner_id, _D.c.object_key)
    )
    for row in joined.all():
        targets.pop((row.partner_id, row.object_key), None)
    if not targets:
        return
    await session.execute(
        _D.insert(),
        [
            {
                "partner_id": partner_id,
                "module": MODULE,
                "object_key": key,
                "object_pk": None,
                "method": "PUT",
                "path": path,
                "fields": None,
                "state": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "revision": 0,
                "created_at": now,
            }
            for (partner_id, key), path in targets.items()
        ],
    )


# --- a node connected to a Hub: the ClientInfo it sent us --------------------------------------


@dataclass(frozen=True, slots=True)
class ClientInfoRecord:
    """A ClientInfo a Hub PUT to us (mod_hub_client_info "ClientInfo Object")."""

    hub_partner_id: int
    country_code: str
    party_id: str
    role: str
    status: str
    last_updated: datetime
    received_at: datetime


def _record(row: ClientInfoRow) -> ClientInfoRecord:
    return ClientInfoRecord(
        row.hub_partner_id,
        row.country_code,
        row.party_id,
        row.role,
        row.status,
        row.last_updated,
        row.received_at,
    )


def _one(hub_partner_id: int, country_code: str, party_id: str) -> list[ColumnElement[bool]]:
    return [
        ClientInfoRow.hub_partner_id == hub_partner_id,
        ClientInfoRow.country_key == fold_id(country_code),
        ClientInfoRow.party_key == fold_id(party_id),
    ]


async def get_client_info(
    session: AsyncSession, hub_partner_id: int, country_code: str, party_id: str
) -> ClientInfoRecord | None:
    """The ClientInfo of one party the Hub sent us (CiString ids), or None."""
    row = await session.scalar(
        select(ClientInfoRow).where(*_one(hub_partner_id, country_code, party_id))
    )
    return None if row is None else _record(row)


async def put_client_info(
    session: AsyncSession,
    hub_partner_id: int,
    *,
    country_code: str,
    party_id: str,
    role: str,
    status: str,
    last_updated: datetime,
    now: datetime | None = None,
) -> tuple[ClientInfoRecord | None, bool]:
    """Store a ClientInfo unless the one stored is newer (a late retry never overwrites newer
    data, as for every pushed object); the one stored before, and whether this one was
    stored."""
    now = now or utcnow()
    row = await session.scalar(
        select(ClientInfoRow).where(*_one(hub_partner_id, country_code, party_id)).with_for_update()
    )
    before = None if row is None else _record(row)
    if row is None:
        row = ClientInfoRow(
            hub_partner_id=hub_partner_id,
            country_key=fold_id(country_code),
            party_key=fold_id(party_id),
        )
        session.add(row)
    elif row.last_updated > last_updated:
        return before, False
    row.country_code, row.party_id = country_code, party_id
    row.role, row.status = role, status
    row.last_updated, row.received_at = last_updated, now
    await session.flush()
    return before, True


async def client_infos_of(session: AsyncSession, hub_partner_id: int) -> list[ClientInfoRecord]:
    """Every ClientInfo the Hub sent us, by party."""
    rows = await session.scalars(
        select(ClientInfoRow)
        .where(ClientInfoRow.hub_partner_id == hub_partner_id)
        .order_by(ClientInfoRow.country_key, ClientInfoRow.party_key)
    )
    return [_record(row) for row in rows]


async def party_statuses(
    session: AsyncSession, country_code: str, party_id: str, hub_partner_ids: Sequence[int]
) -> dict[int, str]:
    """The ConnectionStatus each of these Hubs reported for the party, by Hub (those that
    reported none are left out)."""
    if not hub_partner_ids:
        return {}
    rows = await session.execute(
        select(ClientInfoRow.hub_partner_id, ClientInfoRow.status).where(
            and_(
                ClientInfoRow.hub_partner_id.in_(hub_partner_ids),
                ClientInfoRow.country_key == fold_id(country_code),
                ClientInfoRow.party_key == fold_id(party_id),
            )
        )
    )
    return {int(hub_id): str(status) for hub_id, status in rows.all()}
