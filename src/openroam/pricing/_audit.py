"""Audit a partner's CDR: recompute it from its own ChargingPeriods and Tariff, list differences.

What an eMSP checks before paying what a CPO bills:

* every ``total_*`` amount and quantity against the recomputation, beyond a tolerance. The cost
  breakdown (``total_fixed_cost`` … ``total_reservation_cost``) is optional (mod_cdrs "CDR
  Object"): a CDR that reports none of it (as every OCPI 2.1.1 CDR, which has no breakdown) is
  held to ``total_cost`` only; one that reports some of it is held to all of it, an absent field
  being reported when the recomputation is not zero;
* the currency of the CDR against the Tariff's;
* the ChargingPeriods: a new period SHALL start whenever another PriceComponent becomes active
  (mod_cdrs.asciidoc "ChargingPeriod"), and each period should name the Tariff relevant in it
  (``tariff_id``).

The recomputation prices the CDR's periods as they are (:func:`timeline_from_periods`), so
volumes are the partner's; what is checked is how they were priced and split. Where a period's
time volume disagrees with its timestamps, the volume is priced (docs/pricing.md "Reported
volumes and timestamps") and the report has a *finding* (:attr:`AuditReport.findings`): the
CDR is inconsistent, but that alone is not a price difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

from openroam.models.common import fold_id
from openroam.models.v221.cdrs import CDR
from openroam.models.v221.tariffs import Tariff
from openroam.models.v221.types import Price
from openroam.pricing._compiled import Component
from openroam.pricing._engine import PricingResult, price
from openroam.pricing._output import round_quantity
from openroam.pricing._periods import Period, Selection
from openroam.pricing._timeline import (
    MICROS_PER_SECOND,
    VolumeFinding,
    timeline_from_periods,
    to_datetime,
    to_micros,
)

__all__ = ["AuditReport", "Difference", "audit", "tariff_of", "volume_findings"]

_MONEY_FIELDS = (
    "total_cost",
    "total_fixed_cost",
    "total_energy_cost",
    "total_time_cost",
    "total_parking_cost",
    "total_reservation_cost",
)
_QUANTITY_FIELDS = ("total_energy", "total_time", "total_parking_time")


@dataclass(frozen=True, slots=True)
class Difference:
    """One place where the CDR disagrees with the recomputation."""

    where: str
    """The CDR field, e.g. ``total_cost.incl_vat`` or ``charging_periods[2].tariff_id``."""
    expected: str
    """What the recomputation gives."""
    actual: str
    """What the CDR says."""
    message: str


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The recomputation and the differences found."""

    cdr_id: str
    result: PricingResult
    differences: tuple[Difference, ...]
    findings: tuple[Difference, ...] = ()
    """Periods whose time volumes disagree with their timestamps: which was priced and why.
    They do not make the report fail: the price is recomputed from what the CDR reports."""

    @property
    def ok(self) -> bool:
        """No difference beyond the tolerances (findings do not count)."""
        return not self.differences


def tariff_of(cdr: CDR) -> Tariff:
    """The Tariff a CDR names in its periods' ``tariff_id``, from its own ``tariffs`` list."""
    ids = [fold_id(p.tariff_id) for p in cdr.charging_periods if p.tariff_id]
    for tariff in cdr.tariffs or []:
        if not ids or fold_id(tariff.id) in ids:
            return tariff
    raise ValueError(f"CDR {cdr.id} carries no Tariff for its periods; pass the Tariff")


def _money(cdr: CDR, result: PricingResult, tolerance: Decimal) -> list[Difference]:
    found: list[Difference] = []
    breakdown = any(getattr(cdr, name) is not None for name in _MONEY_FIELDS[1:])
    for name in _MONEY_FIELDS:
        expected: Price = getattr(result.totals, name)
        actual: Price | None = getattr(cdr, name)
        if actual is None:  # optional breakdown field left out
            if breakdown and abs(expected.excl_vat) > tolerance:
                found.append(Difference(name, f"{expected.excl_vat}", "absent", "not reported"))
            continue
        pairs = [("excl_vat", expected.excl_vat, actual.excl_vat)]
        if actual.incl_vat is not None and expected.incl_vat is not None:
            pairs.append(("incl_vat", expected.incl_vat, actual.incl_vat))
        for vat, mine, theirs in pairs:
            if abs(mine - theirs) > tolerance:
                message = f"differs by {theirs - mine}"
                found.append(Difference(f"{name}.{vat}", f"{mine}", f"{theirs}", message))
    return found


