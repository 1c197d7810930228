"""Price a session timeline with a Tariff: the CDR totals and ChargingPeriods.

The rules (mod_tariffs.asciidoc, mod_cdrs.asciidoc "step_size"; where the spec is wrong or silent,
docs/spec-decisions.md, under the headings named):

* Per period, each dimension is priced by its active component (:mod:`.periods`): ENERGY per
  kWh delivered, TIME per hour charging, PARKING_TIME per hour parking, reservation TIME per
  hour reserved. A dimension without an active component costs nothing (so parking is free
  under a tariff without PARKING_TIME).
* FLAT: every distinct FLAT component (by its position in the tariff) that is active at some
  moment is charged once, in the first period where it is active. Where the spec is silent ("FLAT
  in a time-restricted element"): a FLAT in a time-restricted element is charged if the element
  is active at any moment of the session, not only at its start.
* step_size, once per session (mod_cdrs "step_size"): the total priced energy is rounded up to a
  multiple of the step of the last ENERGY component used; if any parking time was priced, the
  total priced parking time is rounded with the step of the last PARKING_TIME component and
  charging time is not rounded, otherwise the total priced charging time is rounded with the
  step of the last TIME component; reservation time is rounded with the step of its last TIME
  component ("step_size: TIME and PARKING_TIME rounded together"). The surplus is added to the
  last period of that dimension, at its price. Rounding is up to a multiple, and an exact
  multiple is not rounded further ("step_size: an exact multiple is not rounded"). A step of 0
  (tariff_5, "step_size 0") means no rounding.
* VAT per component: incl = excl * (1 + vat/100); no ``vat`` means no VAT (incl = excl).
* min_price/max_price bound the excl. and the incl. VAT totals separately (mod_tariffs
  "Tariff object" notes). Where the spec is silent ("min_price and max_price in the
  breakdown"): the breakdown fields
  (``total_energy_cost``, …) keep the tariff's own amounts; only ``total_cost`` is raised or
  capped, and the difference is reported as :attr:`PricingResult.adjustment`.
* Rounding ("Price rounding"): OCPI defines none. All arithmetic is exact; each reported amount
  is rounded once, from the exact value, half up, to ``decimals`` places (default 4: "numbers
  use 4 decimals", types.asciidoc "number"); quantities (kWh, hours) are always reported with 4
  decimals.

The OCPI objects of a result (``total``, ``totals``, ``charging_periods()``) are built when
first asked for: pricing itself stays in Decimal and int arithmetic.
"""

from __future__ import annotations

from decimal import Context, Decimal, localcontext
from functools import cached_property
from typing import NamedTuple
from zoneinfo import ZoneInfo

from openroam.models.v221.cdrs import ChargingPeriod
from openroam.models.v221.tariffs import Tariff
from openroam.models.v221.types import Price
from openroam.pricing._compiled import CompiledTariff, compile_tariff
from openroam.pricing._lines import Line, StepRounding, price_lines
from openroam.pricing._output import CdrTotals, charging_periods, trusted
from openroam.pricing._periods import Period, slice_timeline
from openroam.pricing._timeline import Timeline, VolumeFinding

__all__ = ["Adjustment", "PricingResult", "price"]

_ZERO = Decimal(0)
_CONTEXT = Context(prec=40)


class Adjustment(NamedTuple):
    """min_price/max_price applied to the excl. or incl. VAT total."""

    bound: str
    """``min_price`` or ``max_price``."""
    vat: str
    """``excl_vat`` or ``incl_vat``."""
    before: Decimal
    after: Decimal


class PricingResult:
    """Everything the engine found, exact, plus the rounded totals and ChargingPeriods."""

    def __init__(
        self,
        tariff: Tariff,
        zone: ZoneInfo,
        periods: tuple[Period, ...],
        lines: tuple[Line, ...],
        steps: tuple[StepRounding, ...],
        adjustment: tuple[Adjustment, ...],
        amounts: tuple[Decimal, Decimal, Decimal, Decimal],
        decimals: int | None,
        reports: tuple[bool, bool] = (True, True),
        findings: tuple[VolumeFinding, ...] = (),
    ) -> None:
        self.tariff = tariff
        self.zone = zone
        self.periods = periods
        self.lines = lines
        self.steps = steps
        self.adjustment = adjustment
        """min/max_price adjustments, in the order applied."""
        self.decimals = decimals
        """Places the reported amounts are rounded to (``None``: exact)."""
        self._amounts = amounts
        self._reports = reports
        self.findings = findings
        """Periods whose reported time volumes disagree with their timestamps, and which of the
        two was priced (from the timeline, :attr:`Timeline.findings`)."""

    @cached_property
    def subtotal(self) -> Price:
        """Exact sum of all lines, before min/max_price."""
        return trusted(Price, {"excl_vat": self._amounts[0], "incl_vat": self._amounts[1]})

    @cached_property
    def total(self) -> Price:
        """Exact total after min/max_price, before rounding."""
        return trusted(Price, {"excl_vat": self._amounts[2], "incl_vat": self._amounts[3]})

    @cached_property
    def totals(self) -> CdrTotals:
        """The CDR ``total_*`` fields, rounded for reporting."""
        excl, incl = self._amounts[2:]
        return CdrTotals.build(self.periods, self.lines, (excl, incl), self.decimals)

    def charging_periods(self) -> list[ChargingPeriod]:
        """The CDR ChargingPeriods (see :func:`openroam.pricing._output.charging_periods`)."""
        current, power = self._reports
        return charging_periods(self.periods, self.tariff.id, current=current, power=power)


def _bounded(
    tariff: Tariff, excl: Decimal, incl: Decimal
) -> tuple[Decimal, Decimal, tuple[Adjustment, ...]]:
    adjustments: list[Adjustment] = []
    values = {"excl_vat": excl, "incl_vat": incl}
    for vat in ("excl_vat", "incl_vat"):
        value = values[vat]
        low = getattr(tariff.min_price, vat, None) if tariff.min_price else None
        high = getattr(tariff.max_price, vat, None) if tariff.max_price else None
        if low is not None and value < low:
            adjustments.append(Adjustment("min_price", vat, value, low))
            value = low
        # max after min: should a tariff set min above max, max_price wins (it "will NOT
        # cost more"), which keeps the total monotonic in the session's usage.
        if high is not None and value > high:
            adjustments.append(Adjustment("max_price", vat, value, high))
            value = high
        values[vat] = value
    return values["excl_vat"], values["incl_vat"], tuple(adjustments)


def price(
    tariff: Tariff | CompiledTariff,
    timeline: Timeline,
    zone: ZoneInfo | str = "UTC",
    *,
    decimals: int | None = 4,
) -> PricingResult:
    """Price ``timeline`` with ``tariff``; ``zone`` is the Location's IANA ``time_zone``."""
    compiled = tariff if isinstance(tariff, CompiledTariff) else compile_tariff(tariff)
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    with localcontext(_CONTEXT):
        periods = slice_timeline(compiled, timeline, zone)
        lines, steps = price_lines(periods)
        excl = sum((line.excl_vat for line in lines), _ZERO)
        incl = sum((line.incl_vat for line in lines), _ZERO)
        total_excl, total_incl, adjustment = _bounded(compiled.tariff, excl, incl)
    amounts = (excl, incl, total_excl, total_incl)
    reports = (compiled.uses_current, compiled.uses_power)
    return PricingResult(
        compiled.tariff,
        zone,
        tuple(periods),
        lines,
        steps,
        adjustment,
        amounts,
        decimals,
        reports,
        timeline.findings,
    )
