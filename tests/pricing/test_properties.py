"""Properties of the engine over generated tariffs and sessions (Hypothesis)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from openroam.models.v221.tariffs import Tariff
from openroam.pricing import MeterSample, price, timeline_from_samples
from tests.pricing.strategies import parts, starts, tariffs
from tests.pricing.support import (
    AMSTERDAM,
    Part,
    charge,
    component,
    element,
    local,
    make_tariff,
    run,
    samples,
)

PROPERTIES = settings(max_examples=150, deadline=None)
HALF_UNIT = Decimal("0.00005")  # half the last reported decimal


def total(tariff: Tariff, start: datetime, session: list[Part]) -> tuple[Decimal, Decimal]:
    result = run(tariff, start, *session)
    cost = result.total
    assert cost.incl_vat is not None
    return cost.excl_vat, cost.incl_vat


@PROPERTIES
@given(tariffs(steps=False), starts, st.lists(parts(), min_size=1, max_size=5), parts())
def test_total_never_decreases_when_the_session_goes_on(
    tariff: Tariff, start: datetime, session: list[Part], more: Part
) -> None:
    """With non-negative prices, more energy or time never costs less, as long as every
    step_size is 1 and quantities are whole Wh and seconds (see the next test for why)."""
    before = total(tariff, start, session)
    after = total(tariff, start, [*session, more])
    assert after[0] >= before[0]
    assert after[1] >= before[1]


def test_step_size_can_make_a_longer_session_cheaper() -> None:
    """Not a bug but the spec's rule (mod_cdrs "CDR Object" step_size; docs/spec-decisions.md
    "step_size: TIME and PARKING_TIME rounded together"): the step of the *last*
    component used applies to the session total. A minute charged at 10/h with step 1 h costs
    10.00; a few more seconds under a component with step 1 s bill the exact 1.5 minutes."""
    tariff = make_tariff(
        element(component("TIME", "10.00", 3600), end_time="17:00"),
        element(component("TIME", "1.00", 1)),
    )
    short = run(tariff, local("2024-06-03 16:58"), charge(1))
    longer = run(tariff, local("2024-06-03 16:59"), charge("1.5"))
    assert short.total.excl_vat == 10
    assert longer.total.excl_vat < 1


def _resplit(original: list[MeterSample], cuts: list[tuple[int, int]]) -> list[MeterSample]:
    """Insert samples inside intervals, at k/10 of the interval, with interpolated energy and
    the interval's current, power and state: the same session, sampled more often."""
    result: list[MeterSample] = []
    for index, (sample, following) in enumerate(pairwise(original)):
        result.append(sample)
        for k in sorted({k for i, k in cuts if i == index}):
            fraction = Decimal(k) / 10
            span = following.timestamp - sample.timestamp
            energy = sample.energy_kwh + (following.energy_kwh - sample.energy_kwh) * fraction
            charging = sample.charging
            result.append(
                MeterSample(
                    sample.timestamp + span * k / 10, energy, sample.current, sample.power, charging
                )
            )
    result.append(original[-1])
    return result


@PROPERTIES
@given(
    tariffs(),
    starts,
    st.lists(parts(), min_size=1, max_size=5),
    st.lists(st.tuples(st.integers(0, 4), st.integers(1, 9)), max_size=8),
)
def test_splitting_the_samples_differently_gives_the_same_totals(
    tariff: Tariff, start: datetime, session: list[Part], cuts: list[tuple[int, int]]
) -> None:
    """Sampling the same session more often changes nothing: totals and periods are equal."""
    original = samples(start, *session)
    finer = _resplit(original, cuts)
    a = price(tariff, timeline_from_samples(original), AMSTERDAM)
    b = price(tariff, timeline_from_samples(finer), AMSTERDAM)
    assert a.totals == b.totals
    assert [p.to_dict() for p in a.charging_periods()] == [
        p.to_dict() for p in b.charging_periods()
    ]


@PROPERTIES
@given(tariffs(), starts, st.lists(parts(), min_size=1, max_size=5))
def test_min_price_and_max_price_bound_the_total(
    tariff: Tariff, start: datetime, session: list[Part]
) -> None:
    """mod_tariffs "Tariff object" notes: min ≤ total ≤ max, excl. and incl. VAT each."""
    result = run(tariff, start, *session)
    cost = result.totals.total_cost
    assert cost.incl_vat is not None
    if tariff.min_price is not None:
        assert cost.excl_vat >= tariff.min_price.excl_vat
        assert tariff.min_price.incl_vat is None or cost.incl_vat >= tariff.min_price.incl_vat
    if tariff.max_price is not None:
        assert cost.excl_vat <= tariff.max_price.excl_vat
        assert tariff.max_price.incl_vat is None or cost.incl_vat <= tariff.max_price.incl_vat


@PROPERTIES
@given(tariffs(bounds=False), starts, st.lists(parts(), min_size=1, max_size=5))
def test_total_is_the_sum_of_period_costs_and_flat_fees(
    tariff: Tariff, start: datetime, session: list[Part]
) -> None:
    """total_cost = Σ costs of the periods + FLAT fees, within rounding; so are the breakdown
    fields (docs/spec-decisions.md "CDR totals add up", when no min/max_price applies)."""
    result = run(tariff, start, *session)
    flats = [line for line in result.lines if line.dimension.value == "FLAT"]
    per_period: dict[int, Decimal] = {}
    for line in result.lines:
        if line.dimension.value != "FLAT":
            per_period[line.period] = per_period.get(line.period, Decimal(0)) + line.excl_vat
    exact = sum(per_period.values(), Decimal(0)) + sum((f.excl_vat for f in flats), Decimal(0))
    reported = result.totals
    assert abs(reported.total_cost.excl_vat - exact) <= HALF_UNIT
    breakdown = [
        reported.total_fixed_cost,
        reported.total_energy_cost,
        reported.total_time_cost,
        reported.total_parking_cost,
        reported.total_reservation_cost,
    ]
    assert (
        abs(sum((p.excl_vat for p in breakdown), Decimal(0)) - reported.total_cost.excl_vat)
        <= 6 * HALF_UNIT
    )
    assert len({id(f.component) for f in flats}) == len(flats)  # each FLAT once


@PROPERTIES
@given(tariffs(), starts, st.lists(parts(), min_size=1, max_size=5))
def test_charging_periods_cover_the_session(
    tariff: Tariff, start: datetime, session: list[Part]
) -> None:
    """mod_cdrs "ChargingPeriod": periods follow each other, carry the tariff_id, and their
    volumes add up to the CDR totals."""
    result = run(tariff, start, *session)
    periods = result.charging_periods()
    starts_ = [p.start_date_time for p in periods]
    assert starts_ == sorted(starts_)
    assert all(p.tariff_id == tariff.id for p in periods)
    energy = sum(
        (d.volume for p in periods for d in p.dimensions if d.type == "ENERGY"), Decimal(0)
    )
    assert abs(energy - result.totals.total_energy) <= len(periods) * HALF_UNIT
    minutes = sum((part.minutes for part in session), Decimal(0))
    assert abs(result.totals.total_time * 60 - minutes) <= Decimal("0.01")