def _quantities(cdr: CDR, result: PricingResult, tolerance: Decimal) -> list[Difference]:
    found: list[Difference] = []
    for name in _QUANTITY_FIELDS:
        mine: Decimal = getattr(result.totals, name)
        theirs: Decimal | None = getattr(cdr, name)
        if theirs is not None and abs(mine - theirs) > tolerance:
            found.append(
                Difference(name, f"{mine}", f"{theirs}", "does not match the charging periods")
            )
    return found


def _components(selection: Selection) -> set[int]:
    parts: list[Component | None] = [
        selection.energy,
        selection.time,
        selection.parking,
        *selection.flats,
    ]
    return {id(c) for c in parts if c is not None}


def _boundaries(cdr: CDR, periods: tuple[Period, ...], zone: ZoneInfo) -> list[Difference]:
    theirs = [to_micros(p.start_date_time) for p in cdr.charging_periods]
    found: list[Difference] = []
    for before, after in pairwise(periods):
        if not _components(after.selection) - _components(before.selection):
            continue  # nothing new became active: a new period is allowed, not required
        if any(abs(after.start - t) < MICROS_PER_SECOND for t in theirs):
            continue  # OCPI DateTimes have whole seconds
        local = to_datetime(after.start).astimezone(zone)
        found.append(
            Difference(
                "charging_periods",
                f"a period starting {to_datetime(after.start):%Y-%m-%dT%H:%M:%SZ}",
                "none",
                f"another PriceComponent becomes active at {local:%Y-%m-%d %H:%M:%S} local "
                "time, so a new ChargingPeriod SHALL start (mod_cdrs ChargingPeriod)",
            )
        )
    return found


def _period_checks(cdr: CDR, tariff: Tariff) -> list[Difference]:
    found: list[Difference] = []
    for index, period in enumerate(cdr.charging_periods):
        if period.tariff_id is None or fold_id(period.tariff_id) != fold_id(tariff.id):
            found.append(
                Difference(f"charging_periods[{index}].tariff_id", tariff.id,
                           f"{period.tariff_id or 'absent'}",
                           "the period does not name the Tariff that prices it")
            )  # fmt: skip
    return found


def volume_findings(findings: tuple[VolumeFinding, ...]) -> tuple[Difference, ...]:
    """The timeline's volume findings as audit lines: the period and dimension, the hours its
    timestamps span (``expected``) and the hours it reports (``actual``)."""
    return tuple(
        Difference(
            f"charging_periods[{f.period}].dimensions.{f.dimension}",
            f"{round_quantity(f.timestamps)} h",
            f"{f.reported} h",
            f.message,
        )
        for f in findings
    )


def audit(
    cdr: CDR,
    tariff: Tariff | None = None,
    zone: ZoneInfo | str = "UTC",
    *,
    tolerance: Decimal = Decimal("0.01"),
    quantity_tolerance: Decimal = Decimal("0.001"),
) -> AuditReport:
    """Recompute ``cdr`` with ``tariff`` (default: the one it carries) and compare."""
    tariff = tariff or tariff_of(cdr)
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    timeline = timeline_from_periods(cdr.charging_periods, cdr.end_date_time)
    result = price(tariff, timeline, zone)  # amounts with 4 decimals, as OCPI numbers
    found: list[Difference] = []
    if cdr.currency.upper() != tariff.currency.upper():
        found.append(Difference("currency", tariff.currency, cdr.currency, "not the Tariff's"))
    found += _money(cdr, result, tolerance)
    found += _quantities(cdr, result, quantity_tolerance)
    found += _boundaries(cdr, result.periods, zone)
    found += _period_checks(cdr, tariff)
    return AuditReport(cdr.id, result, tuple(found), volume_findings(result.findings))
