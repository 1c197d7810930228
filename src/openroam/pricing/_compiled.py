"""A Tariff prepared for pricing many sessions: components, rules and candidate lists per dimension.

Compiling is optional (:func:`openroam.pricing.price` compiles a plain Tariff itself) but lets a
caller price many sessions against one Tariff without preparing it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from openroam.models.v221.tariffs import (
    PriceComponent,
    ReservationRestrictionType,
    Tariff,
    TariffDimensionType,
    TariffElement,
)
from openroam.pricing._restrictions import Rule, compile_rule

if TYPE_CHECKING:
    from openroam.pricing._periods import Selection
    from openroam.pricing._timeline import State

__all__ = ["CompiledTariff", "Component", "Element", "compile_tariff"]

_ONE = Decimal(1)
_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True, eq=False)
class Component:
    """One PriceComponent, with the position that identifies it in explanations."""

    element: int
    """Index of its TariffElement in ``Tariff.elements`` (0-based)."""
    index: int
    """Index in ``TariffElement.price_components`` (0-based)."""
    dimension: TariffDimensionType
    price: Decimal
    """Per unit (kWh, hour, or once for FLAT), excluding VAT."""
    vat: Decimal | None
    """Percentage; ``None`` means no VAT applies (mod_tariffs "PriceComponent": ≠ 0.0)."""
    step_size: int
    incl_factor: Decimal
    """1 + vat/100, or 1 without VAT: cost incl. VAT = cost excl. VAT * this."""


@dataclass(frozen=True, slots=True, eq=False)
class Element:
    """One TariffElement: its rule and its first component per dimension."""

    index: int
    rule: Rule | None
    reservation: ReservationRestrictionType | None
    components: dict[TariffDimensionType, Component]


@dataclass(frozen=True, slots=True, eq=False)
class CompiledTariff:
    """A Tariff ready for the engine."""

    tariff: Tariff
    elements: tuple[Element, ...]
    session: dict[TariffDimensionType, tuple[Element, ...]]
    """Per dimension, in list order, the elements without a ``reservation`` restriction."""
    reservation: dict[TariffDimensionType, tuple[Element, ...]]
    """Per dimension, the ``RESERVATION`` elements."""
    expires: dict[TariffDimensionType, tuple[Element, ...]]
    """Per dimension, the ``RESERVATION_EXPIRES`` elements."""
    clock_points: tuple[int, ...]
    """Seconds of the local day at which a clock rule can change (always 00:00 for dates)."""
    kwh_points: tuple[Decimal, ...]
    duration_points: tuple[int, ...]
    """Microseconds."""
    uses_clock: bool
    has_cuts: bool
    """Whether any restriction can change its verdict inside a segment."""
    uses_current: bool
    """Some element restricts on current (so periods report MIN/MAX_CURRENT)."""
    uses_power: bool
    static: bool
    """No element has restrictions other than ``reservation``: selections depend on the state
    only, and are remembered in :attr:`static_selections`."""
    static_selections: dict[tuple[State, bool, bool], Selection] = field(default_factory=dict)


def _component(element: int, index: int, raw: PriceComponent) -> Component:
    factor = _ONE + raw.vat / _HUNDRED if raw.vat is not None else _ONE
    return Component(element, index, raw.type, raw.price, raw.vat, raw.step_size, factor)


def _element(index: int, tariff: Tariff) -> Element:
    raw = tariff.elements[index]
    components: dict[TariffDimensionType, Component] = {}
    for position, price_component in enumerate(raw.price_components):
        # "Only one Price Component per dimension can be active at any point in time": when an
        # element lists a dimension twice, its first component is the one that applies.
        components.setdefault(price_component.type, _component(index, position, price_component))
    restrictions = raw.restrictions
    rule = compile_rule(restrictions) if restrictions is not None else None
    reservation = restrictions.reservation if restrictions is not None else None
    return Element(index, rule, reservation, components)


def _by_dimension(
    elements: tuple[Element, ...], kind: ReservationRestrictionType | None
) -> dict[TariffDimensionType, tuple[Element, ...]]:
    return {
        dim: tuple(e for e in elements if e.reservation is kind and dim in e.components)
        for dim in TariffDimensionType
    }


def _points(tariff: Tariff) -> tuple[tuple[int, ...], tuple[Decimal, ...], tuple[int, ...]]:
    clock: set[int] = set()
    kwh: set[Decimal] = set()
    duration: set[int] = set()
    for element in tariff.elements:
        r = element.restrictions
        if r is None:
            continue
        for value in (r.start_time, r.end_time):
            if value is not None:
                hours, minutes = value.split(":")
                clock.add(int(hours) * 3600 + int(minutes) * 60)
        if r.start_date or r.end_date or r.day_of_week or clock:
            clock.add(0)  # dates and weekdays change at local midnight
        kwh.update(v for v in (r.min_kwh, r.max_kwh) if v is not None)
        duration.update(v * 1_000_000 for v in (r.min_duration, r.max_duration) if v is not None)
    return tuple(sorted(clock)), tuple(sorted(kwh)), tuple(sorted(duration))


def _restricts(tariff: Tariff, *names: str) -> bool:
    return any(
        getattr(e.restrictions, name) is not None
        for e in tariff.elements
        if e.restrictions is not None
        for name in names
    )


def _unrestricted(element: TariffElement) -> bool:
    r = element.restrictions
    return r is None or not r.model_dump(exclude_none=True, exclude={"reservation"})


def compile_tariff(tariff: Tariff) -> CompiledTariff:
    """Prepare ``tariff`` for pricing."""
    elements = tuple(_element(i, tariff) for i in range(len(tariff.elements)))
    clock, kwh, duration = _points(tariff)
    return CompiledTariff(
        tariff=tariff,
        elements=elements,
        session=_by_dimension(elements, None),
        reservation=_by_dimension(elements, ReservationRestrictionType.RESERVATION),
        expires=_by_dimension(elements, ReservationRestrictionType.RESERVATION_EXPIRES),
        clock_points=clock,
        kwh_points=kwh,
        duration_points=duration,
        uses_clock=bool(clock),
        has_cuts=bool(clock or kwh or duration),
        uses_current=_restricts(tariff, "min_current", "max_current"),
        uses_power=_restricts(tariff, "min_power", "max_power"),
        static=all(_unrestricted(e) for e in tariff.elements),
    )
