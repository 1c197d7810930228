"""Every priced scenario of the spec's tariff chapter (mod_tariffs "Examples"), with the amounts
worked out here.

Each scenario runs twice: with our own restatement of the example's tariff (tests/pricing/
scenarios.py, ``[ours]``), and with the spec's own file where the spec is there (``[spec]``,
marked ``spec_example``). The expected amounts are computed in each test from the tariff's
numbers, and agree with the amounts of the spec's text unless a test says otherwise.

Local times are Europe/Amsterdam; the spec gives no time zone and only the local clock matters.
Amounts are the engine's exact results unless a test says it rounds like the spec's text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from openroam.models.v221.tariffs import Tariff, TariffDimensionType
from openroam.models.v221.types import Price
from openroam.pricing import PricingResult, Reservation, price, timeline_from_samples
from tests.pricing import scenarios
from tests.pricing.support import Part, amounts, charge, local, park, run, spec_tariff, totals
from tests.spec_examples import spec_example

MONDAY = "2024-06-03"
SATURDAY = "2024-06-08"
D = Decimal

Source = Callable[[Tariff], Tariff]


@pytest.fixture(params=["ours", pytest.param("spec", marks=spec_example)])
def tariff_of(request: pytest.FixtureRequest) -> Source:
    """Our scenario tariff as it is, or the spec's example file that it restates."""
    if request.param == "ours":
        return lambda ours: ours
    return lambda ours: spec_tariff(scenarios.SPEC_FILES[ours.id])


def incl(excl: Decimal, vat: str) -> Decimal:
    """``excl`` plus ``vat`` percent."""
    return excl * (1 + D(vat) / 100)


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(D("0.01"), ROUND_HALF_UP)


# The pricing fields of a Tariff: what a restatement must keep (not its id or texts).
PRICING_FIELDS = [
    "currency",
    "type",
    "elements",
    "min_price",
    "max_price",
    "start_date_time",
    "end_date_time",
]


@spec_example
@pytest.mark.parametrize("tariff_id", sorted(scenarios.SPEC_FILES))
def test_scenario_tariff_prices_like_the_spec_example(tariff_id: str) -> None:
    """Our restatement has the spec file's elements, currency, type, bounds and validity."""
    ours = scenarios.TARIFFS[tariff_id].to_dict()
    spec = spec_tariff(scenarios.SPEC_FILES[tariff_id]).to_dict()
    assert {key: ours.get(key) for key in PRICING_FIELDS} == {
        key: spec.get(key) for key in PRICING_FIELDS
    }


def test_every_scenario_names_a_spec_example() -> None:
    assert set(scenarios.SPEC_FILES) == set(scenarios.TARIFFS)
    assert len(set(scenarios.SPEC_FILES.values())) == len(scenarios.TARIFFS) == 19


def test_tariff_8_simple_energy(tariff_of: Source) -> None:
    """mod_tariffs "Simple Tariff example 0.25 per kWh": 20 kWh → 5.00 / 5.50."""
    result = run(tariff_of(scenarios.ENERGY_025), local(f"{MONDAY} 10:00"), charge(60, "20"))
    energy = 20 * D("0.25")
    assert totals(result) == amounts("5.00", "5.50") == (energy, incl(energy, "10"))
    assert result.totals.total_energy_cost.excl_vat == 5


def test_tariff_9_energy_and_start_fee(tariff_of: Source) -> None:
    """mod_tariffs "0.25 per kWh + start fee": 20 kWh → 5.50 / 6.10."""
    result = run(tariff_of(scenarios.ENERGY_START_FEE), local(f"{MONDAY} 10:00"), charge(60, "20"))
    fee, energy = D("0.50"), 20 * D("0.25")
    expected = (fee + energy, incl(fee, "20") + incl(energy, "10"))
    assert totals(result) == amounts("5.50", "6.10") == expected
    assert result.totals.total_fixed_cost.excl_vat == Decimal("0.50")


@pytest.mark.parametrize(
    ("kwh", "expected"),
    [
        ("20", amounts("5.00", "5.50")),
        ("1", amounts("0.50", "0.55")),
        ("1.999", amounts("0.50", "0.55")),
    ],
)
def test_tariff_12_min_price(
    tariff_of: Source, kwh: str, expected: tuple[Decimal, Decimal]
) -> None:
    """mod_tariffs "0.25 per kWh + minimum price": 20 kWh → 5.00 / 5.50; below 2 kWh (0.50 at
    0.25 per kWh) the minimum, 0.50 / 0.55."""
    tariff = tariff_of(scenarios.ENERGY_MIN_PRICE)
    result = run(tariff, local(f"{MONDAY} 10:00"), charge(60, kwh))
    energy = D(kwh) * D("0.25")
    worked_out = max((energy, incl(energy, "10")), (D("0.50"), D("0.55")))
    assert totals(result) == expected == worked_out


