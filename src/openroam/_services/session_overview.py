"""What the console's Sessions and CDRs page shows: live Sessions and CDRs of every origin (own
and partners'), and one CDR with its audit.

A CDR's audit is the one of :mod:`cdr_audit` (the Tariff *we hold* under the id its periods name;
for our own CDRs, our own Tariff), recomputed when the page is asked for with the Tariffs held
now; for a partner's CDR the audit recorded on its arrival (event ``cdr.received``) is shown
too, as the Tariff may have changed since. With it come the engine's breakdown
(:func:`openroam.pricing.explain`: per period and dimension, why each line was priced) and the
side-by-side comparison of what the CDR charged with what the engine computed, field by field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._services.cdr_audit import AuditOutcome, audit_with_report, cdr_events_subject
from openroam._services.events import EventService, EventType
from openroam._services.object_specs import CDRS
from openroam._store import object_repo as objects
from openroam._store import recent_objects
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.errors import NotFound
from openroam.models.common import fold_id
from openroam.models.v221.cdrs import CDR
from openroam.models.v221.types import Price
from openroam.pricing import AuditReport, ExplainRow, explain

__all__ = [
    "CDR_SCOPES",
    "CdrDetail",
    "CdrPage",
    "CdrRow",
    "Comparison",
    "Held",
    "OnArrival",
    "cdr_detail",
    "cdr_page",
    "live_sessions",
    "partner_names",
]

#: The CDR lists the page offers: every CDR, our own (CPO), or partners' (received).
CDR_SCOPES = ("all", "own", "received")

_MONEY_FIELDS = (
    "total_cost",
    "total_fixed_cost",
    "total_energy_cost",
    "total_time_cost",
    "total_parking_cost",
    "total_reservation_cost",
)
_QUANTITY_FIELDS = (("total_energy", "kWh"), ("total_time", "h"), ("total_parking_time", "h"))


@dataclass(frozen=True, slots=True)
class Held:
    """A stored Session or CDR: whose copy it is and its document."""

    origin: int
    #: "own", or the partner's name
    holder: str
    document: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CdrRow:
    held: Held
    #: the audit's status: ok | mismatch | no_tariff | skipped | failed
    audit: str


@dataclass(frozen=True, slots=True)
class CdrPage:
    rows: list[CdrRow]
    more: bool


@dataclass(frozen=True, slots=True)
class Comparison:
    """One field of the CDR next to the engine's value for it."""

    #: the CDR field, e.g. ``total_cost.excl_vat``
    field: str
    charged: str
    recomputed: str
    differs: bool
    unit: str = ""
    #: the audit's word on a differing line, e.g. "differs by 1.0"
    note: str = ""


@dataclass(frozen=True, slots=True)
class OnArrival:
    """The audit recorded when a partner's CDR was stored (its ``cdr.received`` event)."""

    status: str
    at: datetime
    event_id: int


@dataclass(frozen=True, slots=True)
class CdrDetail:
    held: Held
    #: the audit with the Tariff held now
    outcome: AuditOutcome
    #: the audit recorded on arrival (partners' CDRs; None for own ones or without the event)
    on_arrival: OnArrival | None = None
    #: the engine's breakdown of the recomputation; empty when the CDR was not recomputed
    breakdown: list[ExplainRow] = field(default_factory=list)
    #: the CDR's totals next to the engine's (money and quantities, and the currency)
    comparison: list[Comparison] = field(default_factory=list)
    #: the audit's differences not in :attr:`comparison` (periods, tariff ids)
    other_differences: list[dict[str, str]] = field(default_factory=list)


async def _holders(session: AsyncSession) -> dict[int, str]:
    names = {partner.id: partner.name for partner in await repo.list_partners(session)}
    return {objects.OWN: "own"} | names


def _held(stored: objects.StoredObject, holders: dict[int, str]) -> Held:
    holder = holders.get(stored.origin, f"partner {stored.origin}")
    return Held(stored.origin, holder, orjson.loads(stored.document))


async def live_sessions(db: Database, limit: int = 200) -> list[Held]:
    """The newest ``limit`` ACTIVE or PENDING Sessions, own and partners', newest first."""
    async with db.session() as session:
        holders = await _holders(session)
        found = await recent_objects.live_sessions(session, limit=limit)
        return [_held(stored, holders) for stored in found]


async def _audit(
    session: AsyncSession, origin: int, document: dict[str, Any]
) -> tuple[AuditOutcome, AuditReport | None]:
    try:
        cdr = CDR.from_json(orjson.dumps(document))
    except ValidationError as error:  # stored CDRs were validated; a safety net
        return AuditOutcome("failed", str(error)), None
    return await audit_with_report(session, origin, cdr)


