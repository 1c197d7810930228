"""Every priced scenario of the spec's tariff chapter (DIGEST 4.9), with the spec's amounts.

Local times are Europe/Amsterdam; the spec gives no time zone and only the local clock matters.
Amounts are the engine's exact results unless a test says it rounds like the spec's text.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from openroam.models.v221.tariffs import Tariff, TariffDimensionType
from openroam.models.v221.types import Price
from openroam.pricing import PricingResult, Reservation, price, timeline_from_samples
from tests.pricing.support import Part, amounts, charge, local, park, run, spec_tariff, totals

MONDAY = "2024-06-03"
SATURDAY = "2024-06-08"


def test_tariff_8_simple_energy() -> None:
    """mod_tariffs "Simple Tariff example 0.25 per kWh": 20 kWh → 5.00 / 5.50."""
    result = run(
        spec_tariff("tariff_8_simple_025kwh.json"), local(f"{MONDAY} 10:00"), charge(60, "20")
    )
    assert totals(result) == amounts("5.00", "5.50")
    assert result.totals.total_energy_cost.excl_vat == 5


def test_tariff_9_energy_and_start_fee() -> None:
    """mod_tariffs "0.25 per kWh + start fee": 20 kWh → 5.50 / 6.10."""
    result = run(
        spec_tariff("tariff_9_025kwh_start.json"), local(f"{MONDAY} 10:00"), charge(60, "20")
    )
    assert totals(result) == amounts("5.50", "6.10")
    assert result.totals.total_fixed_cost.excl_vat == Decimal("0.50")


@pytest.mark.parametrize(
    ("kwh", "expected"),
    [
        ("20", amounts("5.00", "5.50")),
        ("1", amounts("0.50", "0.55")),
        ("1.999", amounts("0.50", "0.55")),
    ],
)
def test_tariff_12_min_price(kwh: str, expected: tuple[Decimal, Decimal]) -> None:
    """mod_tariffs "0.25 per kWh + minimum price": 20 kWh → 5.00 / 5.50; below 2 kWh the
    minimum, 0.50 / 0.55."""
    result = run(
        spec_tariff("tariff_12_025kwh_min_price.json"), local(f"{MONDAY} 10:00"), charge(60, kwh)
    )
    assert totals(result) == expected


def test_tariff_10_parking_rounded_to_15_minutes() -> None:
    """mod_tariffs "0.25 per kWh + parking fee + start fee": 20 kWh + 40 min parking (billed 45)
    → 7.00 / 7.90."""
    result = run(
        spec_tariff("tariff_10_025kwh_parking_start.json"),
        local(f"{MONDAY} 10:00"),
        charge(90, "20"),
        park(40),
    )
    assert totals(result) == amounts("7.00", "7.90")
    assert result.totals.total_parking_cost.excl_vat == Decimal("1.50")


@pytest.mark.parametrize(
    ("kwh", "expected"), [("50", amounts("10.00", "11.00")), ("30", amounts("8.00", "8.85"))]
)
def test_tariff_6_max_price(kwh: str, expected: tuple[Decimal, Decimal]) -> None:
    """mod_tariffs "start fee + max price": 50 kWh capped at 10.00 / 11.00; 30 kWh → 8.00 / 8.85."""
    tariff = spec_tariff("tariff_6_025kwh_start_max_price.json")
    result = run(tariff, local("2019-06-01 10:00"), charge(120, kwh))
    assert totals(result) == expected


def test_tariff_1_time_only_parking_not_billed() -> None:
    """mod_tariffs "Simple Tariff example 2 per hour": 2.5 h → 5.00 / 5.50; parking is free."""
    tariff = spec_tariff("tariff_1_simple_2hour.json")
    result = run(tariff, local(f"{MONDAY} 10:00"), charge(150, "30"), park(45))
    assert totals(result) == amounts("5.00", "5.50")
    assert result.totals.total_parking_cost.excl_vat == 0
    assert result.totals.total_parking_time == Decimal("0.75")


def test_tariff_13_time_and_parking() -> None:
    """mod_tariffs "3 per hour, 5 per hour parking": 150 min + 42 min (billed 45)
    → 11.25 / 12.75."""
    tariff = spec_tariff("tariff_13_simple_3hour_5parking.json")
    result = run(tariff, local(f"{MONDAY} 10:00"), charge(150, "30"), park(42))
    assert totals(result) == amounts("11.25", "12.75")


def test_tariff_2_ad_hoc_time() -> None:
    """mod_tariffs "Ad-Hoc simple Tariff example": 2.5 h → 4.75 / 5.00 (5.00 is 4.997 to cents)."""
    tariff = spec_tariff("tariff_2_alt_text.json")
    result = run(tariff, local(f"{MONDAY} 10:00"), charge(150, "30"))
    assert totals(result) == amounts("4.7500", "4.9970")
    cents = run(tariff, local(f"{MONDAY} 10:00"), charge(150, "30"), decimals=2)
    assert totals(cents) == amounts("4.75", "5.00")


def test_tariff_11_credit_card_start_fee_incl_vat() -> None:
    """mod_tariffs "Ad-Hoc Tariff example not possible with OCPI": the FLAT 0.40 at 25 % is the
    alt text's 0.50 credit-card start fee incl. VAT, the TIME 1.90/h at 5.2 % its 2.00/h."""
    tariff = spec_tariff("tariff_11_not_possible_alt_text.json")
    result = run(tariff, local(f"{MONDAY} 10:00"), charge(60, "10"), decimals=2)
    assert result.totals.total_fixed_cost.incl_vat == Decimal("0.50")
    assert result.totals.total_time_cost.incl_vat == Decimal("2.00")


