"""HubClientInfo (mod_hub_client_info.asciidoc), both sides; docs/hub.md "Running a Hub".

**On a Hub node** each partner (a connected party's platform) has a ConnectionStatus:

* invited, not registered yet → ``PLANNED`` ("Connection to this party is planned, but has never
  been connected");
* registration completed (credentials POST or PUT received, ``register``, ``partners add``),
  or heard from again (any authenticated request, or its versions endpoint answering the
  still-alive check) → ``CONNECTED``;
* silent for ``hub_liveness_seconds`` and its versions GET failing → ``OFFLINE``
  (``_delivery/liveness.py``, "Still alive check");
* unregistered → ``SUSPENDED`` ("will never connect anymore"; the partner is never deleted).

Every change sets ``connection_status_at`` and queues a ClientInfo PUT of each of the partner's
parties to every other registered partner that is not OFFLINE or SUSPENDED and has a
hubclientinfo Receiver endpoint ("Push model": "Any changes to ClientInfo … are sent"). The body
is built when it is sent, from the status then (:func:`client_info_body`), with
``last_updated`` = ``connection_status_at``. A partner that becomes CONNECTED is also sent the
ClientInfo of every other party (it may have missed changes while it was away), and a pull from
it is scheduled (its data may have changed meanwhile).

``last_seen_at`` is written at most once per partner per ``min(10 s, hub_liveness_seconds / 4)``
by each serving process (:class:`HubClients.seen`), so the request path does not write per
request.

**On a node connected to a Hub** the Hub PUTs the ClientInfo of the parties behind it to our
Receiver (stored in ``client_infos``, stale-protected by ``last_updated``). A party the Hub
reports OFFLINE, SUSPENDED or PLANNED is not reachable through it ("No requests can be sent"):
no Session or CDR is queued for it (``addressing.addressed_receivers``), and commands and
charging profile requests to it are refused before sending (:func:`check_reachable`, HTTP 409
on the backend API). A party that becomes CONNECTED again makes us pull from that Hub ("it is
their responsibility to do a GET to get back in sync" is the party's; ours is to catch up on
what it changed while it was away).

HubClientInfo is a Configuration module: its requests and answers carry no routing headers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from openroam._services.partner_status import pulled_modules
from openroam._services.platform import Platform
from openroam._store import hub_clients as store
from openroam._store import repositories as repo
from openroam._store import sync_state
from openroam._store.db import Database
from openroam._store.tables import utcnow
from openroam.errors import ClientError, InvalidOrMissingParameters, NotFound
from openroam.models.common import fold_id
from openroam.models.v221.hub_client_info import ClientInfo, ConnectionStatus
from openroam.models.v221.types import Role
from openroam.models.v221.versions import InterfaceRole

__all__ = [
    "MODULE",
    "NOT_TOLD",
    "UNREACHABLE",
    "ClientInfoView",
    "HubClients",
    "check_reachable",
    "client_info_body",
    "ensure_reachable",
    "parties_of",
    "reachable_hubs",
    "record_connection",
    "seen_interval",
]

log = logging.getLogger("openroam._services.hub_clients")

MODULE = store.MODULE
CONNECTED, OFFLINE = ConnectionStatus.CONNECTED.value, ConnectionStatus.OFFLINE.value
PLANNED, SUSPENDED = ConnectionStatus.PLANNED.value, ConnectionStatus.SUSPENDED.value

#: partners a Hub sends no ClientInfo (mod_hub_client_info "Another Party goes OFFLINE": "No
#: requests can be sent … Do not queue Push messages"; SUSPENDED: "like with OFFLINE")
NOT_TOLD = frozenset({OFFLINE, SUSPENDED})
#: the statuses of a party behind a Hub to which nothing is sent: OFFLINE, SUSPENDED, and
#: PLANNED ("No requests can be sent to this new party yet")
UNREACHABLE = frozenset({OFFLINE, SUSPENDED, PLANNED})

#: (role, country_code, party_id)
PartyOfRole = tuple[Role, str, str]


def seen_interval(liveness_seconds: float) -> float:
    """How often a serving process writes a partner's ``last_seen_at`` at most."""
    return min(10.0, liveness_seconds / 4)


def parties_of(partner: repo.PartnerRecord) -> list[PartyOfRole]:
    """The parties a partner connects to the Hub: those it registered (and is granted), or,
    before it registered, those it is granted (an invitation: PLANNED). One role per party
    (a ClientInfo names one role; the first one counts)."""
    named: list[PartyOfRole] = [(r.role, r.country_code, r.party_id) for r in partner.roles]
    if not named:
        named = [(g.role, g.country_code, g.party_id) for g in partner.grants]
    seen: set[tuple[str, str]] = set()
    parties: list[PartyOfRole] = []
    for role, country_code, party_id in named:
        key = (fold_id(country_code), fold_id(party_id))
        if role != Role.HUB and key not in seen:
            seen.add(key)
            parties.append((role, country_code, party_id))
    return parties


