"""Tariff engine throughput: price generated CDRs against varied tariffs, print CDRs/s.

    .venv/bin/python bench/pricing_bench.py [--count 100000] [--seed 7]

The CDRs are generated before timing (deterministic for a seed): 1-5 charging periods with
ENERGY and TIME volumes, sometimes current and power, often a parking period, sometimes a
reservation before the session; start times spread over 2024 in Europe/Amsterdam, DST nights
included. The tariffs are the 19 tariffs of the spec's worked examples as the tests restate
them (tests/pricing/scenarios.py: the same elements as the spec's files, so the OCPI spec itself
is not needed) plus synthetic ones with time-of-day, weekday, kWh, power, current and duration
restrictions, compiled once.

Timed, one process, one core:

* ``engine``: ChargingPeriods → timeline → price → the CDR totals as OCPI Price objects.
* ``engine + periods``: the same plus the output ChargingPeriods as OCPI objects.
* ``bare baseline``: the least any pricer must do, in the same Decimal arithmetic: for every
  period multiply its ENERGY and TIME volumes by a price and sum. The ratio says what the full
  rules (restrictions, slicing, step_size, VAT, min/max) cost on top.

Timings are never asserted: they depend on the machine (bench/README.md).
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from openroam.models.v221.cdrs import CdrDimension, CdrDimensionType, ChargingPeriod
from openroam.models.v221.tariffs import Tariff
from openroam.pricing import CompiledTariff, compile_tariff, price, timeline_from_periods

REPO = Path(__file__).resolve().parents[1]
ZONE = ZoneInfo("Europe/Amsterdam")
YEAR_START = datetime(2024, 1, 1, tzinfo=UTC)

Cdr = tuple[list[ChargingPeriod], datetime, int]
"""(periods, end, index of the tariff)."""

SYNTHETIC = [
    # Night/day energy with kWh tiers and a start fee.
    """{"elements": [
      {"price_components": [{"type": "FLAT", "price": 0.35, "vat": 21, "step_size": 1}]},
      {"price_components": [{"type": "ENERGY", "price": 0.22, "vat": 21, "step_size": 1}],
       "restrictions": {"start_time": "22:00", "end_time": "07:00"}},
      {"price_components": [{"type": "ENERGY", "price": 0.39, "vat": 21, "step_size": 1}],
       "restrictions": {"max_kwh": 20}},
      {"price_components": [{"type": "ENERGY", "price": 0.33, "vat": 21, "step_size": 100}]}]}""",
    # DC power tiers with weekday/weekend time fees and blocking fee.
    """{"elements": [
      {"price_components": [{"type": "ENERGY", "price": 0.45, "vat": 19, "step_size": 1}],
       "restrictions": {"max_power": 50}},
      {"price_components": [{"type": "ENERGY", "price": 0.59, "vat": 19, "step_size": 1}]},
      {"price_components": [{"type": "TIME", "price": 1.2, "vat": 19, "step_size": 60}],
       "restrictions": {"day_of_week": ["SATURDAY", "SUNDAY"], "min_current": 32}},
      {"price_components": [{"type": "PARKING_TIME", "price": 6, "vat": 19, "step_size": 300}],
       "restrictions": {"start_time": "08:00", "end_time": "20:00", "min_duration": 14400}}],
     "max_price": {"excl_vat": 60, "incl_vat": 71.4}}""",
    # Free first half hour, then per kWh, with a minimum.
    """{"elements": [
      {"price_components": [{"type": "ENERGY", "price": 0, "step_size": 1}],
       "restrictions": {"max_duration": 1800}},
      {"price_components": [{"type": "ENERGY", "price": 0.29, "vat": 20, "step_size": 1},
                            {"type": "TIME", "price": 0.6, "vat": 20, "step_size": 900}]}],
     "min_price": {"excl_vat": 1, "incl_vat": 1.2}}""",
]


def _scenario_tariffs() -> list[Tariff]:
    """The worked examples' tariffs, restated in the tests (tests/pricing/scenarios.py)."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tests.pricing import scenarios

    return list(scenarios.TARIFFS.values())


def _tariffs() -> list[CompiledTariff]:
    tariffs = _scenario_tariffs()
    for number, body in enumerate(SYNTHETIC, start=1):
        head = f'"country_code": "NL", "party_id": "BEN", "id": "S{number}", "currency": "EUR", '
        tail = ', "last_updated": "2024-01-01T00:00:00Z"}'
        tariffs.append(Tariff.from_json("{" + head + body.strip()[1:-1] + tail))
    return [compile_tariff(t) for t in tariffs]