def test_tariff_10_parking_rounded_to_15_minutes(tariff_of: Source) -> None:
    """mod_tariffs "0.25 per kWh + parking fee + start fee": 20 kWh + 40 min parking (billed 45)
    → 7.00 / 7.90."""
    result = run(
        tariff_of(scenarios.ENERGY_PARKING_START_FEE),
        local(f"{MONDAY} 10:00"),
        charge(90, "20"),
        park(40),
    )
    fee, energy, parking = D("0.50"), 20 * D("0.25"), D(45) / 60 * D("2.00")
    expected = (fee + energy + parking, incl(fee, "20") + incl(energy, "10") + incl(parking, "20"))
    assert totals(result) == amounts("7.00", "7.90") == expected
    assert result.totals.total_parking_cost.excl_vat == Decimal("1.50") == parking


@pytest.mark.parametrize(
    ("kwh", "expected"), [("50", amounts("10.00", "11.00")), ("30", amounts("8.00", "8.85"))]
)
def test_tariff_6_max_price(tariff_of: Source, kwh: str, expected: tuple[Decimal, Decimal]) -> None:
    """mod_tariffs "start fee + max price": 50 kWh capped at 10.00 / 11.00; 30 kWh → 8.00 / 8.85."""
    tariff = tariff_of(scenarios.START_FEE_MAX_PRICE)
    result = run(tariff, local("2019-06-01 10:00"), charge(120, kwh))
    fee, energy = D("0.50"), D(kwh) * D("0.25")
    uncapped = (fee + energy, incl(fee, "20") + incl(energy, "10"))
    worked_out = (min(uncapped[0], D("10.00")), min(uncapped[1], D("11.00")))
    assert totals(result) == expected == worked_out


def test_tariff_1_time_only_parking_not_billed(tariff_of: Source) -> None:
    """mod_tariffs "Simple Tariff example 2 per hour": 2.5 h → 5.00 / 5.50; parking is free."""
    tariff = tariff_of(scenarios.TIME_2_PER_HOUR)
    result = run(tariff, local(f"{MONDAY} 10:00"), charge(150, "30"), park(45))
    time = D("2.5") * D("2.00")
    assert totals(result) == amounts("5.00", "5.50") == (time, incl(time, "10"))
    assert result.totals.total_parking_cost.excl_vat == 0
    assert result.totals.total_parking_time == Decimal("0.75")


def test_tariff_13_time_and_parking(tariff_of: Source) -> None:
    """mod_tariffs "3 per hour, 5 per hour parking": 150 min + 42 min (billed 45)
    → 11.25 / 12.75."""
    tariff = tariff_of(scenarios.TIME_AND_PARKING)
    result = run(tariff, local(f"{MONDAY} 10:00"), charge(150, "30"), park(42))
    time, parking = D("2.5") * 3, D("0.75") * 5
    expected = (time + parking, incl(time, "10") + incl(parking, "20"))
    assert totals(result) == amounts("11.25", "12.75") == expected


def test_tariff_2_ad_hoc_time(tariff_of: Source) -> None:
    """mod_tariffs "Ad-Hoc simple Tariff example": 2.5 h → 4.75 / 5.00 (5.00 is 4.997 to cents)."""
    tariff = tariff_of(scenarios.AD_HOC_TIME)
    result = run(tariff, local(f"{MONDAY} 10:00"), charge(150, "30"))
    time = D("2.5") * D("1.90")
    assert totals(result) == amounts("4.7500", "4.9970") == (time, incl(time, "5.2"))
    rounded = run(tariff, local(f"{MONDAY} 10:00"), charge(150, "30"), decimals=2)
    assert totals(rounded) == amounts("4.75", "5.00") == (cents(time), cents(incl(time, "5.2")))


def test_tariff_11_credit_card_start_fee_incl_vat(tariff_of: Source) -> None:
    """mod_tariffs "Ad-Hoc Tariff example not possible with OCPI": the FLAT 0.40 at 25 % is the
    alt text's 0.50 credit-card start fee incl. VAT, the TIME 1.90/h at 5.2 % its 2.00/h."""
    tariff = tariff_of(scenarios.AD_HOC_CREDIT_CARD)
    result = run(tariff, local(f"{MONDAY} 10:00"), charge(60, "10"), decimals=2)
    assert result.totals.total_fixed_cost.incl_vat == Decimal("0.50") == incl(D("0.40"), "25")
    assert (
        result.totals.total_time_cost.incl_vat == Decimal("2.00") == cents(incl(D("1.90"), "5.2"))
    )