def _told(partner: repo.PartnerRecord) -> bool:
    """Whether the Hub sends this partner ClientInfo: registered, not OFFLINE or SUSPENDED,
    with a hubclientinfo Receiver endpoint (mod_hub_client_info "Receiver Interface")."""
    return (
        partner.status == repo.PartnerStatus.REGISTERED
        and partner.connection_status not in NOT_TOLD
        and any(
            e.identifier == MODULE and e.role == InterfaceRole.RECEIVER for e in partner.endpoints
        )
    )


def _paths(partner: repo.PartnerRecord) -> list[str]:
    return [store.client_info_path(cc, pid) for _, cc, pid in parties_of(partner)]


async def record_connection(
    session: AsyncSession,
    platform: Platform,
    partner_id: int,
    status: str,
    *,
    now: datetime | None = None,
) -> bool:
    """On a Hub node, set the partner's ConnectionStatus in the caller's transaction and, when
    it changed, queue the ClientInfo PUTs (see the module docstring); whether it changed. A
    node that is not a Hub records nothing."""
    if not platform.is_hub:
        return False
    now = now or utcnow()
    if status == CONNECTED:
        await store.touch_last_seen(session, partner_id, now)
    if not await store.set_connection_status(session, partner_id, status, now):
        return False
    partners = await repo.list_partners(session)
    changed = next((p for p in partners if p.id == partner_id), None)
    if changed is None:
        return True
    others = [p for p in partners if p.id != partner_id]
    await store.enqueue_client_infos(
        session, [p.id for p in others if _told(p)], _paths(changed), now
    )
    if status == CONNECTED:
        if _told(changed):
            known = [path for p in others if p.connection_status is not None for path in _paths(p)]
            await store.enqueue_client_infos(session, [partner_id], known, now)
        for module in pulled_modules(changed):
            await sync_state.schedule_pull(session, partner_id, module, now)
    log.info(
        "%s is %s; ClientInfo queued to the other connected parties",
        changed.name,
        status,
        extra={"partner": changed.name},
    )
    return True


@dataclass(frozen=True, slots=True)
class ClientInfoView:
    """A party's ClientInfo as this Hub reports it."""

    partner_id: int
    info: ClientInfo


def _current(partners: Sequence[repo.PartnerRecord]) -> dict[tuple[str, str], ClientInfoView]:
    """The ClientInfo of every party of a partner with a status, by folded party. A party held
    by two partners (one unregistered, its party granted again to another) is reported as the
    one whose status changed last."""
    current: dict[tuple[str, str], ClientInfoView] = {}
    for partner in partners:
        if partner.connection_status is None or partner.connection_status_at is None:
            continue
        for role, country_code, party_id in parties_of(partner):
            key = (fold_id(country_code), fold_id(party_id))
            known = current.get(key)
            if known is not None and known.info.last_updated >= partner.connection_status_at:
                continue
            current[key] = ClientInfoView(
                partner.id,
                ClientInfo(
                    party_id=party_id,
                    country_code=country_code,
                    role=role,
                    status=ConnectionStatus(partner.connection_status),
                    last_updated=partner.connection_status_at,
                ),
            )
    return current


async def client_info_body(db: Database, path: str) -> bytes | None:
    """The ClientInfo of the party ``CC/PID`` (a delivery's path) as it is now, or None when no
    partner holds it any more (the push worker sends it; mod_hub_client_info "PUT Method")."""
    country_code, _, party_id = path.partition("/")
    async with db.session() as session:
        partners = await repo.list_partners(session)
    view = _current(partners).get((fold_id(country_code), fold_id(party_id)))
    return None if view is None else view.info.to_json()


async def reachable_hubs(
    session: AsyncSession, hubs: Sequence[int], country_code: str, party_id: str
) -> list[int]:
    """Of the Hub partners ``hubs``, those through which the party can be reached: every Hub
    but those that reported it OFFLINE, SUSPENDED or PLANNED (one that reported nothing is
    assumed to reach it: a Hub without HubClientInfo still routes)."""
    statuses = await store.party_statuses(session, country_code, party_id, hubs)
    return [hub for hub in hubs if statuses.get(hub) not in UNREACHABLE]


async def check_reachable(
    session: AsyncSession, partner: repo.PartnerRecord, party: tuple[str, str] | None
) -> None:
    """Refuse (HTTP 409, before anything is stored or sent) a request to ``party`` through the
    Hub ``partner`` when the Hub reported that party OFFLINE, SUSPENDED or PLANNED
    (mod_hub_client_info "Scenarios": "No requests can be sent"). Nothing is checked for a
    partner that is not a Hub, or without a party."""
    if party is None or not any(r.role == Role.HUB for r in partner.roles):
        return
    info = await store.get_client_info(session, partner.id, *party)
    if info is not None and info.status in UNREACHABLE:
        raise ClientError(
            f"{info.country_code}*{info.party_id} is {info.status} at Hub {partner.name!r} "
            f"since {info.last_updated:%Y-%m-%dT%H:%M:%SZ}: nothing can be sent to it "
            "(mod_hub_client_info)",
            http_status=409,
        )


