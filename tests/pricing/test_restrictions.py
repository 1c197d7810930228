"""mod_tariffs.asciidoc "TariffRestrictions class": elements switching on and off mid-session.

Each test prices a session whose restriction changes verdict inside it and checks both the cost
and that a ChargingPeriod starts at the switch (mod_cdrs.asciidoc "ChargingPeriod").
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from openroam.models.v221.tariffs import TariffDimensionType
from openroam.pricing import PricingResult
from tests.pricing import scenarios
from tests.pricing.support import (
    charge,
    component,
    element,
    local,
    make_tariff,
    park,
    run,
)


def period_starts(result: PricingResult) -> list[str]:
    return [f"{p.start_date_time:%Y-%m-%d %H:%M:%S}" for p in result.charging_periods()]


def line_costs(result: PricingResult, dimension: str) -> list[Decimal]:
    return [line.excl_vat for line in result.lines if line.dimension.value == dimension]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


NIGHT_AND_DAY = make_tariff(
    element(component("TIME", "1.00"), start_time="22:00", end_time="06:00"),
    element(component("TIME", "3.00")),
)


def test_time_window_crossing_midnight() -> None:
    """TariffRestrictions end_time < start_time wraps to the next day (22:00-06:00): a session
    21:00-07:00 local has 1 h day, 8 h night, 1 h day."""
    result = run(NIGHT_AND_DAY, local("2024-06-03 21:00"), charge(600, "50"))
    assert line_costs(result, "TIME") == [3, 8, 3]
    # Amsterdam is UTC+2 in June: periods start at 21:00, 22:00 and 06:00 local.
    assert period_starts(result) == [
        "2024-06-03 19:00:00",
        "2024-06-03 20:00:00",
        "2024-06-04 04:00:00",
    ]


def test_end_time_midnight_means_end_of_day() -> None:
    """TariffRestrictions end_time: "To stop at end of the day use: 00:00" (17:00-00:00)."""
    tariff = make_tariff(
        element(component("ENERGY", "0.50"), start_time="17:00", end_time="00:00"),
        element(component("ENERGY", "0.20")),
    )
    result = run(tariff, local("2024-06-03 23:00"), charge(120, "12"))
    assert line_costs(result, "ENERGY") == [Decimal("3.00"), Decimal("1.20")]


def test_start_time_inclusive_end_time_exclusive() -> None:
    """start_time is "valid from", end_time "valid until" (mod_tariffs "TariffRestrictions
    class"; docs/spec-decisions.md "end_time is exclusive"): a session that starts at
    exactly 22:00 is night rate from its first second and day rate from exactly 06:00."""
    result = run(NIGHT_AND_DAY, local("2024-06-03 22:00"), charge(480, "8"), charge(60, "1"))
    assert line_costs(result, "TIME") == [8, 3]


def test_only_start_time_or_only_end_time() -> None:
    """Local policy (docs/spec-decisions.md "Time window with only start_time or end_time"):
    start_time alone runs to midnight, end_time alone from
    midnight."""
    evening = make_tariff(
        element(component("TIME", "2.00"), start_time="18:00"), element(component("TIME", "1.00"))
    )
    morning = make_tariff(
        element(component("TIME", "2.00"), end_time="08:00"), element(component("TIME", "1.00"))
    )
    assert line_costs(run(evening, local("2024-06-03 17:00"), charge(480)), "TIME") == [1, 12, 1]
    assert line_costs(run(morning, local("2024-06-03 07:00"), charge(120)), "TIME") == [2, 1]
    # end_time 00:00 is the end of the day, also alone: from midnight to midnight.
    all_day = make_tariff(
        element(component("TIME", "2.00"), end_time="00:00"), element(component("TIME", "1.00"))
    )
    assert line_costs(run(all_day, local("2024-06-03 23:00"), charge(120)), "TIME") == [4]


WINDOW_2_TO_3 = make_tariff(
    element(component("TIME", "10.00"), start_time="02:00", end_time="03:00"),
    element(component("TIME", "1.00")),
)


def test_dst_end_night_amsterdam_repeats_the_hour() -> None:
    """DST (Europe/Amsterdam, 2024-10-27, 03:00 CEST → 02:00 CET): restrictions read the wall
    clock, so 02:00-03:00 happens twice. 00:00-05:00 local lasts 6 h: 2 h at 10 + 4 h at 1."""
    result = run(WINDOW_2_TO_3, local("2024-10-27 00:00"), charge(360, "30"))
    assert result.totals.total_cost.excl_vat == 24
    assert result.totals.total_time == 6
    assert period_starts(result) == [
        "2024-10-26 22:00:00",
        "2024-10-27 00:00:00",
        "2024-10-27 02:00:00",
    ]


def test_dst_start_night_amsterdam_skips_the_hour() -> None:
    """DST (Europe/Amsterdam, 2024-03-31, 02:00 CET → 03:00 CEST): 02:00-03:00 never happens.
    00:00-05:00 local lasts 4 h, all at 1/h, in one period."""
    result = run(WINDOW_2_TO_3, local("2024-03-31 00:00"), charge(240, "30"))
    assert result.totals.total_cost.excl_vat == 4
    assert len(result.charging_periods()) == 1


def test_dst_night_window_lengths() -> None:
    """22:00-06:00 is 9 real hours on the night the clocks go back and 7 on the night they go
    forward; the day rate applies outside it."""
    autumn = run(NIGHT_AND_DAY, local("2024-10-26 21:00"), charge(660))
    spring = run(NIGHT_AND_DAY, local("2024-03-30 21:00"), charge(540))
    assert line_costs(autumn, "TIME") == [3, 9, 3]
    assert line_costs(spring, "TIME") == [3, 7, 3]


def test_dst_change_inside_time_window_keeps_boundaries() -> None:
    """A window starting at 02:30 on the spring-forward night starts when the clock jumps to
    03:00 (the first local time ≥ 02:30), i.e. 01:00 UTC."""
    tariff = make_tariff(
        element(component("TIME", "6.00"), start_time="02:30", end_time="04:00"),
        element(component("TIME", "1.00")),
    )
    result = run(tariff, local("2024-03-31 01:00"), charge(120))
    assert period_starts(result) == ["2024-03-31 00:00:00", "2024-03-31 01:00:00"]
    assert line_costs(result, "TIME") == [1, 6]


WEEKEND = make_tariff(
    element(component("ENERGY", "0.30"), day_of_week=["SATURDAY", "SUNDAY"]),
    element(component("ENERGY", "0.40")),
)


def test_day_of_week_switch_during_session() -> None:
    """TariffRestrictions day_of_week: Friday 23:00 to Saturday 01:00 local, 10 kWh each hour;
    the weekend price starts at local midnight."""
    result = run(WEEKEND, local("2024-06-07 23:00"), charge(120, "20"))
    assert line_costs(result, "ENERGY") == [4, 3]
    assert period_starts(result)[1] == "2024-06-07 22:00:00"  # 00:00 CEST


def test_start_date_inclusive_end_date_exclusive() -> None:
    """TariffRestrictions start_date "valid from this day (inclusive)", end_date "(exclusive)"."""
    tariff = make_tariff(
        element(component("ENERGY", "0.10"), start_date="2024-12-24", end_date="2024-12-27"),
        element(component("ENERGY", "0.30")),
    )
    before = run(tariff, local("2024-12-23 23:00"), charge(120, "2"))
    after = run(tariff, local("2024-12-26 23:00"), charge(120, "2"))
    assert line_costs(before, "ENERGY") == [Decimal("0.30"), Decimal("0.10")]
    assert line_costs(after, "ENERGY") == [Decimal("0.10"), Decimal("0.30")]


TIERS = make_tariff(
    element(component("ENERGY", "0.30"), max_kwh="10"),
    element(component("ENERGY", "0.20"), min_kwh="10", max_kwh="30"),
    element(component("ENERGY", "0.10")),
)


def test_kwh_thresholds_reached_mid_session() -> None:
    """min_kwh (inclusive) / max_kwh (exclusive) on the session's energy so far: 40 kWh charged
    evenly in 2 h crosses 10 kWh at 30 min and 30 kWh at 90 min (interpolated)."""
    result = run(TIERS, local("2024-06-03 10:00"), charge(120, "40"))
    assert line_costs(result, "ENERGY") == [3, 4, 1]
    assert period_starts(result) == [
        "2024-06-03 08:00:00",
        "2024-06-03 08:30:00",
        "2024-06-03 09:30:00",
    ]
    volumes = [p.dimensions[0].volume for p in result.charging_periods()]
    assert volumes == [10, 20, 10]


def test_kwh_threshold_at_a_sample() -> None:
    """Exactly 10 kWh reached at a sample: the next period is priced by the min_kwh element."""
    result = run(TIERS, local("2024-06-03 10:00"), charge(30, "10"), charge(30, "5"))
    assert line_costs(result, "ENERGY") == [3, 1]


def test_current_restriction_boundary() -> None:
    """tariff_4: max_current 32 (exclusive) vs min_current 32 (inclusive): exactly 32 A is the
    min_current element (2.00/h on weekdays), 31.9 A the max_current one (1.00/h)."""
    tariff = scenarios.COMPLEX
    result = run(
        tariff,
        local("2024-06-03 20:00"),
        charge(60, "11", current="32"),
        charge(60, "7", current="31.9"),
    )
    assert line_costs(result, "TIME") == [2, 1]


def test_current_unknown_does_not_match_current_restrictions() -> None:
    """Local policy: an element restricted on current does not apply while the current is not
    known; the next matching element does."""
    tariff = make_tariff(
        element(component("TIME", "5.00"), min_current="16"), element(component("TIME", "1.00"))
    )
    assert line_costs(run(tariff, local("2024-06-03 10:00"), charge(60, "10")), "TIME") == [1]


def test_power_restriction_switches_on_and_off() -> None:
    """min_power / max_power are instantaneous: the element stops applying as soon as power drops
    below min_power, and applies again when it rises (mod_tariffs TariffRestrictions)."""
    tariff = make_tariff(
        element(component("ENERGY", "0.60"), min_power="50"), element(component("ENERGY", "0.40"))
    )
    result = run(
        tariff,
        local("2024-06-03 10:00"),
        charge(20, "20", power="60"),
        charge(20, "10", power="30"),
        charge(10, "10", power="60"),
    )
    assert line_costs(result, "ENERGY") == [12, 4, 6]


def test_power_defaults_to_average_power() -> None:
    """Without a measured power, a segment's power is its average (kWh / h): 11 kWh in 1 h is
    11 kW, below max_power 22."""
    tariff = make_tariff(
        element(component("ENERGY", "0.25"), max_power="22"), element(component("ENERGY", "0.50"))
    )
    assert line_costs(run(tariff, local("2024-06-03 10:00"), charge(60, "11")), "ENERGY") == [
        Decimal("2.75")
    ]


def test_max_duration_and_min_duration_boundaries() -> None:
    """max_duration exclusive, min_duration inclusive, counted from the session start; the
    element switches at exactly 1800 s, even inside a sample interval."""
    tariff = make_tariff(
        element(component("TIME", "0"), max_duration=1800),
        element(component("TIME", "6.00"), min_duration=1800),
    )
    result = run(tariff, local("2024-06-03 10:00"), charge(50, "5"))
    assert line_costs(result, "TIME") == [0, 2]
    assert period_starts(result) == ["2024-06-03 08:00:00", "2024-06-03 08:30:00"]


def test_restrictions_are_anded() -> None:
    """TariffRestrictions: "When more than one restriction is set, they are to be treated as a
    logical AND": weekday AND after 18:00 AND below 20 kWh."""
    tariff = make_tariff(
        element(
            component("ENERGY", "0.10"), day_of_week=["MONDAY"], start_time="18:00", max_kwh="20"
        ),
        element(component("ENERGY", "0.50")),
    )
    monday = run(tariff, local("2024-06-03 17:00"), charge(120, "30"))
    tuesday = run(tariff, local("2024-06-04 17:00"), charge(120, "30"))
    # Monday: 15 kWh before 18:00 at 0.50, then 5 kWh at 0.10 until 20 kWh, then 0.50 again.
    assert line_costs(monday, "ENERGY") == [Decimal("7.50"), Decimal("0.50"), Decimal("5.00")]
    assert line_costs(tuesday, "ENERGY") == [15]


def test_first_matching_element_per_dimension() -> None:
    """mod_tariffs "Tariff object": the first element with a component of the dimension whose
    restrictions match, per dimension: ENERGY from element 2 while TIME comes from element 1."""
    tariff = make_tariff(
        element(component("TIME", "1.00")),
        element(component("ENERGY", "0.20"), component("TIME", "9.00")),
    )
    result = run(tariff, local("2024-06-03 10:00"), charge(60, "10"))
    elements = {line.dimension: line.component.element for line in result.lines}
    assert elements == {TariffDimensionType.TIME: 0, TariffDimensionType.ENERGY: 1}


def test_parking_priced_by_time_window() -> None:
    """tariff_4 PARKING_TIME only Mon-Fri 09:00-18:00: parking that runs past 18:00 is billed
    until 18:00 only (step 300 on the 10 billable minutes)."""
    tariff = scenarios.COMPLEX
    result = run(tariff, local("2024-06-03 17:00"), charge(50, "5", current="16"), park(60))
    parking = [line for line in result.lines if line.dimension is TariffDimensionType.PARKING_TIME]
    assert [line.quantity * 60 for line in parking] == [10]
    assert result.totals.total_parking_cost.excl_vat == Decimal("0.8333")