async def partner_names(db: Database) -> dict[int, str]:
    """Every partner's id and name, for choosing whose CDRs to list."""
    async with db.session() as session:
        return {partner.id: partner.name for partner in await repo.list_partners(session)}


async def cdr_page(
    db: Database,
    scope: str = "all",
    offset: int = 0,
    limit: int = 50,
    partner: int | None = None,
) -> CdrPage:
    """One page of CDRs (``scope``: one of :data:`CDR_SCOPES`; ``partner``: only those held
    from that partner), newest first, each with the status of its audit."""
    async with db.session() as session:
        holders = await _holders(session)
        found, more = await recent_objects.newest_objects(
            session,
            module=str(CDRS.module),
            scope=scope,
            origins=None if partner is None else [partner],
            offset=offset,
            limit=limit,
        )
        rows: list[CdrRow] = []
        for stored in found:
            held = _held(stored, holders)
            outcome, _report = await _audit(session, stored.origin, held.document)
            rows.append(CdrRow(held, outcome.status))
        return CdrPage(rows, more)


async def cdr_detail(
    db: Database, origin: int, country_code: str, party_id: str, cdr_id: str
) -> CdrDetail:
    """The CDR held from ``origin`` (0: our own) with its audit, breakdown and comparison."""
    async with db.session() as session:
        holders = await _holders(session)
        stored = await objects.get_object(
            session, str(CDRS.module), origin, country_code, party_id, cdr_id
        )
        if stored is None:
            holder = holders.get(origin, f"partner {origin}")
            raise NotFound(f"No CDR {country_code}/{party_id}/{cdr_id} held from {holder}")
        held = _held(stored, holders)
        outcome, report = await _audit(session, origin, held.document)
    arrival = await _on_arrival(db, origin, held.document)
    if report is None:
        return CdrDetail(held, outcome, arrival)
    comparison = _comparison(held.document, report)
    compared = {c.field for c in comparison}
    others = [d for d in outcome.differences if _field_of(d["where"]) not in compared]
    return CdrDetail(held, outcome, arrival, explain(report.result), comparison, others)


async def _on_arrival(db: Database, origin: int, document: dict[str, Any]) -> OnArrival | None:
    """The audit of the ``cdr.received`` event recorded when the CDR was stored: the Tariff
    held then may since have changed."""
    if origin == objects.OWN:
        return None
    found = await EventService(db).read(
        subject=cdr_events_subject(document), types=[EventType.CDR_RECEIVED], limit=100
    )
    wanted = [fold_id(document[name]) for name in ("country_code", "party_id", "id")]
    for record in reversed(found):
        data = orjson.loads(record.payload)
        cdr = data.get("cdr") or {}
        key = [fold_id(str(cdr.get(name, ""))) for name in ("country_code", "party_id", "id")]
        if data.get("partner_id") == origin and key == wanted:
            status = str((data.get("audit") or {}).get("status", "unknown"))
            return OnArrival(status, record.created_at, record.id)
    return None


def _field_of(where: str) -> str:
    # "total_cost.excl_vat" is compared on the row of total_cost.excl_vat; "total_energy_cost"
    # (absent from the CDR) on its excl_vat row.
    return where if "." in where or where not in _MONEY_FIELDS else f"{where}.excl_vat"


_FOUR_PLACES = Decimal("0.0001")


def _text(value: Any) -> str:
    """A number with at least the 4 decimals the engine reports (never rounded: a CDR's 5.12345
    stays so), so that the CDR's value and the engine's line up."""
    if value is None:
        return "absent"
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    number = Decimal(str(value))
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -4:
        number = number.quantize(_FOUR_PLACES)
    return f"{number:f}"


def _comparison(document: dict[str, Any], report: AuditReport) -> list[Comparison]:
    notes = {_field_of(d.where): d.message for d in report.differences}
    totals = report.result.totals
    rows = [
        Comparison(
            "currency",
            str(document.get("currency")),
            report.result.tariff.currency,
            "currency" in notes,
            note=notes.get("currency", ""),
        )
    ]
    for name in _MONEY_FIELDS:
        charged = document.get(name)
        mine: Price = getattr(totals, name)
        for vat in ("excl_vat", "incl_vat"):
            where = f"{name}.{vat}"
            theirs = None if charged is None else charged.get(vat)
            recomputed = _text(getattr(mine, vat))
            note = notes.get(where, "")
            rows.append(Comparison(where, _text(theirs), recomputed, where in notes, note=note))
    for name, unit in _QUANTITY_FIELDS:
        charged_quantity = _text(document.get(name))
        recomputed = _text(getattr(totals, name))
        note = notes.get(name, "")
        rows.append(Comparison(name, charged_quantity, recomputed, name in notes, unit, note))
    return rows