def test_tariff_3_energy_step_100_wh() -> None:
    """mod_tariffs "Simple Tariff example with alternative URL": 20.45 kWh billed as 20.5 kWh →
    5.63 / 6.24 to cents (DIGEST A5: the 2.2.1 text is right, the table's quantity is not)."""
    tariff = spec_tariff("tariff_3_alt_url.json")
    result = run(tariff, local(f"{MONDAY} 10:00"), charge(60, "20.45"), decimals=2)
    assert totals(result) == amounts("5.63", "6.24")
    energy = [line for line in result.lines if line.dimension is TariffDimensionType.ENERGY]
    assert [line.billed for line in energy] == [Decimal("20.5")]
    assert result.totals.total_energy_cost == Price(
        excl_vat=Decimal("5.13"), incl_vat=Decimal("5.64")
    )


def test_tariff_3_at_the_real_time_price() -> None:
    """mod_tariffs tariff_3 text: at 0.22 per kWh the same session costs 5.01 / 5.56."""
    body = spec_tariff("tariff_3_alt_url.json").to_dict()
    body["elements"][0]["price_components"][1]["price"] = 0.22
    tariff = Tariff.from_json(json.dumps(body))
    result = run(tariff, local(f"{MONDAY} 10:00"), charge(60, "20.45"), decimals=2)
    assert totals(result) == amounts("5.01", "5.56")


def test_tariff_4_complex_monday() -> None:
    """mod_tariffs "Complex Tariff example": Monday 09:30, 165 min at 16 A + 42 min parking →
    9.00 / 10.30, lines 2.50/2.875, 2.75/3.30, 3.75/4.125."""
    tariff = spec_tariff("tariff_4_complex.json")
    result = run(tariff, local(f"{MONDAY} 09:30"), charge(165, "10", current="16"), park(42))
    assert totals(result) == amounts("9.00", "10.30")
    lines = [(line.dimension.value, line.excl_vat, line.incl_vat) for line in result.lines]
    assert [(d, float(e), float(i)) for d, e, i in lines] == [
        ("FLAT", 2.5, 2.875),
        ("TIME", 2.75, 3.3),
        ("PARKING_TIME", 3.75, 4.125),
    ]


def test_tariff_4_complex_saturday_erratum_a4() -> None:
    """mod_tariffs "Complex Tariff example", Saturday 13:30, 114 min at 43 A + 71 min parking.
    DIGEST A4: the spec says 12.28 / 13.861, but 114 min x 1.25/h is 2.375, not 2.28."""
    tariff = spec_tariff("tariff_4_complex.json")
    result = run(tariff, local(f"{SATURDAY} 13:30"), charge(114, "40", current="43"), park(71))
    assert totals(result) == amounts("12.375", "13.975")
    parking = [line for line in result.lines if line.dimension is TariffDimensionType.PARKING_TIME]
    assert [line.billed * 60 for line in parking] == [75]


def test_tariff_5_free_of_charge() -> None:
    """mod_tariffs "Free of Charge Tariff example" (step_size 0, DIGEST A26): costs nothing."""
    tariff = spec_tariff("tariff_5_free_of_charge.json")
    result = run(tariff, local(f"{MONDAY} 10:00"), charge(60, "20"), park(30))
    assert totals(result) == amounts("0", "0")
    assert [line.dimension for line in result.lines] == [TariffDimensionType.FLAT]


def _reserved(minutes: int, start: str = f"{MONDAY} 10:00") -> tuple[Reservation, datetime]:
    begin = local(start)
    return Reservation(begin), begin + timedelta(minutes=minutes)


def test_tariff_15_reservation_per_hour() -> None:
    """mod_tariffs "Tariff example with reservation price": session 15 min after the
    reservation, 20 kWh → 6.75 / 7.60."""
    reservation, session_start = _reserved(15)
    tariff = spec_tariff("tariff_15_reservation_5_euro_per_hour.json")
    result = run(tariff, session_start, charge(60, "20"), reservation=reservation)
    assert totals(result) == amounts("6.75", "7.60")
    assert result.totals.total_reservation_cost.excl_vat == Decimal("1.25")