def test_tariff_3_energy_step_100_wh(tariff_of: Source) -> None:
    """mod_tariffs "Simple Tariff example with alternative URL": 20.45 kWh billed as 20.5 kWh →
    5.63 / 6.24 to cents (docs/spec-decisions.md "tariff_3_alt_url: the breakdown's quantity":
    the 2.2.1 text is right, the table's quantity is not)."""
    tariff = tariff_of(scenarios.ENERGY_PER_100_WH)
    result = run(tariff, local(f"{MONDAY} 10:00"), charge(60, "20.45"), decimals=2)
    fee, energy = D("0.50"), D("20.5") * D("0.25")
    expected = (cents(fee + energy), cents(incl(fee, "20") + incl(energy, "10")))
    assert totals(result) == amounts("5.63", "6.24") == expected
    energy_lines = [line for line in result.lines if line.dimension is TariffDimensionType.ENERGY]
    assert [line.billed for line in energy_lines] == [Decimal("20.5")]
    assert result.totals.total_energy_cost == Price(
        excl_vat=Decimal("5.13"), incl_vat=Decimal("5.64")
    )
    assert (cents(energy), cents(incl(energy, "10"))) == amounts("5.13", "5.64")


def test_tariff_3_at_the_real_time_price(tariff_of: Source) -> None:
    """mod_tariffs tariff_3 text: at 0.22 per kWh the same session costs 5.01 / 5.56."""
    body = tariff_of(scenarios.ENERGY_PER_100_WH).to_dict()
    body["elements"][0]["price_components"][1]["price"] = 0.22
    tariff = Tariff.from_json(json.dumps(body))
    result = run(tariff, local(f"{MONDAY} 10:00"), charge(60, "20.45"), decimals=2)
    fee, energy = D("0.50"), D("20.5") * D("0.22")
    expected = (cents(fee + energy), cents(incl(fee, "20") + incl(energy, "10")))
    assert totals(result) == amounts("5.01", "5.56") == expected


def test_tariff_4_complex_monday(tariff_of: Source) -> None:
    """mod_tariffs "Complex Tariff example": Monday 09:30, 165 min at 16 A + 42 min parking →
    9.00 / 10.30, lines 2.50/2.875, 2.75/3.30, 3.75/4.125."""
    tariff = tariff_of(scenarios.COMPLEX)
    result = run(tariff, local(f"{MONDAY} 09:30"), charge(165, "10", current="16"), park(42))
    # The start fee; 165 min below 32 A at 1.00/h; parking on a weekday 12:15-12:57 within
    # 09:00-18:00 at 5.00/h, 42 min billed as 45 (step 5 min).
    fee, time, parking = D("2.50"), D(165) / 60 * D("1.00"), D(45) / 60 * D("5.00")
    expected_lines = [
        ("FLAT", fee, incl(fee, "15")),
        ("TIME", time, incl(time, "20")),
        ("PARKING_TIME", parking, incl(parking, "10")),
    ]
    total = (fee + time + parking, sum(line[2] for line in expected_lines))
    assert totals(result) == amounts("9.00", "10.30") == total
    lines = [(line.dimension.value, line.excl_vat, line.incl_vat) for line in result.lines]
    assert [(d, float(e), float(i)) for d, e, i in lines] == [
        ("FLAT", 2.5, 2.875),
        ("TIME", 2.75, 3.3),
        ("PARKING_TIME", 3.75, 4.125),
    ]
    assert lines == expected_lines


def test_tariff_4_complex_saturday_erratum_a4(tariff_of: Source) -> None:
    """mod_tariffs "Complex Tariff example", Saturday 13:30, 114 min at 43 A + 71 min parking.
    docs/spec-decisions.md "Complex tariff example: the Saturday total": the spec says
    12.28 / 13.861, but 114 min x 1.25/h is 2.375, not 2.28."""
    tariff = tariff_of(scenarios.COMPLEX)
    result = run(tariff, local(f"{SATURDAY} 13:30"), charge(114, "40", current="43"), park(71))
    # The start fee; 114 min at 32 A or more on a weekend at 1.25/h; parking 15:24-16:35 on a
    # Saturday within 10:00-17:00 at 6.00/h, 71 min billed as 75 (step 5 min).
    fee, time, parking = D("2.50"), D(114) / 60 * D("1.25"), D(75) / 60 * D("6.00")
    expected = (fee + time + parking, incl(fee, "15") + incl(time, "20") + incl(parking, "10"))
    assert totals(result) == amounts("12.375", "13.975") == expected
    parking_lines = [
        line for line in result.lines if line.dimension is TariffDimensionType.PARKING_TIME
    ]
    assert [line.billed * 60 for line in parking_lines] == [75]