async def ensure_reachable(
    db: Database, partner: repo.PartnerRecord, party: tuple[str, str] | None
) -> None:
    """:func:`check_reachable` in a session of its own: what the command and charging profile
    senders call once they know the party a request is addressed TO, before storing or
    sending it."""
    async with db.session() as session:
        await check_reachable(session, partner, party)


class HubClients:
    """The HubClientInfo service of one node: the Hub's ``last_seen_at`` bookkeeping and its
    Sender list; on a node connected to a Hub, the Receiver."""

    def __init__(self, db: Database, platform: Platform, liveness_seconds: float = 300.0) -> None:
        self.db = db
        self.platform = platform
        self.interval = seen_interval(liveness_seconds)
        #: partner id → monotonic time of this process's last write of its last_seen_at
        self._written: dict[int, float] = {}

    # --- Hub side -------------------------------------------------------------------------------

    async def seen(self, partner_id: int) -> None:
        """A registered partner made an authenticated request: on a Hub node, note it (at most
        once per :attr:`interval` per partner in this process) and make it CONNECTED if it was
        not. Never fails the request: a failure is logged."""
        if not self.platform.is_hub:
            return
        now_m = time.monotonic()
        written = self._written.get(partner_id)
        if written is not None and now_m - written < self.interval:
            return
        self._written[partner_id] = now_m
        try:
            async with self.db.session() as session, session.begin():
                await record_connection(session, self.platform, partner_id, CONNECTED)
        except Exception:
            self._written.pop(partner_id, None)
            log.exception("could not record that partner #%d was seen", partner_id)

    async def client_infos(
        self,
        *,
        date_from: datetime | None,
        date_to: datetime | None,
        offset: int,
        limit: int,
    ) -> tuple[list[bytes], int]:
        """The Hub's Sender list (mod_hub_client_info "Sender Interface"): the ClientInfo of
        every party of every partner with a status, ``last_updated`` in [date_from, date_to),
        in a stable order (by partner, then party); one page and the total count."""
        async with self.db.session() as session:
            partners = await repo.list_partners(session)
        views = sorted(
            _current(partners).values(),
            key=lambda v: (v.partner_id, fold_id(v.info.country_code), fold_id(v.info.party_id)),
        )
        matching = [
            v.info
            for v in views
            if (date_from is None or v.info.last_updated >= date_from)
            and (date_to is None or v.info.last_updated < date_to)
        ]
        return [info.to_json() for info in matching[offset : offset + limit]], len(matching)

    # --- a node connected to a Hub: the Receiver ------------------------------------------------

    async def put(
        self, hub_partner_id: int, country_code: str, party_id: str, info: ClientInfo
    ) -> None:
        """A Hub PUTs a party's ClientInfo (mod_hub_client_info "PUT Method"). The body must name
        the URL's party (2001); an update older than the one stored is acknowledged and ignored.
        A party that becomes CONNECTED makes us pull from that Hub soon."""
        if (fold_id(info.country_code), fold_id(info.party_id)) != (
            fold_id(country_code),
            fold_id(party_id),
        ):
            raise InvalidOrMissingParameters(
                f"the body names {info.country_code}*{info.party_id}, the URL "
                f"{country_code}*{party_id}"
            )
        now = utcnow()
        async with self.db.session() as session, session.begin():
            before, stored = await store.put_client_info(
                session,
                hub_partner_id,
                country_code=info.country_code,
                party_id=info.party_id,
                role=str(info.role),
                status=str(info.status),
                last_updated=info.last_updated,
                now=now,
            )
            back = (
                stored
                and info.status == ConnectionStatus.CONNECTED
                and (before is None or before.status != CONNECTED)
            )
            hub = await repo.get_partner(session, hub_partner_id) if back else None
            if hub is not None:
                for module in pulled_modules(hub):
                    await sync_state.schedule_pull(session, hub.id, module, now)
        if stored:
            log.info(
                "ClientInfo: %s*%s is %s at Hub #%d",
                info.country_code,
                info.party_id,
                info.status,
                hub_partner_id,
            )

    async def get(self, hub_partner_id: int, country_code: str, party_id: str) -> ClientInfo:
        """The ClientInfo of a party as the Hub sent it (mod_hub_client_info "GET Method"); HTTP
        404 for a party it sent none of."""
        async with self.db.session() as session:
            info = await store.get_client_info(session, hub_partner_id, country_code, party_id)
        if info is None:
            raise NotFound(f"No ClientInfo of {country_code}*{party_id}")
        return ClientInfo(
            party_id=info.party_id,
            country_code=info.country_code,
            role=Role(info.role),
            status=ConnectionStatus(info.status),
            last_updated=info.last_updated,
        )
