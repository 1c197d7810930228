"""The automatic price audit of a received CDR, and the events it gives.

An eMSP recomputes every CDR a CPO sends with the Tariff *it holds* for it — one the same
partner pushed or we pulled from it (the CDR's own ``tariffs`` list is what is being checked, so
it is not used) — with :func:`openroam.pricing._audit`, and flags differences:

* ``cdr.received`` for every stored CDR, with the audit's outcome in ``data.audit``;
* ``cdr.price_mismatch`` when the audit found differences (``data.differences``).

A CDR whose periods' time volumes disagree with their timestamps is priced from the volumes (what
the CPO reports, docs/pricing.md "Reported volumes and timestamps"); each such period is a
*finding* in ``data.audit.findings``, shown to the operator but not a mismatch by itself.

No Tariff held is not a mismatch: the outcome says ``no_tariff``. Tariff restrictions are in the
Location's local time (mod_tariffs "TariffRestrictions"); a CdrLocation has no time zone, so it
is taken from the Location we hold from that partner, else UTC is assumed and the outcome says
so. Credit CDRs (mod_cdrs "Credit CDRs": negated costs) are not recomputed. The audit never
refuses or delays a CDR: a failure inside it is logged and reported as ``failed``.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._services.events import EventService, EventType, cdr_subject, session_subject
from openroam._store import object_repo as objects
from openroam.models.v221.cdrs import CDR
from openroam.models.v221.tariffs import Tariff
from openroam.pricing import AuditReport, audit

__all__ = [
    "AuditOutcome",
    "audit_received_cdr",
    "audit_with_report",
    "cdr_events_subject",
    "record_cdr_events",
]

log = logging.getLogger("openroam.events")


@dataclass(frozen=True, slots=True)
class AuditOutcome:
    """What the automatic audit of one CDR found."""

    #: ok | mismatch | no_tariff | skipped | failed
    status: str
    message: str | None = None
    tariff_id: str | None = None
    time_zone: str | None = None
    differences: list[dict[str, str]] = field(default_factory=list)
    recomputed: dict[str, Any] | None = None
    #: periods whose time volumes disagree with their timestamps (the volumes were priced)
    findings: list[dict[str, str]] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status}
        for name in ("message", "tariff_id", "time_zone", "recomputed"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        if self.differences:
            data["differences"] = self.differences
        if self.findings:
            data["findings"] = self.findings
        return data


def _tariff_ids(cdr: CDR) -> list[str]:
    """The Tariff ids the CDR's periods name, first-named first."""
    found: list[str] = []
    for period in cdr.charging_periods:
        if period.tariff_id and period.tariff_id not in found:
            found.append(period.tariff_id)
    return found


async def _held_tariff(session: AsyncSession, origin: int, cdr: CDR) -> Tariff | None:
    for tariff_id in _tariff_ids(cdr):
        stored = await objects.get_object(
            session, "tariffs", origin, cdr.country_code, cdr.party_id, tariff_id
        )
        if stored is not None:
            return Tariff.model_validate_json(stored.document)
    return None


async def _time_zone(session: AsyncSession, origin: int, cdr: CDR) -> tuple[str, str | None]:
    """The Location's IANA time zone, or UTC and why."""
    location_id = cdr.cdr_location.id
    stored = await objects.get_object(
        session, "locations", origin, cdr.country_code, cdr.party_id, location_id
    )
    if stored is not None:
        zone = orjson.loads(stored.document).get("time_zone")
        if isinstance(zone, str) and zone:
            return zone, None
    return "UTC", f"Location {location_id} not held: time restrictions evaluated in UTC"


async def audit_received_cdr(session: AsyncSession, origin: int, cdr: CDR) -> AuditOutcome:
    """Recompute ``cdr`` (received from partner ``origin``) with the Tariff we hold for it."""
    outcome, _report = await audit_with_report(session, origin, cdr)
    return outcome


async def audit_with_report(
    session: AsyncSession, origin: int, cdr: CDR
) -> tuple[AuditOutcome, AuditReport | None]:
    """:func:`audit_received_cdr`, and the engine's report when it recomputed the CDR (its
    :class:`~openroam.pricing.PricingResult` is what the console explains). With ``origin`` 0
    (our own CDR) the Tariff is the own one of that id."""
    if cdr.credit:
        return AuditOutcome("skipped", "Credit CDR: not recomputed"), None
    tariff = await _held_tariff(session, origin, cdr)
    if tariff is None:
        named = ", ".join(_tariff_ids(cdr)) or "none"
        message = f"no Tariff of {cdr.country_code}/{cdr.party_id} held (named: {named})"
        return AuditOutcome("no_tariff", message), None
    zone, note = await _time_zone(session, origin, cdr)
    try:
        report = audit(cdr, tariff, zone)
    except Exception as error:  # the audit must never cost a CDR: report, do not raise
        log.exception("price audit of CDR %s failed", cdr.id)
        return AuditOutcome("failed", f"{type(error).__name__}: {error}", tariff.id, zone), None
    differences = [asdict(d) for d in report.differences]
    recomputed = orjson.loads(report.result.totals.total_cost.to_json())
    outcome = AuditOutcome(
        "mismatch" if differences else "ok",
        note,
        tariff.id,
        zone,
        differences,
        {"total_cost": recomputed},
        [asdict(f) for f in report.findings],
    )
    return outcome, report


def cdr_events_subject(document: dict[str, Any]) -> str:
    """A CDR's events go with its Session's (after ``session.ended``) when it names one."""
    session_id = document.get("session_id")
    if session_id:
        return session_subject(document["country_code"], document["party_id"], session_id)
    return cdr_subject(document["country_code"], document["party_id"], document["id"])


async def record_cdr_events(
    events: EventService, session: AsyncSession, origin: int, document: dict[str, Any]
) -> AuditOutcome:
    """Audit a CDR just stored from partner ``origin`` and record ``cdr.received`` (and
    ``cdr.price_mismatch``) in the storing transaction."""
    try:
        outcome = await audit_received_cdr(session, origin, CDR.from_json(orjson.dumps(document)))
    except ValidationError as error:  # stored CDRs were validated; this is a safety net
        outcome = AuditOutcome("failed", str(error))
    subject = cdr_events_subject(document)
    received = {"cdr": document, "partner_id": origin, "audit": outcome.as_data()}
    await events.record(session, EventType.CDR_RECEIVED, subject, received)
    if outcome.status == "mismatch":
        mismatch = {
            "cdr": {
                name: document.get(name)
                for name in ("country_code", "party_id", "id", "session_id", "currency")
            }
            | {"total_cost": document.get("total_cost")},
            "partner_id": origin,
            **outcome.as_data(),
        }
        await events.record(session, EventType.CDR_PRICE_MISMATCH, subject, mismatch)
    return outcome