def _dim(kind: CdrDimensionType, volume: Decimal) -> CdrDimension:
    return CdrDimension.model_construct(type=kind, volume=volume)


def _period(at: datetime, dims: list[CdrDimension]) -> ChargingPeriod:
    return ChargingPeriod.model_construct(start_date_time=at, dimensions=dims, tariff_id=None)


def _cdr(rng: random.Random, tariffs: int) -> Cdr:
    at = YEAR_START + timedelta(seconds=rng.randrange(366 * 86400))
    periods: list[ChargingPeriod] = []
    if rng.random() < 0.1:
        minutes = rng.randint(5, 30)
        periods.append(
            _period(at, [_dim(CdrDimensionType.RESERVATION_TIME, Decimal(minutes) / 60)])
        )
        at += timedelta(minutes=minutes)
    for _ in range(rng.randint(1, 5)):
        seconds = rng.randint(300, 5400)
        kw = Decimal(rng.randint(30, 1500)) / 10
        kwh = (kw * seconds / 3600).quantize(Decimal("0.001"))
        dims = [
            _dim(CdrDimensionType.ENERGY, kwh),
            _dim(CdrDimensionType.TIME, Decimal(seconds) / 3600),
        ]
        if rng.random() < 0.5:
            amps = Decimal(rng.randint(6, 125))
            dims += [
                _dim(CdrDimensionType.MIN_CURRENT, amps),
                _dim(CdrDimensionType.MAX_CURRENT, amps),
            ]
        if rng.random() < 0.5:
            dims += [_dim(CdrDimensionType.MIN_POWER, kw), _dim(CdrDimensionType.MAX_POWER, kw)]
        periods.append(_period(at, dims))
        at += timedelta(seconds=seconds)
    if rng.random() < 0.6:
        seconds = rng.randint(60, 4 * 3600)
        periods.append(_period(at, [_dim(CdrDimensionType.PARKING_TIME, Decimal(seconds) / 3600)]))
        at += timedelta(seconds=seconds)
    return periods, at, rng.randrange(tariffs)


def _engine(tariffs: list[CompiledTariff], with_periods: bool) -> Callable[[Cdr], object]:
    def run(cdr: Cdr) -> object:
        periods, end, which = cdr
        result = price(tariffs[which], timeline_from_periods(periods, end), ZONE)
        if with_periods:
            return result.totals, result.charging_periods()
        return result.totals

    return run


def _baseline(tariffs: list[CompiledTariff]) -> Callable[[Cdr], object]:
    prices = [(Decimal("0.25"), Decimal("2.00")) for _ in tariffs]
    energy, charging = CdrDimensionType.ENERGY, CdrDimensionType.TIME

    def run(cdr: Cdr) -> object:
        periods, _, which = cdr
        per_kwh, per_hour = prices[which]
        total = Decimal(0)
        for period in periods:
            for dim in period.dimensions:
                if dim.type is energy:
                    total += dim.volume * per_kwh
                elif dim.type is charging:
                    total += dim.volume * per_hour
        return total

    return run


def _rate(label: str, work: Callable[[Cdr], object], cdrs: list[Cdr]) -> float:
    started = time.process_time()
    for cdr in cdrs:
        work(cdr)
    elapsed = time.process_time() - started
    rate = len(cdrs) / elapsed
    micros = elapsed / len(cdrs) * 1e6
    print(f"{label:<18} {rate:>10,.0f} CDRs/s  ({elapsed:.2f} s CPU, {micros:.0f} µs/CDR)")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    tariffs = _tariffs()
    rng = random.Random(args.seed)
    cdrs = [_cdr(rng, len(tariffs)) for _ in range(args.count)]
    periods = sum(len(c[0]) for c in cdrs)
    print(
        f"{args.count:,} CDRs ({periods / args.count:.1f} periods each), {len(tariffs)} tariffs, "
        f"Python {platform.python_version()} on {platform.machine()}"
    )
    baseline = _rate("bare baseline", _baseline(tariffs), cdrs)
    engine = _rate("engine", _engine(tariffs, with_periods=False), cdrs)
    full = _rate("engine + periods", _engine(tariffs, with_periods=True), cdrs)
    print(f"baseline / engine = {baseline / engine:.1f}x, baseline / (engine + periods) = ", end="")
    print(f"{baseline / full:.1f}x")


if __name__ == "__main__":
    main()
