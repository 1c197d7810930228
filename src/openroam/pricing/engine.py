"""Price a session timeline with a Tariff: the CDR totals and ChargingPeriods.

The rules (DIGEST 4.2-4.10, mod_tariffs.asciidoc, mod_cdrs.asciidoc "step_size"):

* Per period, each dimension is priced by its active component (:mod:`.periods`): ENERGY per
  kWh delivered, TIME per hour charging, PARKING_TIME per hour parking, reservation TIME per
  hour reserved. A dimension without an active component costs nothing (so parking is free
  under a tariff without PARKING_TIME).
* FLAT: every distinct FLAT component (by its position in the tariff) that is active at some
  moment is charged once, in the first period where it is active. Local policy where the spec is
  silent (DIGEST 4.3 [AMBIG]): a FLAT in a time-restricted element is charged if the element is
  active at any moment of the session, not only at its start.
* step_size, once per session (mod_cdrs "step_size"): the total priced energy is rounded up to a
  multiple of the step of the last ENERGY component used; if any parking time was priced, the
  total priced parking time is rounded with the step of the last PARKING_TIME component and
  charging time is not rounded, otherwise the total priced charging time is rounded with the
  step of the last TIME component; reservation time is rounded with the step of its last TIME
  component. The surplus is added to the last period of that dimension, at its price. Rounding
  is up to a multiple, and an exact multiple is not rounded further (DIGEST A24). A step of 0
  (tariff_5, DIGEST A26) means no rounding.
* VAT per component: incl = excl * (1 + vat/100); no ``vat`` means no VAT (incl = excl).
* min_price/max_price bound the excl. and the incl. VAT totals separately (mod_tariffs
  "Tariff object" notes). Local policy for DIGEST A28: the breakdown fields
  (``total_energy_cost``, …) keep the tariff's own amounts; only ``total_cost`` is raised or
  capped, and the difference is reported as :attr:`PricingResult.adjustment`.
* Rounding: OCPI defines none. All arithmetic is exact; each reported amount is rounded once,
  from the exact value, half up, to ``decimals`` places (default 4: "numbers use 4 decimals",
  types.asciidoc "number"); quantities (kWh, hours) are always reported with 4 decimals.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Context, Decimal, localcontext
from zoneinfo import ZoneInfo

from openroam.models.v221.cdrs import ChargingPeriod
from openroam.models.v221.tariffs import Tariff, TariffDimensionType
from openroam.models.v221.types import Price
from openroam.pricing.compiled import CompiledTariff, Component, compile_tariff
from openroam.pricing.output import CdrTotals, charging_periods
from openroam.pricing.periods import Period, slice_timeline
from openroam.pricing.timeline import State, Timeline

__all__ = ["Adjustment", "Line", "PricingResult", "StepRounding", "price"]

_ZERO = Decimal(0)
_HOUR = Decimal(3600)
_THOUSAND = Decimal(1000)
_CONTEXT = Context(prec=40)
ENERGY = TariffDimensionType.ENERGY
FLAT = TariffDimensionType.FLAT
TIME = TariffDimensionType.TIME
PARKING_TIME = TariffDimensionType.PARKING_TIME


@dataclass(frozen=True, slots=True)
class Line:
    """One priced quantity: a dimension of one period, or a FLAT fee."""

    period: int
    """Index of the period in :attr:`PricingResult.periods`."""
    dimension: TariffDimensionType
    component: Component
    quantity: Decimal
    """Measured: kWh, hours, or 1 for FLAT."""
    billed: Decimal
    """Billed after step_size (quantity plus any surplus), same unit."""
    excl_vat: Decimal
    incl_vat: Decimal
    reservation: bool
    """Part of the reservation (its TIME or FLAT), reported in ``total_reservation_cost``."""


@dataclass(frozen=True, slots=True)
class StepRounding:
    """What step_size did to one dimension's session total."""

    dimension: TariffDimensionType
    reservation: bool
    component: Component
    """The last component used: its step_size applies."""
    measured: Decimal
    """Total priced quantity, kWh or hours."""
    billed: Decimal
    line: int
    """Index of the line that received the surplus."""


@dataclass(frozen=True, slots=True)
class Adjustment:
    """min_price/max_price applied to the excl. or incl. VAT total."""

    bound: str
    """``min_price`` or ``max_price``."""
    vat: str
    """``excl_vat`` or ``incl_vat``."""
    before: Decimal
    after: Decimal


@dataclass(frozen=True, slots=True)
class PricingResult:
    """Everything the engine found, exact, plus the rounded totals and ChargingPeriods."""

    tariff: Tariff
    zone: ZoneInfo
    periods: tuple[Period, ...]
    lines: tuple[Line, ...]
    steps: tuple[StepRounding, ...]
    subtotal: Price
    """Exact sum of all lines, before min/max_price."""
    adjustment: tuple[Adjustment, ...]
    total: Price
    """Exact total after min/max_price, before rounding."""
    totals: CdrTotals
    """The CDR totals, rounded for reporting."""
    decimals: int | None

    def charging_periods(self) -> list[ChargingPeriod]:
        """The CDR ChargingPeriods (see :func:`openroam.pricing.output.charging_periods`)."""
        return charging_periods(self.periods, self.tariff.id)


