"""Priced lines and step_size (mod_cdrs.asciidoc "step_size").

A *line* is one priced quantity: a dimension of one period, or a FLAT fee. step_size works on
the session totals of lines: once for ENERGY, once for TIME and PARKING_TIME together (only
parking is rounded when parking was priced, otherwise charging time), once for reservation
time; the surplus goes to the last line of the group, at its price (engine.py docstring).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import NamedTuple

from openroam.models.v221.tariffs import TariffDimensionType
from openroam.pricing._compiled import Component
from openroam.pricing._periods import Period
from openroam.pricing._timeline import MICROS_PER_SECOND, State, hours

__all__ = ["Line", "StepRounding", "price_lines"]

_ZERO = Decimal(0)
_ONE = Decimal(1)
_THOUSAND = Decimal(1000)
_WH_RESOLUTION = Decimal("0.001")
ENERGY = TariffDimensionType.ENERGY
FLAT = TariffDimensionType.FLAT
TIME = TariffDimensionType.TIME
PARKING_TIME = TariffDimensionType.PARKING_TIME


class Line(NamedTuple):
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


class StepRounding(NamedTuple):
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


RawLine = tuple[int, Component, Decimal | int, bool]
"""(period, component, measured quantity: kWh, microseconds or 1, reservation)."""


def _raw_lines(periods: list[Period]) -> list[RawLine]:
    raw: list[RawLine] = []
    charged: set[int] = set()
    for index, period in enumerate(periods):
        sel = period.selection
        reserved = period.state is State.RESERVATION
        for flat in sel.flats:
            if id(flat) not in charged:  # FLAT: once per distinct component
                charged.add(id(flat))
                raw.append((index, flat, 1, reserved))
        if sel.energy is not None and period.energy:
            raw.append((index, sel.energy, period.energy, False))
        timed = sel.time if period.state is not State.PARKING else sel.parking
        micros = period.micros
        if timed is not None and micros:  # 0 only where a CDR reports no time for its span
            raw.append((index, timed, micros, reserved))
    return raw


def _round_up_energy(kwh: Decimal, step: int) -> Decimal:
    # mod_tariffs "PriceComponent" step_size (1 Wh units): rounded up to a multiple; an exact
    # multiple, at a resolution of 0.001 Wh, stays as it is (docs/spec-decisions.md "step_size:
    # an exact multiple is not rounded").
    if step <= 0 or kwh <= 0:
        return kwh
    blocks = (kwh * _THOUSAND).quantize(_WH_RESOLUTION) / step
    if blocks == blocks.to_integral_value():
        return kwh
    return blocks.to_integral_value(ROUND_CEILING) * step / _THOUSAND


def _round_up_time(micros: int, step: int) -> int:
    # step_size in seconds; durations are whole microseconds, so this is exact.
    if step <= 0 or micros <= 0:
        return micros
    block = step * MICROS_PER_SECOND
    return -(-micros // block) * block


def _step_surplus(raw: list[RawLine]) -> dict[int, Decimal | int]:
    """Index in ``raw`` → surplus (kWh or microseconds) that step_size adds to that line."""
    parking_priced = False
    for item in raw:
        if item[1].dimension is PARKING_TIME:
            parking_priced = True
            break
    energy = _ZERO
    micros = {"time": 0, "parking": 0, "reservation": 0}
    last: dict[str, int] = {}
    for position, (_, component, quantity, reserved) in enumerate(raw):
        dimension = component.dimension
        if dimension is FLAT:
            continue
        if reserved:
            key = "reservation"
        elif dimension is ENERGY:
            energy += quantity
            last["energy"] = position
            continue
        elif dimension is TIME:
            # mod_cdrs "step_size": with TIME and PARKING_TIME both used, only parking rounds.
            if parking_priced:
                continue
            key = "time"
        else:
            key = "parking"
        micros[key] += int(quantity)
        last[key] = position
    surplus: dict[int, Decimal | int] = {}
    for key, position in last.items():
        step = raw[position][1].step_size
        if key == "energy":
            extra: Decimal | int = _round_up_energy(energy, step) - energy
        else:
            extra = _round_up_time(micros[key], step) - micros[key]
        if extra:
            surplus[position] = extra
    return surplus


def _line(item: RawLine, extra: Decimal | int) -> Line:
    period, component, measured, reserved = item
    dimension = component.dimension
    if dimension is FLAT:
        quantity = billed = _ONE
        excl = component.price
    elif dimension is ENERGY:
        quantity = Decimal(measured)
        billed = quantity + extra
        excl = billed * component.price
    else:  # microseconds → hours
        quantity, billed = hours(int(measured)), hours(int(measured) + int(extra))
        excl = billed * component.price
    incl = excl * component.incl_factor
    return Line(period, dimension, component, quantity, billed, excl, incl, reserved)


def _steps(lines: tuple[Line, ...], surplus: dict[int, Decimal | int]) -> tuple[StepRounding, ...]:
    result: list[StepRounding] = []
    for index in sorted(surplus):
        last = lines[index]
        measured = sum(
            (
                line.quantity
                for line in lines
                if line.reservation == last.reservation and line.dimension is last.dimension
            ),
            _ZERO,
        )
        extra = last.billed - last.quantity
        result.append(
            StepRounding(
                last.dimension, last.reservation, last.component, measured, measured + extra, index
            )
        )
    return tuple(result)


def price_lines(periods: list[Period]) -> tuple[tuple[Line, ...], tuple[StepRounding, ...]]:
    """The priced lines of ``periods``, step_size applied, and what step_size did."""
    raw = _raw_lines(periods)
    surplus = _step_surplus(raw)
    lines = tuple(_line(item, surplus.get(i, 0)) for i, item in enumerate(raw))
    return lines, _steps(lines, surplus) if surplus else ()
