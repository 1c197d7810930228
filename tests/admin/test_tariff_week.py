"""The reference session priced by start time across a week (``_admin/_tariff_week``): the
numbers behind the Tariffs page's chart, from the real tariff engine."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from openroam._admin._tariff_week import (
    POINTS,
    ReferenceSession,
    StartPrice,
    monday_of,
    validity_note,
    week_prices,
)
from tests.pricing.support import component, element, make_tariff

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
ELEVEN_KW = ReferenceSession(Decimal(11), Decimal(1))
NIGHT_AND_DAY = make_tariff(
    element(component("ENERGY", "0.20"), start_time="22:00", end_time="06:00"),
    element(component("ENERGY", "0.30")),
)


def by_start(prices: list[StartPrice], day: int, clock: str) -> Decimal:
    hours, minutes = clock.split(":")
    wanted = day * 24 + int(hours) + int(minutes) / 60
    [found] = [p for p in prices if p.hours_into_week == wanted]
    return found.incl_vat


def test_a_week_has_336_starts_every_30_minutes_from_monday_midnight() -> None:
    prices = week_prices(NIGHT_AND_DAY, AMSTERDAM, date(2026, 6, 1), ELEVEN_KW)
    assert len(prices) == POINTS == 336
    assert prices[0].start == datetime(2026, 6, 1, 0, 0, tzinfo=AMSTERDAM)
    assert prices[-1].start == datetime(2026, 6, 7, 23, 30, tzinfo=AMSTERDAM)
    assert [p.hours_into_week for p in prices[:3]] == [0.0, 0.5, 1.0]
    assert prices[-1].hours_into_week == 167.5


def test_a_time_of_day_tariff_costs_less_for_sessions_inside_its_cheap_window() -> None:
    prices = week_prices(NIGHT_AND_DAY, AMSTERDAM, date(2026, 6, 1), ELEVEN_KW)
    # 11 kWh in one hour: all at 0.20 from 22:00 to 05:00, all at 0.30 from 06:00 to 21:00,
    # half and half when the hour spans 22:00 or 06:00.
    assert by_start(prices, 0, "12:00") == Decimal("3.30")
    assert by_start(prices, 0, "21:00") == Decimal("3.30")
    assert by_start(prices, 0, "21:30") == Decimal("2.75")
    assert by_start(prices, 0, "22:00") == Decimal("2.20")
    assert by_start(prices, 1, "03:00") == Decimal("2.20")
    assert by_start(prices, 1, "05:30") == Decimal("2.75")
    assert by_start(prices, 1, "06:00") == Decimal("3.30")
    assert {p.incl_vat for p in prices} == {Decimal("2.20"), Decimal("2.75"), Decimal("3.30")}


def test_prices_include_vat_and_the_tariffs_bounds() -> None:
    tariff = make_tariff(
        element(component("FLAT", "1.00", 0, vat="21"), component("ENERGY", "0.50", vat="21")),
        max_price={"excl_vat": Decimal("5.00"), "incl_vat": Decimal("6.00")},
    )
    [first, *_] = week_prices(tariff, AMSTERDAM, date(2026, 6, 1), ELEVEN_KW)
    assert (first.excl_vat, first.incl_vat) == (Decimal("5.00"), Decimal("6.00"))
    small = ReferenceSession(Decimal(2), Decimal(1))
    [first, *_] = week_prices(tariff, AMSTERDAM, date(2026, 6, 1), small)
    assert (first.excl_vat, first.incl_vat) == (Decimal("2.00"), Decimal("2.42"))


def test_the_reference_power_is_its_average_and_its_current_is_unknown() -> None:
    tariff = make_tariff(
        element(component("ENERGY", "0.10"), max_power="16"),
        element(component("ENERGY", "0.40"), min_current="1"),
        element(component("ENERGY", "0.30")),
    )
    slow = week_prices(tariff, AMSTERDAM, date(2026, 6, 1), ELEVEN_KW)[0]
    assert slow.incl_vat == Decimal("1.10")  # 11 kW < 16 kW
    fast = week_prices(
        tariff, AMSTERDAM, date(2026, 6, 1), ReferenceSession(Decimal(22), Decimal(1))
    )
    # 22 kW: not below 16 kW; the current element never applies without a measured current.
    assert fast[0].incl_vat == Decimal("6.60")


def test_across_the_spring_dst_change_starts_keep_the_wall_clock_and_sessions_real_time() -> None:
    per_hour = make_tariff(element(component("TIME", "6.00")))
    # Europe/Amsterdam moves from 02:00 to 03:00 on Sunday 2026-03-29.
    prices = week_prices(per_hour, AMSTERDAM, date(2026, 3, 23), ELEVEN_KW)
    assert len(prices) == 336
    assert {p.incl_vat for p in prices} == {Decimal("6.00")}  # one real hour each
    sunday_0230 = prices[6 * 48 + 5]
    assert sunday_0230.start.strftime("%a %H:%M") == "Sun 02:30"
    # A wall time the clocks skip is read with the offset before the change: 01:30 UTC.
    assert sunday_0230.start.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_the_week_must_start_on_a_monday_and_the_session_must_charge() -> None:
    assert monday_of(date(2026, 12, 10)) == date(2026, 12, 7)
    assert monday_of(date(2026, 12, 7)) == date(2026, 12, 7)
    assert monday_of(date(2026, 12, 13)) == date(2026, 12, 7)
    with pytest.raises(ValueError, match="not a Monday"):
        week_prices(NIGHT_AND_DAY, AMSTERDAM, date(2026, 12, 8), ELEVEN_KW)
    with pytest.raises(ValueError, match="energy and time"):
        week_prices(
            NIGHT_AND_DAY, AMSTERDAM, date(2026, 12, 7), ReferenceSession(Decimal(0), Decimal(1))
        )


def test_a_week_outside_the_tariffs_validity_is_said() -> None:
    monday = date(2026, 6, 1)
    start = datetime(2026, 6, 1, tzinfo=AMSTERDAM).astimezone(UTC)
    assert validity_note(NIGHT_AND_DAY, AMSTERDAM, monday) is None
    ended = make_tariff(element(component("TIME", "1")), end_date_time="2026-05-01T00:00:00Z")
    assert "not valid in this week" in (validity_note(ended, AMSTERDAM, monday) or "")
    later = (start + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    partly = make_tariff(element(component("TIME", "1")), start_date_time=later)
    assert "only part of this week" in (validity_note(partly, AMSTERDAM, monday) or "")
    exactly = make_tariff(
        element(component("TIME", "1")), start_date_time=start.strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    assert validity_note(exactly, AMSTERDAM, monday) is None
