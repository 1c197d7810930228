"""A Tariff in plain sentences (``openroam.pricing._words``): what each element charges, when,
and what the tariff as a whole means for a driver."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openroam.pricing._words import describe_tariff, money
from tests.pricing.support import component, element, make_tariff


def test_an_element_without_restrictions_applies_at_any_time() -> None:
    words = describe_tariff(make_tariff(element(component("ENERGY", "0.25", vat="10"))))
    [only] = words.elements
    assert only.number == 1
    assert only.when == "At any time."
    assert only.prices == ("0.25 EUR per kWh (0.275 EUR incl. 10 % VAT), billed per Wh.",)


@pytest.mark.parametrize(
    ("kind", "step", "expected"),
    [
        ("ENERGY", 1, "0.30 EUR per kWh (no VAT applies), billed per Wh."),
        ("ENERGY", 0, "0.30 EUR per kWh (no VAT applies), not rounded."),
        ("ENERGY", 500, "0.30 EUR per kWh (no VAT applies), billed in steps of 500 Wh (0.5 kWh)."),
        (
            "TIME",
            60,
            "0.30 EUR per hour of charging (no VAT applies), billed in steps of 1 minute.",
        ),
        ("TIME", 1, "0.30 EUR per hour of charging (no VAT applies), billed per second."),
        (
            "PARKING_TIME",
            900,
            "0.30 EUR per hour parked without charging (no VAT applies), billed in steps of 15 "
            "minutes.",
        ),
        (
            "PARKING_TIME",
            5400,
            "0.30 EUR per hour parked without charging (no VAT applies), billed in steps of 1 hour "
            "30 minutes.",
        ),
        ("FLAT", 0, "A fixed fee of 0.30 EUR per session (no VAT applies)."),
    ],
)
def test_each_kind_of_price_is_said_with_its_unit_and_step(
    kind: str, step: int, expected: str
) -> None:
    words = describe_tariff(make_tariff(element(component(kind, "0.30", step))))
    assert words.elements[0].prices == (expected,)


def test_no_vat_is_not_the_same_as_zero_vat() -> None:
    words = describe_tariff(
        make_tariff(element(component("ENERGY", "0.25"), component("TIME", "1.00", 1, vat="0")))
    )
    assert words.elements[0].prices == (
        "0.25 EUR per kWh (no VAT applies), billed per Wh.",
        "1.00 EUR per hour of charging (1.00 EUR incl. 0 % VAT), billed per second.",
    )


def test_money_keeps_two_to_four_decimals() -> None:
    assert money(Decimal("2"), "EUR") == "2.00 EUR"
    assert money(Decimal("0.25"), "EUR") == "0.25 EUR"
    assert money(Decimal("0.3025"), "EUR") == "0.3025 EUR"
    assert money(Decimal("1.99880"), "CHF") == "1.9988 CHF"
    assert money(Decimal("0.333333"), "EUR") == "0.3333 EUR"
    assert money(Decimal("0.00005"), "EUR") == "0.0001 EUR"  # half up


@pytest.mark.parametrize(
    ("restrictions", "expected"),
    [
        (
            {"start_time": "22:00", "end_time": "06:00"},
            "From 22:00 to 06:00 the next morning (overnight).",
        ),
        ({"start_time": "09:00", "end_time": "17:00"}, "From 09:00 to 17:00."),
        ({"start_time": "18:00", "end_time": "00:00"}, "From 18:00 to midnight."),
        ({"start_time": "18:00"}, "From 18:00 to midnight."),
        ({"end_time": "07:00"}, "From midnight to 07:00."),
        ({"start_time": "08:00", "end_time": "08:00"}, "At any time of day."),
        (
            {"day_of_week": ["SATURDAY", "SUNDAY"], "start_time": "10:00", "end_time": "17:00"},
            "On Saturday and Sunday, from 10:00 to 17:00.",
        ),
        (
            {"day_of_week": ["FRIDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY"]},
            "On Monday to Friday.",
        ),
        ({"day_of_week": ["MONDAY", "WEDNESDAY", "FRIDAY"]}, "On Monday, Wednesday and Friday."),
        ({"day_of_week": []}, "At any time."),
        (
            {"start_date": "2025-01-01", "end_date": "2025-07-01"},
            "On dates from 2025-01-01 up to (not including) 2025-07-01.",
        ),
        ({"end_date": "2025-07-01"}, "On dates before 2025-07-01."),
        ({"min_kwh": "20"}, "Once 20 kWh have been charged in the session."),
        ({"max_kwh": "20.5"}, "Until 20.5 kWh have been charged in the session."),
        ({"min_kwh": "10", "max_kwh": "50"}, "From 10 kWh until 50 kWh charged in the session."),
        ({"max_duration": 1800}, "During the first 30 minutes of the session."),
        ({"max_duration": 3600}, "During the first hour of the session."),
        ({"min_duration": 7200}, "Once 2 hours have passed since the start of the session."),
        (
            {"min_duration": 1800, "max_duration": 5400},
            "From 30 minutes until 1 hour 30 minutes after the start of the session.",
        ),
        ({"max_power": "16"}, "While charging at less than 16 kW."),
        ({"min_power": "50"}, "While charging at 50 kW or more."),
        (
            {"min_power": "11", "max_power": "22"},
            "While charging at 11 kW or more but less than 22 kW.",
        ),
        ({"min_current": "32"}, "While the current is 32 A or more."),
        ({"max_current": "32"}, "While the current is less than 32 A."),
        (
            {"day_of_week": ["SUNDAY"], "start_time": "20:00", "min_kwh": "5", "max_power": "22"},
            "On Sunday, from 20:00 to midnight, once 5 kWh have been charged in the session, "
            "while charging at less than 22 kW.",
        ),
    ],
)
def test_restrictions_are_said_as_when(restrictions: dict[str, object], expected: str) -> None:
    words = describe_tariff(make_tariff(element(component("ENERGY", "0.25"), **restrictions)))
    assert words.elements[0].when == expected


def test_an_end_time_of_midnight_alone_never_applies_as_the_engine_reads_it() -> None:
    # docs/pricing.md "Time windows": only end_time set means from midnight until then.
    words = describe_tariff(make_tariff(element(component("ENERGY", "0.25"), end_time="00:00")))
    assert words.elements[0].when.startswith("Never")


def test_reservation_elements_say_so_and_price_reserved_hours() -> None:
    tariff = make_tariff(
        element(component("FLAT", "4.00", 0, vat="20"), reservation="RESERVATION_EXPIRES"),
        element(
            component("FLAT", "2.00", 0, vat="20"),
            component("TIME", "5.00", 300, vat="20"),
            reservation="RESERVATION",
            max_duration=1800,
        ),
        element(component("ENERGY", "0.25")),
    )
    words = describe_tariff(tariff)
    expires, reserved, _ = words.elements
    assert expires.when == "When a reservation expires without a session."
    assert expires.prices == ("An expiry fee of 4.00 EUR (4.80 EUR incl. 20 % VAT).",)
    assert reserved.when == (
        "While the charger is reserved (before charging starts), "
        "during the first 30 minutes of the reservation."
    )
    assert reserved.prices == (
        "A reservation fee of 2.00 EUR (2.40 EUR incl. 20 % VAT).",
        "5.00 EUR per hour reserved (6.00 EUR incl. 20 % VAT), billed in steps of 5 minutes.",
    )
    assert "No element prices a reservation: reserving is free." not in words.notes
    assert any("its reservation time with the step" in note for note in words.notes)


def test_the_tariff_type_currency_and_validity_are_in_the_summary() -> None:
    tariff = make_tariff(
        element(component("ENERGY", "0.25")),
        type="AD_HOC_PAYMENT",
        currency="CHF",
        start_date_time="2025-01-01T00:00:00Z",
        end_date_time="2025-12-31T23:00:00Z",
    )
    summary = describe_tariff(tariff).summary
    assert summary[0].startswith("For ad-hoc payment at the charger")
    assert "Prices in CHF, excluding VAT unless said otherwise." in summary
    assert "Valid from 2025-01-01T00:00:00Z until 2025-12-31T23:00:00Z." in summary
    assert describe_tariff(make_tariff(element(component("TIME", "1")))).summary[0] == (
        "For every session (no tariff type)."
    )


def test_min_and_max_price_are_limits() -> None:
    tariff = make_tariff(
        element(component("ENERGY", "0.25")),
        min_price={"excl_vat": Decimal("0.50"), "incl_vat": Decimal("0.55")},
        max_price={"excl_vat": Decimal("10")},
    )
    assert describe_tariff(tariff).limits == (
        "A session costs at least 0.50 EUR (0.55 EUR incl. VAT).",
        "A session costs at most 10.00 EUR excl. VAT (the price incl. VAT is not bounded).",
    )


def test_a_minimum_above_the_maximum_says_the_maximum_wins() -> None:
    tariff = make_tariff(
        element(component("ENERGY", "0.25")),
        min_price={"excl_vat": Decimal("20")},
        max_price={"excl_vat": Decimal("10")},
    )
    assert describe_tariff(tariff).limits[-1] == (
        "The minimum is above the maximum: the maximum wins."
    )


def test_what_no_element_prices_is_free_and_conditional_prices_leave_gaps() -> None:
    tariff = make_tariff(
        element(component("ENERGY", "0.20"), start_time="22:00", end_time="06:00"),
        element(component("TIME", "1.00", 60), max_power="22"),
        element(component("TIME", "2.00", 60)),
    )
    notes = describe_tariff(tariff).notes
    assert "When none of the conditions above holds, energy is free." in notes
    assert "No element prices parking time: it is free." in notes
    assert "No element prices a reservation: reserving is free." in notes
    assert not any("charging time is free" in note for note in notes)


def test_a_price_behind_an_unconditional_earlier_one_never_applies() -> None:
    tariff = make_tariff(
        element(component("ENERGY", "0.30")),
        element(component("ENERGY", "0.20"), component("TIME", "1"), start_time="22:00"),
    )
    second = describe_tariff(tariff).elements[1]
    assert second.prices[-1] == (
        "(Its energy price never applies: element 1 prices energy at any time and comes first.)"
    )
    assert not any("charging time price never applies" in text for text in second.prices)


def test_a_second_component_of_one_kind_in_an_element_never_applies() -> None:
    tariff = make_tariff(element(component("ENERGY", "0.30"), component("ENERGY", "0.10")))
    assert describe_tariff(tariff).elements[0].prices[-1] == (
        "(A further energy price in this element, 0.10 EUR, never applies: the first one does.)"
    )


def test_steps_are_explained_only_when_a_price_rounds() -> None:
    unrounded = make_tariff(element(component("ENERGY", "0.30", 1), component("TIME", "1", 1)))
    assert not any(note.startswith("Steps") for note in describe_tariff(unrounded).notes)
    rounded = make_tariff(element(component("ENERGY", "0.30", 100)))
    assert describe_tariff(rounded).notes[-1] == (
        "Steps round the session's totals up once, not each period: its energy with the step "
        "of the last energy price used."
    )