def _raw_lines(periods: list[Period]) -> list[tuple[int, Component, Decimal, bool]]:
    """(period, component, measured quantity in kWh / seconds / 1) per priced quantity."""
    raw: list[tuple[int, Component, Decimal, bool]] = []
    charged: set[int] = set()
    for index, period in enumerate(periods):
        sel = period.selection
        reserved = period.state is State.RESERVATION
        for flat in sel.flats:
            if id(flat) not in charged:  # FLAT: once per distinct component
                charged.add(id(flat))
                raw.append((index, flat, Decimal(1), reserved))
        if sel.energy is not None and period.energy:
            raw.append((index, sel.energy, period.energy, False))
        timed = sel.time if period.state is not State.PARKING else sel.parking
        if timed is not None:
            raw.append((index, timed, period.seconds, reserved))
    return raw


def _round_up(total: Decimal, step: int, resolution: Decimal) -> Decimal:
    # mod_tariffs "PriceComponent" step_size: rounded up to a multiple; an exact multiple (at
    # the measurement resolution) stays as it is (DIGEST A24).
    if step <= 0 or total <= 0:
        return total
    blocks = total.quantize(resolution) / step
    if blocks == blocks.to_integral_value():
        return total
    return blocks.to_integral_value(ROUND_CEILING) * step


def _group_key(raw: tuple[int, Component, Decimal, bool], parking_priced: bool) -> str | None:
    _, component, _, reserved = raw
    if component.dimension is FLAT:
        return None
    if reserved:
        return "reservation"
    if component.dimension is ENERGY:
        return "energy"
    # mod_cdrs "step_size": when TIME and PARKING_TIME are both used, only parking is rounded.
    if component.dimension is TIME:
        return None if parking_priced else "time"
    return "parking"


def _step_surplus(raw: list[tuple[int, Component, Decimal, bool]]) -> dict[int, Decimal]:
    """Index in ``raw`` → surplus (kWh or seconds) that step_size adds to that line."""
    parking_priced = any(r[1].dimension is PARKING_TIME for r in raw)
    groups: dict[str, list[int]] = {}
    for position, item in enumerate(raw):
        key = _group_key(item, parking_priced)
        if key is not None:
            groups.setdefault(key, []).append(position)
    surplus: dict[int, Decimal] = {}
    for key, positions in groups.items():
        last = raw[positions[-1]][1]
        total = sum((raw[p][2] for p in positions), _ZERO)
        if key == "energy":  # step_size in Wh, quantities in kWh
            billed = _round_up(total * _THOUSAND, last.step_size, Decimal("0.001")) / _THOUSAND
        else:  # step_size in seconds
            billed = _round_up(total, last.step_size, Decimal("0.000001"))
        if billed != total:
            surplus[positions[-1]] = billed - total
    return surplus


def _line(item: tuple[int, Component, Decimal, bool], extra: Decimal) -> Line:
    period, component, quantity, reserved = item
    billed = quantity + extra
    if component.dimension is FLAT:
        excl = component.price
    elif component.dimension is ENERGY:
        excl = billed * component.price
    else:  # seconds → hours
        quantity, billed = quantity / _HOUR, billed / _HOUR
        excl = billed * component.price
    incl = excl * component.incl_factor
    return Line(period, component.dimension, component, quantity, billed, excl, incl, reserved)


def _bounded(tariff: Tariff, subtotal: Price) -> tuple[Price, tuple[Adjustment, ...]]:
    adjustments: list[Adjustment] = []
    values = {"excl_vat": subtotal.excl_vat, "incl_vat": subtotal.incl_vat or _ZERO}
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
    total = Price.model_construct(excl_vat=values["excl_vat"], incl_vat=values["incl_vat"])
    return total, tuple(adjustments)


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
        raw = _raw_lines(periods)
        surplus = _step_surplus(raw)
        lines = tuple(_line(item, surplus.get(i, _ZERO)) for i, item in enumerate(raw))
        steps = tuple(
            StepRounding(
                lines[i].dimension,
                lines[i].reservation,
                lines[i].component,
                _measured(lines, lines[i]),
                _measured(lines, lines[i]) + (lines[i].billed - lines[i].quantity),
                i,
            )
            for i in sorted(surplus)
        )
        excl = sum((line.excl_vat for line in lines), _ZERO)
        incl = sum((line.incl_vat for line in lines), _ZERO)
        subtotal = Price.model_construct(excl_vat=excl, incl_vat=incl)
        total, adjustment = _bounded(compiled.tariff, subtotal)
        totals = CdrTotals.build(periods, lines, total, decimals)
    return PricingResult(
        compiled.tariff, zone, tuple(periods), lines, steps, subtotal, adjustment, total,
        totals, decimals,
    )  # fmt: skip


def _measured(lines: tuple[Line, ...], last: Line) -> Decimal:
    """Total measured quantity of the step group that ``last`` closes."""
    same = [
        line.quantity
        for line in lines
        if line.reservation == last.reservation and line.dimension is last.dimension
    ]
    return sum(same, _ZERO)