def test_tariff_5_free_of_charge(tariff_of: Source) -> None:
    """mod_tariffs "Free of Charge Tariff example" (docs/spec-decisions.md "step_size 0"): costs
    nothing."""
    tariff = tariff_of(scenarios.FREE)
    result = run(tariff, local(f"{MONDAY} 10:00"), charge(60, "20"), park(30))
    assert totals(result) == amounts("0", "0")
    assert [line.dimension for line in result.lines] == [TariffDimensionType.FLAT]


def _reserved(minutes: int, start: str = f"{MONDAY} 10:00") -> tuple[Reservation, datetime]:
    begin = local(start)
    return Reservation(begin), begin + timedelta(minutes=minutes)


# The session part of the reservation tariffs: start fee 0.50 (20 %) and 20 kWh at 0.25 (10 %).
SESSION_FEE, SESSION_ENERGY = D("0.50"), 20 * D("0.25")
SESSION = (SESSION_FEE + SESSION_ENERGY, incl(SESSION_FEE, "20") + incl(SESSION_ENERGY, "10"))


def test_tariff_15_reservation_per_hour(tariff_of: Source) -> None:
    """mod_tariffs "Tariff example with reservation price": session 15 min after the
    reservation, 20 kWh → 6.75 / 7.60."""
    reservation, session_start = _reserved(15)
    tariff = tariff_of(scenarios.RESERVATION_PER_HOUR)
    result = run(tariff, session_start, charge(60, "20"), reservation=reservation)
    reserved = D(15) / 60 * D("5.00")
    expected = (reserved + SESSION[0], incl(reserved, "20") + SESSION[1])
    assert totals(result) == amounts("6.75", "7.60") == expected
    assert result.totals.total_reservation_cost.excl_vat == Decimal("1.25") == reserved


def test_tariff_16_reservation_fee_and_start_fee(tariff_of: Source) -> None:
    """mod_tariffs "reservation price and fee": 13 min (billed 15) + 20 kWh → 8.75 / 10.00;
    the reservation FLAT and the session FLAT both apply."""
    reservation, session_start = _reserved(13)
    tariff = tariff_of(scenarios.RESERVATION_FEE)
    result = run(tariff, session_start, charge(60, "20"), reservation=reservation)
    reserved = D("2.00") + D(15) / 60 * D("5.00")
    expected = (reserved + SESSION[0], incl(reserved, "20") + SESSION[1])
    assert totals(result) == amounts("8.75", "10.00") == expected
    assert result.totals.total_reservation_cost.excl_vat == Decimal("3.25") == reserved
    assert result.totals.total_fixed_cost.excl_vat == Decimal("0.50") == SESSION_FEE


def test_tariff_17_reservation_used(tariff_of: Source) -> None:
    """mod_tariffs "reservation price and expire fee": used after 22 min (billed 30)
    → 6.50 / 7.30."""
    reservation, session_start = _reserved(22)
    tariff = tariff_of(scenarios.RESERVATION_EXPIRE_FEE)
    result = run(tariff, session_start, charge(60, "20"), reservation=reservation)
    reserved = D(30) / 60 * D("2.00")
    expected = (reserved + SESSION[0], incl(reserved, "20") + SESSION[1])
    assert totals(result) == amounts("6.50", "7.30") == expected


def _expired(tariff: Tariff, minutes: int) -> PricingResult:
    begin = local(f"{MONDAY} 10:00")
    reservation = Reservation(begin, begin + timedelta(minutes=minutes), expired=True)
    return price(tariff, timeline_from_samples([], reservation=reservation), "Europe/Amsterdam")


def test_tariff_17_reservation_expired(tariff_of: Source) -> None:
    """tariff_17: expired after 1 h → expiry fee 4.00 + 60 min at 2.00/h = 6.00 / 7.20."""
    result = _expired(tariff_of(scenarios.RESERVATION_EXPIRE_FEE), 60)
    reserved = D("4.00") + 1 * D("2.00")
    assert totals(result) == amounts("6.00", "7.20") == (reserved, incl(reserved, "20"))


