"""The operations view of partner connections: ``openroam partners``, ``openroam partners show``
and ``GET /api/partners[/{name}]`` (docs/backend-api.md "Partners and their objects").

Per partner: what it is (roles, grants, version, the encoding of the credentials token we send,
state); per module: what pull-sync got (last full and last incremental pull, watermark, next
pull, failures with the last error and its time, ``_store/sync_state.py``), how many of its
objects we hold, and the push deliveries to it (pending, the oldest pending, failed); over all
modules the delivery backlog with the last failed attempt. On a Hub node, each partner's
connection as ClientInfo reports it (status, since when, last seen); for a Hub partner, the
parties behind it as the Hub's ClientInfo said (mod_hub_client_info). Never a token.

Each kind of fact is read with one statement for all partners (or all modules of one partner),
never one per partner or module: the list stays cheap with many partners. Only the view of one
partner counts the objects held (a range of an index per module); the list does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openroam._services.object_specs import SPECS
from openroam._services.partners import PartnerInfo, partner_info
from openroam._services.platform import Platform
from openroam._services.routing import OWNER_ROLES
from openroam._store import hub_clients, object_repo, outbox_admin, sync_state
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.outbox_admin import ModuleDeliveries
from openroam._store.sync_state import SyncStateRecord
from openroam.errors import NotFound
from openroam.models.common import format_datetime
from openroam.models.v221.types import Role
from openroam.models.v221.versions import InterfaceRole

__all__ = [
    "READING_ROLES",
    "Connection",
    "Deliveries",
    "ModuleStatus",
    "PartnerStatus",
    "PartnerStatusService",
    "pulled_modules",
    "pulls",
    "pushed_modules",
]


def _when(value: datetime | None) -> str | None:
    return format_datetime(value) if value is not None else None


def _offered(record: repo.PartnerRecord, role: str) -> list[str]:
    offered = {e.identifier for e in record.endpoints if e.role == role}
    return [module for module in SPECS if module in offered]


#: The roles that receive each object module's objects: the parties that read its Sender
#: interface (the ``callers`` of each Sender in ``_server/v221/modules.py``, which tests hold
#: alike). A platform pulls a module only when it hosts one of them.
READING_ROLES: dict[str, frozenset[Role]] = {
    "locations": frozenset({Role.EMSP, Role.NSP, Role.NAP, Role.OTHER, Role.SCSP}),
    "tariffs": frozenset({Role.EMSP, Role.NSP, Role.NAP, Role.OTHER, Role.SCSP}),
    "tokens": frozenset({Role.CPO}),
    "sessions": frozenset({Role.EMSP}),
    "cdrs": frozenset({Role.EMSP}),
}
#: Modules a Hub routes to the party they concern and never holds (transport_and_format.asciidoc
#: "Broadcast Push": not for Sessions and CDRs, which concern one eMSP)
_ROUTED_ONLY = frozenset({"sessions", "cdrs"})


def pulls(platform: Platform, record: repo.PartnerRecord, module: str) -> bool:
    """Whether this node pulls ``module`` from the partner (when it offers the Sender interface;
    docs/hub.md "What a Hub holds"):

    * a Hub node pulls from each party what that party owns (Locations and Tariffs from a CPO,
      Tokens from an eMSP), to answer GET All and broadcast it; never Sessions or CDRs;
    * a platform pulls what one of its own roles receives (a CPO Tokens, an eMSP Locations,
      Tariffs, Sessions and CDRs), from a partner holding the owner's role or from a Hub (GET
      All via Hubs): a CPO does not pull other CPOs' Locations through a Hub.
    """
    owner = OWNER_ROLES.get(module)
    if owner is None:
        return False
    roles = {r.role for r in record.roles}
    if platform.is_hub:
        return module not in _ROUTED_ONLY and owner in roles
    if not platform.roles & READING_ROLES[module]:
        return False
    return owner in roles or Role.HUB in roles


def pulled_modules(record: repo.PartnerRecord, platform: Platform | None = None) -> list[str]:
    """The modules pulled from the partner: each roaming object module (Locations, Tariffs,
    Tokens, Sessions, CDRs) it offers a Sender interface of and that this node pulls from it
    (:func:`pulls`), in that order. Without ``platform`` (our parties unknown), every one it
    offers."""
    offered = _offered(record, InterfaceRole.SENDER)
    if platform is None:
        return offered
    return [module for module in offered if pulls(platform, record, module)]


def pushed_modules(record: repo.PartnerRecord) -> list[str]:
    """The roaming object modules the partner offers a Receiver interface of (we push to)."""
    return _offered(record, InterfaceRole.RECEIVER)


@dataclass(frozen=True, slots=True)
class Deliveries:
    """Push deliveries to a partner (of one module, or of all)."""

    pending: int = 0
    oldest_pending_at: datetime | None = None
    #: given up on (refused for good, or the partner gone); ``openroam deliveries retry`` sends
    #: one again
    failed: int = 0
    last_delivered_at: datetime | None = None
    #: the last failed attempt (over all modules only)
    last_error: str | None = None
    last_error_at: datetime | None = None

    @classmethod
    def total(
        cls, rows: Iterable[ModuleDeliveries], error: tuple[str | None, datetime | None]
    ) -> Deliveries:
        """The sum of per-module ``rows`` with the partner's last failed attempt."""
        rows = list(rows)
        pending = [row.oldest_pending_at for row in rows if row.oldest_pending_at is not None]
        delivered = [row.last_delivered_at for row in rows if row.last_delivered_at is not None]
        return cls(
            pending=sum(row.pending for row in rows),
            oldest_pending_at=min(pending, default=None),
            failed=sum(row.failed for row in rows),
            last_delivered_at=max(delivered, default=None),
            last_error=error[0],
            last_error_at=error[1],
        )

    def to_dict(self, *, with_error: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "pending": self.pending,
            "oldest_pending_at": _when(self.oldest_pending_at),
            "failed": self.failed,
            "last_delivered_at": _when(self.last_delivered_at),
        }
        if with_error:
            data |= {"last_error": self.last_error, "last_error_at": _when(self.last_error_at)}
        return data


