"""Helpers for the pricing tests: tariffs, local times and sessions written as a story.

The worked examples' tariffs, as our own data, are in tests/pricing/scenarios.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from openroam.models.v221.tariffs import Tariff
from openroam.pricing import MeterSample, PricingResult, Reservation, price, timeline_from_samples
from tests.spec_examples import dump_json, example_bytes

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def spec_tariff(name: str) -> Tariff:
    """A Tariff from the spec's examples folder (only in tests marked ``spec_example``)."""
    return Tariff.from_json(example_bytes(name))


def make_tariff(*elements: dict[str, Any], **fields: Any) -> Tariff:
    """A Tariff with the given elements (JSON-shaped dicts; numbers may be Decimal or str)."""
    body = {
        "country_code": "NL",
        "party_id": "ORM",
        "id": "T1",
        "currency": "EUR",
        "elements": list(elements),
        "last_updated": "2024-01-01T00:00:00Z",
        **fields,
    }
    return Tariff.from_json(dump_json(_decimals(body)))


def _decimals(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    if isinstance(value, float):
        raise TypeError("write numbers as str or Decimal in tests, not float")
    return value


def component(kind: str, price: str, step: int = 1, vat: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": kind, "price": Decimal(price), "step_size": step}
    if vat is not None:
        body["vat"] = Decimal(vat)
    return body


def element(*components: dict[str, Any], **restrictions: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"price_components": list(components)}
    if restrictions:
        body["restrictions"] = {
            k: Decimal(v) if isinstance(v, str) and k.endswith(("kwh", "current", "power")) else v
            for k, v in restrictions.items()
        }
    return body


def local(text: str, zone: ZoneInfo = AMSTERDAM) -> datetime:
    """``"2024-06-03 09:30"`` as an aware datetime in ``zone`` (fold 0)."""
    return datetime.fromisoformat(text).replace(tzinfo=zone)


@dataclass(frozen=True)
class Part:
    """A stretch of a session: minutes charging (with kWh, A, kW) or parking."""

    minutes: Decimal
    kwh: Decimal
    charging: bool
    current: Decimal | None
    power: Decimal | None


def charge(
    minutes: float | str, kwh: str = "0", current: str | None = None, power: str | None = None
) -> Part:
    return Part(
        Decimal(str(minutes)),
        Decimal(kwh),
        True,
        Decimal(current) if current is not None else None,
        Decimal(power) if power is not None else None,
    )


def park(minutes: float | str) -> Part:
    return Part(Decimal(str(minutes)), Decimal(0), False, None, None)


def samples(start: datetime, *parts: Part) -> list[MeterSample]:
    """Meter samples at the start and at the end of every part."""
    result: list[MeterSample] = []
    # In UTC: adding a timedelta to an aware local datetime is wall-clock arithmetic, which
    # would get DST nights wrong.
    at, kwh = start.astimezone(UTC), Decimal(0)
    for part in parts:
        result.append(MeterSample(at, kwh, part.current, part.power, part.charging))
        at += timedelta(seconds=float(part.minutes * 60))
        kwh += part.kwh
    result.append(MeterSample(at, kwh))
    return result


def run(
    tariff: Tariff,
    start: datetime,
    *parts: Part,
    zone: ZoneInfo | str = AMSTERDAM,
    reservation: Reservation | None = None,
    decimals: int | None = 4,
) -> PricingResult:
    """Price a session told as parts starting at ``start``."""
    timeline = timeline_from_samples(samples(start, *parts), reservation=reservation)
    return price(tariff, timeline, zone, decimals=decimals)


def totals(result: PricingResult) -> tuple[Decimal, Decimal]:
    """(excl, incl) of total_cost, as reported."""
    cost = result.totals.total_cost
    assert cost.incl_vat is not None
    return cost.excl_vat, cost.incl_vat


def amounts(excl: str, incl: str) -> tuple[Decimal, Decimal]:
    return Decimal(excl), Decimal(incl)
