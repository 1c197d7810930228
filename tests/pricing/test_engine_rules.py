"""The engine's pricing rules: step_size, min/max_price, VAT, FLAT, free and reservation tariffs.

Worked examples from the spec's text are used where the text gives one (mod_cdrs.asciidoc
"step_size", mod_tariffs.asciidoc "PriceComponent class").
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from openroam.models.v221.tariffs import Tariff, TariffDimensionType
from openroam.pricing import PricingResult, Reservation, price, timeline_from_samples
from tests.pricing import scenarios
from tests.pricing.support import (
    amounts,
    charge,
    component,
    element,
    local,
    make_tariff,
    park,
    run,
    totals,
)

START = local("2024-06-03 16:54")


def billed(result: PricingResult, dimension: str) -> list[Decimal]:
    return [line.billed for line in result.lines if line.dimension.value == dimension]


# --- step_size ------------------------------------------------------------------------------


@pytest.mark.parametrize(("step", "expected"), [(1, "0.029"), (25, "0.03125"), (500, "0.125")])
def test_energy_step_size_price_component_examples(step: int, expected: str) -> None:
    """mod_tariffs "PriceComponent" note: 115.2 Wh at 0.25/kWh is billed as 116 Wh (0.029) with
    step 1, 125 Wh (the text's 0.031) with step 25, 500 Wh (0.125) with step 500."""
    tariff = make_tariff(element(component("ENERGY", "0.25", step)))
    result = run(tariff, START, charge(10, "0.1152"), decimals=None)
    assert result.totals.total_cost.excl_vat == Decimal(expected)


def test_energy_step_size_on_the_session_total() -> None:
    """mod_cdrs "step_size": 0.20/kWh before 17:00, 0.27 after, both step 500 Wh. 4.3 + 1.1 kWh
    = 5.4 kWh rounds to 5.5 kWh, so 1.2 kWh (not 1.5) is billed after 17:00."""
    tariff = make_tariff(
        element(component("ENERGY", "0.20", 500), end_time="17:00"),
        element(component("ENERGY", "0.27", 500)),
    )
    result = run(tariff, local("2024-06-03 16:00"), charge(60, "4.3"), charge(30, "1.1"))
    assert billed(result, "ENERGY") == [Decimal("4.3"), Decimal("1.2")]
    assert result.totals.total_cost.excl_vat == Decimal("1.184")


def test_exact_multiple_is_not_rounded_further() -> None:
    """docs/spec-decisions.md "step_size: an exact multiple is not rounded": "smallest multiple …
    greater than" read as ≥: 1 kWh with step 500 Wh is 1 kWh."""
    tariff = make_tariff(element(component("ENERGY", "1.00", 500)))
    assert billed(run(tariff, START, charge(10, "1")), "ENERGY") == [1]


def test_time_step_size_on_the_session_total() -> None:
    """mod_cdrs "step_size": 5/h before 17:00 and 7/h after, step 10 min: 6 + 22 min = 28 min
    rounds to 30, so 24 min are billed after 17:00 → 0.50 + 2.80."""
    tariff = make_tariff(
        element(component("TIME", "5.00", 600), end_time="17:00"),
        element(component("TIME", "7.00", 600)),
    )
    result = run(tariff, START, charge(28, "3"))
    assert [b * 60 for b in billed(result, "TIME")] == [6, 24]
    assert result.totals.total_cost.excl_vat == Decimal("3.30")


def test_time_step_six_minutes_billed_as_ten() -> None:
    """mod_tariffs "PriceComponent" step_size: TIME step 300, 6 minutes → 10 minutes."""
    tariff = make_tariff(element(component("TIME", "6.00", 300)))
    assert [b * 60 for b in billed(run(tariff, START, charge(6)), "TIME")] == [10]


def test_time_and_parking_only_parking_is_rounded() -> None:
    """mod_cdrs "step_size": both steps 5 min, 21 min charging + 7 min parking → charging 21 min
    (not 25), parking 10 min."""
    tariff = make_tariff(
        element(component("TIME", "1.00", 300), component("PARKING_TIME", "2.00", 300))
    )
    result = run(tariff, START, charge(21, "5"), park(7))
    assert billed(result, "TIME")[0] * 60 == 21
    assert billed(result, "PARKING_TIME")[0] * 60 == 10


def test_time_and_parking_ten_minute_steps() -> None:
    """mod_cdrs "step_size": 1/h charging and 2/h parking, steps 10 min, 21 + 16 min → parking
    20 min: 0.35 + 0.6667."""
    tariff = make_tariff(
        element(component("TIME", "1.00", 600), component("PARKING_TIME", "2.00", 600))
    )
    result = run(tariff, START, charge(21, "5"), park(16))
    assert billed(result, "PARKING_TIME")[0] * 60 == 20
    assert result.totals.total_cost.excl_vat == Decimal("1.0167")


def test_parking_component_absent_time_is_rounded() -> None:
    """A tariff without PARKING_TIME: parking is free, so TIME is the last time-based dimension
    and its total is rounded (tariff_1: step 60)."""
    result = run(scenarios.TIME_2_PER_HOUR, START, charge("10.5"), park(30))
    assert billed(result, "TIME")[0] * 60 == 11


# --- min_price / max_price ------------------------------------------------------------------


def test_max_price_bounds_excl_and_incl_separately() -> None:
    """mod_tariffs "Tariff object" notes: with VAT differing per component the incl. VAT bound
    can be reached while the excl. VAT one is not. FLAT 5 (no VAT) + ENERGY 0.50 at 20 %:
    10 kWh = 10.00 excl (< 10.50) but 11.00 incl (> 10.80)."""
    tariff = make_tariff(
        element(component("FLAT", "5.00"), component("ENERGY", "0.50", vat="20")),
        max_price={"excl_vat": Decimal("10.50"), "incl_vat": Decimal("10.80")},
    )
    result = run(tariff, START, charge(60, "10"))
    assert totals(result) == amounts("10.00", "10.80")
    assert [(a.bound, a.vat) for a in result.adjustment] == [("max_price", "incl_vat")]


def test_min_price_bounds_excl_and_incl_separately() -> None:
    """min_price applies to both: 0.4 kWh at 0.50 with 20 % VAT = 0.20 / 0.24 → 0.50 / 0.60."""
    tariff = make_tariff(
        element(component("ENERGY", "0.50", vat="20")),
        min_price={"excl_vat": Decimal("0.50"), "incl_vat": Decimal("0.60")},
    )
    result = run(tariff, START, charge(5, "0.4"))
    assert totals(result) == amounts("0.50", "0.60")
    # Local policy (docs/spec-decisions.md "min_price and max_price in the breakdown"): the
    # breakdown keeps the tariff's own amounts.
    assert result.totals.total_energy_cost.excl_vat == Decimal("0.20")


def test_min_price_without_incl_vat_bounds_only_excl() -> None:
    """docs/spec-decisions.md "min_price or max_price without incl_vat": a min_price without
    incl_vat only bounds the excl. VAT total."""
    tariff = make_tariff(
        element(component("ENERGY", "0.50", vat="20")), min_price={"excl_vat": Decimal("1.00")}
    )
    assert totals(run(tariff, START, charge(5, "1"))) == amounts("1.00", "0.60")


def test_min_price_is_not_a_flat_fee() -> None:
    """mod_tariffs "min_price": unlike a FLAT fee, a session above the minimum costs its own
    amount (tariff_12 20 kWh → 5.00, tariff_9 with a start fee → 5.50)."""
    with_min = run(scenarios.ENERGY_MIN_PRICE, START, charge(60, "20"))
    with_fee = run(scenarios.ENERGY_START_FEE, START, charge(60, "20"))
    assert totals(with_min)[0] == 5
    assert totals(with_fee)[0] == Decimal("5.50")


# --- VAT ------------------------------------------------------------------------------------


def test_vat_per_component() -> None:
    """mod_tariffs "PriceComponent" vat: FLAT 1.00 at 21 %, ENERGY 0.30 at 9 %, TIME 1.00 with
    no VAT applicable (absent ≠ 0 %): incl = Σ excl x (1 + vat/100)."""
    tariff = make_tariff(
        element(
            component("FLAT", "1.00", vat="21"),
            component("ENERGY", "0.30", vat="9"),
            component("TIME", "1.00"),
        )
    )
    result = run(tariff, START, charge(60, "10"))
    incl = {line.dimension.value: line.incl_vat for line in result.lines}
    assert incl == {"FLAT": Decimal("1.21"), "ENERGY": Decimal("3.27"), "TIME": 1}
    assert totals(result) == amounts("5.00", "5.48")


def test_vat_zero_percent_and_absent_cost_the_same() -> None:
    """vat 0.0 (0 %) and no vat give the same amount; the difference is legal, not arithmetic."""
    zero = make_tariff(element(component("ENERGY", "0.30", vat="0")))
    absent = make_tariff(element(component("ENERGY", "0.30")))
    assert totals(run(zero, START, charge(60, "10"))) == totals(
        run(absent, START, charge(60, "10"))
    )


# --- FLAT and free --------------------------------------------------------------------------


def test_flat_charged_once_even_when_active_in_several_periods() -> None:
    """A FLAT component active in many periods (split by an ENERGY threshold) is charged once."""
    tariff = make_tariff(
        element(component("FLAT", "1.00"), component("ENERGY", "0.30"), max_kwh="5"),
        element(component("ENERGY", "0.20")),
        element(component("FLAT", "1.00")),
    )
    result = run(tariff, START, charge(60, "10"), park(10), charge(10, "1"))
    flats = [line for line in result.lines if line.dimension is TariffDimensionType.FLAT]
    assert [(f.component.element, f.excl_vat) for f in flats] == [(0, Decimal(1)), (2, Decimal(1))]


def test_flat_in_time_restricted_element_charged_when_active() -> None:
    """Local policy (docs/spec-decisions.md "FLAT in a time-restricted element"): a FLAT of a
    time-restricted element is charged once if that element applies at any moment of the
    session."""
    tariff = make_tariff(
        element(component("FLAT", "2.00"), start_time="18:00", end_time="22:00"),
        element(component("ENERGY", "0.30")),
    )
    before = run(tariff, local("2024-06-03 16:00"), charge(60, "10"))
    across = run(tariff, local("2024-06-03 17:30"), charge(60, "10"))
    assert before.totals.total_fixed_cost.excl_vat == 0
    assert across.totals.total_fixed_cost.excl_vat == 2


def test_free_tariff_with_parking_and_long_session() -> None:
    """mod_tariffs "Tariff Object" (Free of Charge) and "Free of Charge Tariff example": nothing
    costs anything, whatever the session does."""
    tariff = scenarios.FREE
    result = run(tariff, START, charge(600, "80", current="32"), park(600))
    assert totals(result) == amounts("0", "0")
    assert result.totals.total_energy == 80


def test_session_without_any_matching_component_is_free() -> None:
    """mod_tariffs "Tariff object": no matching element for a dimension → no costs for it."""
    tariff = make_tariff(element(component("ENERGY", "0.30"), day_of_week=["SUNDAY"]))
    assert totals(run(tariff, START, charge(60, "10"))) == amounts("0", "0")


# --- reservations ---------------------------------------------------------------------------


def _reservation_run(tariff: Tariff, minutes: int, *, expired: bool = False) -> PricingResult:
    begin = local("2024-06-03 10:00")
    end = begin.astimezone(START.tzinfo) + timedelta(minutes=minutes)
    if expired:
        timeline = timeline_from_samples([], reservation=Reservation(begin, end, expired=True))
        return price(tariff, timeline, "Europe/Amsterdam")
    return run(tariff, end, charge(60, "20"), reservation=Reservation(begin))


def test_reservation_followed_by_session_has_no_expiry_fee() -> None:
    """tariff_17: the RESERVATION_EXPIRES FLAT is only charged when the reservation expires."""
    used = _reservation_run(scenarios.RESERVATION_EXPIRE_FEE, 22)
    expired = _reservation_run(scenarios.RESERVATION_EXPIRE_FEE, 22, expired=True)
    assert used.totals.total_reservation_cost.excl_vat == 1
    assert expired.totals.total_reservation_cost.excl_vat == 5
    assert expired.totals.total_fixed_cost.excl_vat == 0  # no session, no start fee


def test_expired_reservation_keeps_the_reservation_fee() -> None:
    """Local policy: an expired reservation of tariff_16 (no RESERVATION_EXPIRES element) costs
    its reservation fee 2.00 and time 60 min at 5/h."""
    result = _reservation_run(scenarios.RESERVATION_FEE, 60, expired=True)
    assert totals(result) == amounts("7.00", "8.40")


def test_reservation_elements_do_not_price_the_session() -> None:
    """A reservation element prices only the reservation: without one, the session of
    tariff_15 costs FLAT + ENERGY, 5.50 / 6.10, and the reservation TIME is not charging TIME."""
    result = run(scenarios.RESERVATION_PER_HOUR, START, charge(60, "20"))
    assert totals(result) == amounts("5.50", "6.10")
    assert result.totals.total_time_cost.excl_vat == 0


def test_reservation_periods_in_output() -> None:
    """The reservation is a ChargingPeriod with RESERVATION_TIME (mod_cdrs CdrDimensionType)."""
    result = _reservation_run(scenarios.RESERVATION_PER_HOUR, 15)
    first = result.charging_periods()[0]
    assert [(d.type.value, d.volume) for d in first.dimensions] == [
        ("RESERVATION_TIME", Decimal("0.25"))
    ]
    assert result.totals.total_time == 1  # the session, without the reservation


def test_expired_reservation_cannot_have_a_session() -> None:
    begin = local("2024-06-03 10:00")
    with pytest.raises(ValueError, match="expired reservation"):
        run(
            scenarios.RESERVATION_EXPIRE_FEE,
            begin + timedelta(minutes=10),
            charge(10, "1"),
            reservation=Reservation(begin, expired=True),
        )


# --- rounding -------------------------------------------------------------------------------


def test_rounding_half_up_on_totals_only() -> None:
    """OCPI defines no rounding (mod_tariffs "Tariff object" NOTE). Local policy: exact
    arithmetic, each reported amount rounded once, half up. 3 x 0.125 = 0.375 → 0.38."""
    tariff = make_tariff(element(component("ENERGY", "0.125")))
    result = run(tariff, START, charge(30, "1"), charge(30, "1"), charge(30, "1"), decimals=2)
    assert result.totals.total_cost.excl_vat == Decimal("0.38")
    assert result.total.excl_vat == Decimal("0.375")


def test_min_price_above_max_price_max_wins() -> None:
    """An inconsistent tariff (min_price > max_price): the session never costs more than
    max_price ("will NOT cost more than this amount"); local policy."""
    tariff = make_tariff(
        element(component("ENERGY", "0.50")),
        min_price={"excl_vat": Decimal("5.00")},
        max_price={"excl_vat": Decimal("4.00")},
    )
    result = run(tariff, START, charge(10, "1"))
    assert result.total.excl_vat == 4
    assert [a.bound for a in result.adjustment] == ["min_price", "max_price"]