@dataclass(frozen=True, slots=True)
class ModuleStatus:
    """One module of a partner connection."""

    module: str
    #: the partner offers its Sender interface and we pull it (``pulled_modules``)
    pulled: bool
    #: the partner offers its Receiver interface: we push
    pushed: bool
    #: pull-sync's progress, None before the first pull was scheduled
    sync: SyncStateRecord | None
    #: objects of this module we hold from the partner (pulled or pushed to us); None when not
    #: counted (the list of all partners)
    objects: int | None
    deliveries: Deliveries = field(default_factory=Deliveries)

    @property
    def failing(self) -> bool:
        """The last pull failed or was incomplete (it is retried with backoff)."""
        return self.sync is not None and self.sync.failures > 0

    @property
    def failing_since(self) -> datetime | None:
        if not self.failing:
            return None
        assert self.sync is not None
        # States that failed before the time was kept have none; their last error's time, then.
        return self.sync.failing_since or self.sync.last_error_at

    def pull_health(self) -> str:
        """``ok``, ``failing since …``, ``not pulled yet`` or ``not pulled`` (no Sender)."""
        if self.failing:
            assert self.sync is not None
            since = self.failing_since
            times = f"{self.sync.failures} failure{'s' if self.sync.failures != 1 else ''}"
            return f"failing since {_when(since)} ({times})" if since else f"failing ({times})"
        if not self.pulled:
            return "not pulled"
        if self.sync is None or self.sync.last_pull_at is None:
            return "not pulled yet"
        return "ok"

    def to_dict(self) -> dict[str, Any]:
        sync = self.sync
        return {
            "module": self.module,
            "pulled": self.pulled,
            "pushed": self.pushed,
            "pull_health": self.pull_health(),
            "objects": self.objects,
            "last_full_pull_at": _when(sync.last_full_sync_at) if sync else None,
            "last_pull_at": _when(sync.last_pull_at) if sync else None,
            "watermark": _when(sync.watermark) if sync else None,
            "next_pull_at": _when(sync.next_pull_at) if sync else None,
            "failures": sync.failures if sync else 0,
            "failing_since": _when(self.failing_since),
            "last_error": sync.last_error if sync else None,
            "last_error_at": _when(sync.last_error_at) if sync else None,
            "deliveries": self.deliveries.to_dict(with_error=False),
        }