def test_tariff_18_reservation_used(tariff_of: Source) -> None:
    """mod_tariffs "reservation time and expire time": used after 22 min → 7.00 / 7.90."""
    reservation, session_start = _reserved(22)
    tariff = tariff_of(scenarios.RESERVATION_EXPIRE_TIME)
    result = run(tariff, session_start, charge(60, "20"), reservation=reservation)
    reserved = D(30) / 60 * D("3.00")  # 22 min billed as 30 (step 10 min)
    expected = (reserved + SESSION[0], incl(reserved, "20") + SESSION[1])
    assert totals(result) == amounts("7.00", "7.90") == expected


def test_tariff_18_reservation_expired_uses_only_the_expires_time(tariff_of: Source) -> None:
    """tariff_18: expired after 1.5 h → only the RESERVATION_EXPIRES rate, 9.00 / 10.80
    (mod_tariffs "ReservationRestrictionType" note)."""
    result = _expired(tariff_of(scenarios.RESERVATION_EXPIRE_TIME), 90)
    reserved = D("1.5") * D("6.00")
    assert totals(result) == amounts("9.00", "10.80") == (reserved, incl(reserved, "20"))


# tariff_14, no VAT: TIME 1.20/h (step 30 min) before 17:00, 2.40/h (step 15 min) after; parking
# 1.00/h (step 15 min) until 20:00, then free. Only the total of the last time-based dimension is
# rounded, with the step of its last period.
STEP_SIZE_CASES = [
    # 5 min at 1.20/h + 5 min at 2.40/h; 2 min parking billed as 15
    ("16:55", (charge(10, "2"), park(2)), "0.55", D(5) / 60 * D("1.20") + D(5) / 60 * D("2.40")),
    # 25 min at 1.20/h + 10 min at 2.40/h; the 35 min are billed as 45, the surplus at 2.40/h
    ("16:35", (charge(35, "5"),), "1.30", D(25) / 60 * D("1.20") + D(20) / 60 * D("2.40")),
    # 12 min at 2.40/h; 8 min parking before 20:00 billed as 15, 12 min after 20:00 free
    ("19:40", (charge(12, "2"), park(20)), "0.73", D(12) / 60 * D("2.40")),
]
STEP_SIZE_PARKING = {"16:55": D(15) / 60, "16:35": D(0), "19:40": D(15) / 60}


@pytest.mark.parametrize(
    ("start", "parts", "expected", "time_cost"),
    STEP_SIZE_CASES,
    ids=["#1-switching-element", "#2-time-only", "#3-switching-to-free"],
)
def test_tariff_14_step_size_examples(
    tariff_of: Source, start: str, parts: tuple[Part, ...], expected: str, time_cost: Decimal
) -> None:
    """mod_tariffs "PriceComponent" step_size examples #1 (0.55), #2 (1.30) and
    "switching to Free-of-Charge" (0.73, the 2025 fix of the former 0.80)."""
    tariff = tariff_of(scenarios.STEP_SIZE)
    result = run(tariff, local(f"{MONDAY} {start}"), *parts)
    worked_out = time_cost + STEP_SIZE_PARKING[start] * D("1.00")
    assert result.totals.total_cost.excl_vat == Decimal(expected) == worked_out


def test_tariffrestriction_max_power(tariff_of: Source) -> None:
    """mod_tariffs "Tariff with max_power Tariff Restrictions": 1 kWh at 6 kW + 40 kWh at 48 kW
    + 0.5 kWh at 4 kW → 20.30 excl."""
    tariff = tariff_of(scenarios.MAX_POWER)
    result = run(
        tariff,
        local(f"{MONDAY} 10:00"),
        charge(10, "1", power="6"),
        charge(50, "40", power="48"),
        charge("7.5", "0.5", power="4"),
    )
    # Below 16 kW at 0.20, above 32 kW at 0.50.
    costs = [1 * D("0.20"), 40 * D("0.50"), D("0.5") * D("0.20")]
    excl = sum(costs, D(0))
    assert totals(result) == amounts("20.30", "24.36") == (excl, incl(excl, "20"))
    assert [line.excl_vat for line in result.lines] == [Decimal("0.20"), 20, Decimal("0.10")]
    assert [line.excl_vat for line in result.lines] == costs


def test_tariffrestriction_max_duration(tariff_of: Source) -> None:
    """mod_tariffs "Tariff with max_duration Tariff Restrictions": 40 min, 5 kWh in the first
    30 min free, 1.2 kWh after at 0.25 → 0.30 excl."""
    tariff = tariff_of(scenarios.MAX_DURATION)
    result = run(tariff, local(f"{MONDAY} 10:00"), charge(30, "5"), charge(10, "1.2"))
    energy = 5 * D("0.00") + D("1.2") * D("0.25")
    assert totals(result) == amounts("0.30", "0.36") == (energy, incl(energy, "20"))
