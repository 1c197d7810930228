"""Hypothesis strategies for tariffs and sessions (non-negative prices, varied restrictions)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from openroam.models.v221.tariffs import Tariff
from tests.pricing.support import AMSTERDAM, Part, make_tariff

DIMENSIONS = ("FLAT", "ENERGY", "TIME", "PARKING_TIME")
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")

prices = st.integers(0, 500).map(lambda cents: Decimal(cents) / 100)
vats = st.none() | st.sampled_from([Decimal(0), Decimal("5.2"), Decimal(9), Decimal(21)])
clock = st.builds(lambda h, q: f"{h:02d}:{q * 15:02d}", st.integers(0, 23), st.integers(0, 3))


def components(steps: bool) -> st.SearchStrategy[list[dict[str, Any]]]:
    def build(kind: str, price: Decimal, vat: Decimal | None, step: int) -> dict[str, Any]:
        body: dict[str, Any] = {"type": kind, "price": price, "step_size": step if steps else 1}
        if vat is not None:
            body["vat"] = vat
        return body

    one = st.builds(
        build, st.sampled_from(DIMENSIONS), prices, vats, st.sampled_from([1, 60, 300, 500, 900])
    )
    return st.lists(one, min_size=1, max_size=3)


@st.composite
def restrictions(draw: st.DrawFn) -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    if draw(st.booleans()):
        chosen["start_time"] = draw(clock)
    if draw(st.booleans()):
        chosen["end_time"] = draw(clock)
    if draw(st.booleans()):
        chosen["day_of_week"] = draw(
            st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True)
        )
    for name, top in (("kwh", 60), ("power", 50), ("current", 64)):
        if draw(st.booleans()):
            bound = Decimal(draw(st.integers(1, top)))
            chosen[f"{draw(st.sampled_from(['min', 'max']))}_{name}"] = bound
    if draw(st.booleans()):
        chosen[f"{draw(st.sampled_from(['min', 'max']))}_duration"] = draw(
            st.integers(60, 4 * 3600)
        )
    return chosen


@st.composite
def tariffs(draw: st.DrawFn, *, steps: bool = True, bounds: bool = True) -> Tariff:
    elements = []
    for _ in range(draw(st.integers(1, 5))):
        element: dict[str, Any] = {"price_components": draw(components(steps))}
        restriction = draw(restrictions())
        if restriction:
            element["restrictions"] = restriction
        elements.append(element)
    if draw(st.booleans()):  # a default element, as mod_tariffs advises
        elements.append({"price_components": draw(components(steps))})
    fields: dict[str, Any] = {}
    if bounds and draw(st.booleans()):
        low = draw(st.integers(0, 2000))
        fields["min_price"] = {
            "excl_vat": Decimal(low) / 100,
            "incl_vat": Decimal(low) * 121 / 10000,
        }
    if bounds and draw(st.booleans()):
        high = draw(st.integers(2000, 6000))
        fields["max_price"] = {
            "excl_vat": Decimal(high) / 100,
            "incl_vat": Decimal(high) * 121 / 10000,
        }
    return make_tariff(*elements, **fields)


@st.composite
def parts(draw: st.DrawFn) -> Part:
    minutes = Decimal(draw(st.integers(1, 180)))
    if draw(st.booleans()):
        return Part(minutes, Decimal(0), False, None, None)
    wh = Decimal(draw(st.integers(0, 40_000)))
    current = draw(st.none() | st.integers(0, 64).map(Decimal))
    power = draw(st.none() | st.integers(0, 150).map(Decimal))
    return Part(minutes, wh / 1000, True, current, power)


# Start instants around the Amsterdam DST nights and on ordinary days, minute-aligned.
starts = st.sampled_from(
    [datetime(2024, 3, 30, 20), datetime(2024, 10, 26, 20), datetime(2024, 6, 7, 15)]
).flatmap(
    lambda base: st.integers(0, 12 * 60).map(
        lambda m: (base + timedelta(minutes=m)).replace(tzinfo=AMSTERDAM)
    )
)