@dataclass(frozen=True, slots=True)
class Connection:
    """On a Hub node: the partner's connection as ClientInfo reports it to the other parties
    (mod_hub_client_info "ConnectionStatus enum") and when it was last heard from."""

    status: str | None
    since: datetime | None
    last_seen_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "since": _when(self.since),
            "last_seen_at": _when(self.last_seen_at),
        }


def _party_dict(info: hub_clients.ClientInfoRecord) -> dict[str, Any]:
    return {
        "country_code": info.country_code,
        "party_id": info.party_id,
        "role": info.role,
        "status": info.status,
        "last_updated": _when(info.last_updated),
        "received_at": _when(info.received_at),
    }


@dataclass(frozen=True, slots=True)
class PartnerStatus:
    """A partner connection as an operator sees it."""

    info: PartnerInfo
    versions_url: str | None
    token_encoding: str
    modules: tuple[ModuleStatus, ...]
    deliveries: Deliveries
    #: how its objects are read: "strict" or "lenient" (docs/connecting.md "Lenient reading")
    reading_policy: str = "strict"
    #: the deviations lenient reading repaired, per module, field and kind (only for one partner)
    deviations: tuple[repo.DeviationRecord, ...] | None = None
    #: on a Hub node: the partner's ConnectionStatus and last seen (None elsewhere)
    connection: Connection | None = None
    #: a Hub partner: the parties behind it, as its ClientInfo PUTs said (only for one partner;
    #: None for a partner that is not a Hub)
    parties: tuple[hub_clients.ClientInfoRecord, ...] | None = None

    def pull_health(self) -> str:
        """A short line: ``3 modules ok``, ``tariffs failing since …; 2 modules ok``,
        ``1 module ok, 1 not pulled yet``, ``nothing to pull``."""
        failing = [m for m in self.modules if m.failing]
        pulled = [m for m in self.modules if m.pulled and not m.failing]
        waiting = sum(1 for m in pulled if m.pull_health() == "not pulled yet")
        ok = len(pulled) - waiting
        parts = [f"{m.module} {m.pull_health()}" for m in failing]
        if ok:
            parts.append(f"{ok} module{'s' if ok != 1 else ''} ok")
        if waiting:
            parts.append(f"{waiting} not pulled yet")
        return "; ".join(parts) or "nothing to pull"

    def summary_dict(self) -> dict[str, Any]:
        """For the list of partners: the connection, its token encoding, pull health and the
        delivery backlog."""
        return self.info.to_dict() | {
            "versions_url": self.versions_url,
            "token_encoding": self.token_encoding,
            "reading_policy": self.reading_policy,
            "pull_health": self.pull_health(),
            "deliveries": self.deliveries.to_dict(),
            "connection": None if self.connection is None else self.connection.to_dict(),
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything: the summary, each module, the reading section and, for a Hub, the
        parties behind it."""
        return self.summary_dict() | {
            "modules": [module.to_dict() for module in self.modules],
            "deviations": [row.to_dict() for row in self.deviations or ()],
            "parties": None
            if self.parties is None
            else [_party_dict(info) for info in self.parties],
        }


def _module_order(modules: Iterable[str]) -> list[str]:
    known = [module for module in SPECS if module in modules]
    return known + sorted(set(modules) - set(known))


def _status(
    record: repo.PartnerRecord,
    states: Sequence[SyncStateRecord],
    deliveries: Sequence[ModuleDeliveries],
    error: tuple[str | None, datetime | None],
    objects: Mapping[str, int] | None,
    deviations: Sequence[repo.DeviationRecord] | None = None,
    parties: Sequence[hub_clients.ClientInfoRecord] | None = None,
    platform: Platform | None = None,
) -> PartnerStatus:
    pulled, pushed = pulled_modules(record, platform), pushed_modules(record)
    by_module = {state.module: state for state in states}
    delivered = {row.module: row for row in deliveries}
    held = objects or {}
    names = _module_order({*pulled, *pushed, *by_module, *delivered, *held})
    modules = []
    for name in names:
        row = delivered.get(name)
        module_deliveries = (
            Deliveries(row.pending, row.oldest_pending_at, row.failed, row.last_delivered_at)
            if row is not None
            else Deliveries()
        )
        modules.append(
            ModuleStatus(
                module=name,
                pulled=name in pulled,
                pushed=name in pushed,
                sync=by_module.get(name),
                objects=None if objects is None else held.get(name, 0),
                deliveries=module_deliveries,
            )
        )
    return PartnerStatus(
        info=partner_info(record),
        versions_url=record.versions_url,
        token_encoding=record.token_encoding,
        modules=tuple(modules),
        deliveries=Deliveries.total(deliveries, error),
        reading_policy=record.reading_policy,
        deviations=None if deviations is None else tuple(deviations),
        connection=_connection(record),
        parties=None if parties is None else tuple(parties),
    )


def _connection(record: repo.PartnerRecord) -> Connection | None:
    if record.connection_status is None and record.last_seen_at is None:
        return None
    return Connection(record.connection_status, record.connection_status_at, record.last_seen_at)


def _is_hub(record: repo.PartnerRecord) -> bool:
    return any(r.role == Role.HUB for r in record.declared_roles or record.roles) or any(
        g.role == Role.HUB for g in record.grants
    )


class PartnerStatusService:
    """The status of one partner connection, or of all; ``platform``: this node, whose roles
    decide which modules are pulled (``pulled_modules``; None: every one offered)."""

    def __init__(self, db: Database, platform: Platform | None = None) -> None:
        self.db = db
        self.platform = platform

    async def of(self, name: str) -> PartnerStatus:
        """Everything about the partner called ``name``, with the objects held per module;
        :class:`NotFound` if there is none."""
        async with self.db.session() as session:
            record = await repo.get_partner_by_name(session, name)
            if record is None:
                raise NotFound(f"No partner named {name!r}")
            states = await sync_state.list_sync_states(session, record.id)
            deliveries = await outbox_admin.delivery_counts(session, record.id)
            errors = await outbox_admin.last_delivery_errors(session, record.id)
            objects = await object_repo.count_by_module(session, record.id, list(SPECS))
            deviations = await repo.deviations_of(session, record.id)
            parties = (
                await hub_clients.client_infos_of(session, record.id) if _is_hub(record) else None
            )
        error = errors.get(record.id, (None, None))
        return _status(
            record, states, deliveries, error, objects, deviations, parties, self.platform
        )

    async def all(self) -> list[PartnerStatus]:
        """Every partner connection, oldest first, without the objects held."""
        async with self.db.session() as session:
            records = await repo.list_partners(session)
            states = await sync_state.list_sync_states(session)
            deliveries = await outbox_admin.delivery_counts(session)
            errors = await outbox_admin.last_delivery_errors(session)
        states_of: dict[int, list[SyncStateRecord]] = {}
        for state in states:
            states_of.setdefault(state.partner_id, []).append(state)
        deliveries_of: dict[int, list[ModuleDeliveries]] = {}
        for row in deliveries:
            deliveries_of.setdefault(row.partner_id, []).append(row)
        return [
            _status(
                record,
                states_of.get(record.id, []),
                deliveries_of.get(record.id, []),
                errors.get(record.id, (None, None)),
                None,
                platform=self.platform,
            )
            for record in records
        ]