def test_tariff_16_reservation_fee_and_start_fee() -> None:
    """mod_tariffs "reservation price and fee": 13 min (billed 15) + 20 kWh → 8.75 / 10.00;
    the reservation FLAT and the session FLAT both apply."""
    reservation, session_start = _reserved(13)
    tariff = spec_tariff("tariff_16_reservation_2_euro_fee_5_euro_per_hour.json")
    result = run(tariff, session_start, charge(60, "20"), reservation=reservation)
    assert totals(result) == amounts("8.75", "10.00")
    assert result.totals.total_reservation_cost.excl_vat == Decimal("3.25")
    assert result.totals.total_fixed_cost.excl_vat == Decimal("0.50")


def test_tariff_17_reservation_used() -> None:
    """mod_tariffs "reservation price and expire fee": used after 22 min (billed 30)
    → 6.50 / 7.30."""
    reservation, session_start = _reserved(22)
    tariff = spec_tariff("tariff_17_reservation_with_expire_fee.json")
    result = run(tariff, session_start, charge(60, "20"), reservation=reservation)
    assert totals(result) == amounts("6.50", "7.30")


def _expired(tariff_name: str, minutes: int) -> PricingResult:
    begin = local(f"{MONDAY} 10:00")
    reservation = Reservation(begin, begin + timedelta(minutes=minutes), expired=True)
    return price(
        spec_tariff(tariff_name),
        timeline_from_samples([], reservation=reservation),
        "Europe/Amsterdam",
    )


def test_tariff_17_reservation_expired() -> None:
    """tariff_17: expired after 1 h → expiry fee 4.00 + 60 min at 2.00/h = 6.00 / 7.20."""
    result = _expired("tariff_17_reservation_with_expire_fee.json", 60)
    assert totals(result) == amounts("6.00", "7.20")


def test_tariff_18_reservation_used() -> None:
    """mod_tariffs "reservation time and expire time": used after 22 min → 7.00 / 7.90."""
    reservation, session_start = _reserved(22)
    tariff = spec_tariff("tariff_18_reservation_with_expire_time.json")
    result = run(tariff, session_start, charge(60, "20"), reservation=reservation)
    assert totals(result) == amounts("7.00", "7.90")


def test_tariff_18_reservation_expired_uses_only_the_expires_time() -> None:
    """tariff_18: expired after 1.5 h → only the RESERVATION_EXPIRES rate, 9.00 / 10.80
    (mod_tariffs "ReservationRestrictionType" note)."""
    result = _expired("tariff_18_reservation_with_expire_time.json", 90)
    assert totals(result) == amounts("9.00", "10.80")


@pytest.mark.parametrize(
    ("start", "parts", "expected"),
    [
        ("16:55", (charge(10, "2"), park(2)), "0.55"),
        ("16:35", (charge(35, "5"),), "1.30"),
        ("19:40", (charge(12, "2"), park(20)), "0.73"),
    ],
    ids=["#1-switching-element", "#2-time-only", "#3-switching-to-free"],
)
def test_tariff_14_step_size_examples(start: str, parts: tuple[Part, ...], expected: str) -> None:
    """mod_tariffs "PriceComponent" step_size examples #1 (0.55), #2 (1.30) and
    "switching to Free-of-Charge" (0.73, the 2025 fix of the former 0.80)."""
    tariff = spec_tariff("tariff_14_step_size.json")
    result = run(tariff, local(f"{MONDAY} {start}"), *parts)
    assert result.totals.total_cost.excl_vat == Decimal(expected)


def test_tariffrestriction_max_power() -> None:
    """mod_tariffs "Tariff with max_power Tariff Restrictions": 1 kWh at 6 kW + 40 kWh at 48 kW
    + 0.5 kWh at 4 kW → 20.30 excl."""
    tariff = spec_tariff("tariffrestriction_example_max_power.json")
    result = run(
        tariff,
        local(f"{MONDAY} 10:00"),
        charge(10, "1", power="6"),
        charge(50, "40", power="48"),
        charge("7.5", "0.5", power="4"),
    )
    assert totals(result) == amounts("20.30", "24.36")
    costs = [line.excl_vat for line in result.lines]
    assert costs == [Decimal("0.20"), 20, Decimal("0.10")]


def test_tariffrestriction_max_duration() -> None:
    """mod_tariffs "Tariff with max_duration Tariff Restrictions": 40 min, 5 kWh in the first
    30 min free, 1.2 kWh after at 0.25 → 0.30 excl."""
    tariff = spec_tariff("tariffrestriction_example_max_duration.json")
    result = run(tariff, local(f"{MONDAY} 10:00"), charge(30, "5"), charge(10, "1.2"))
    assert totals(result) == amounts("0.30", "0.36")
