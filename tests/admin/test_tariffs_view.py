"""The Tariffs page's own logic, without a browser: the visitor's choices (reference session,
week) checked against the settings' bounds, and one tariff's view (words, chart, notes), also for
a stored document that no longer reads as a Tariff."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from openroam._admin.tariffs_page import _choices, _view
from openroam._config import ConsoleConfig
from openroam._services.tariff_catalogue import HeldTariff, TariffZone
from tests.pricing.support import component, element, make_tariff

CONFIG = ConsoleConfig(reference_kwh=11.0, reference_hours=1.0)
AMSTERDAM = TariffZone(ZoneInfo("Europe/Amsterdam"), "L1", "Times are read in Europe/Amsterdam.")


def held(document: bytes, origin: int = 3) -> HeldTariff:
    return HeldTariff(
        pk=7,
        origin=origin,
        source="acme",
        country_code="DE",
        party_id="ACP",
        tariff_id="T 1/2",
        last_updated=datetime(2026, 1, 1, tzinfo=UTC),
        document=document,
    )


def test_the_settings_are_the_default_reference_session_and_this_week() -> None:
    choices = _choices(CONFIG, None, "", None)
    assert (choices.session.kwh, choices.session.hours) == (Decimal(11), Decimal(1))
    assert choices.monday.weekday() == 0
    assert choices.monday <= datetime.now(UTC).date()
    assert not choices.problems
    assert not choices.customised
    assert choices.kw == "11"


def test_a_reference_session_and_week_given_are_used_for_the_view() -> None:
    choices = _choices(CONFIG, "7,5", "0.5", "2026-06-06")
    assert (choices.session.kwh, choices.session.hours) == (Decimal("7.5"), Decimal("0.5"))
    assert choices.monday == date(2026, 6, 1)
    assert choices.customised
    assert choices.kw == "15"
    assert choices.query(source="own", page="") == ("kwh=7.5&hours=0.5&week=2026-06-01&source=own")


def test_values_out_of_bounds_are_refused_with_a_reason_and_the_defaults_used() -> None:
    choices = _choices(CONFIG, "1001", "NaN", "next week")
    assert (choices.session.kwh, choices.session.hours) == (Decimal(11), Decimal(1))
    assert choices.problems == (
        "kWh must be a number above 0 and at most 1000: '1001' ignored.",
        "Hours must be a number above 0 and at most 48: 'NaN' ignored.",
        "Week must be a date (YYYY-MM-DD): 'next week' ignored.",
    )
    assert _choices(CONFIG, "0", "49", None).problems[0].startswith("kWh must be")


def test_a_tariff_view_has_its_words_and_a_chart_of_336_points() -> None:
    tariff = make_tariff(
        element(component("ENERGY", "0.20"), start_time="22:00", end_time="06:00"),
        element(component("ENERGY", "0.30")),
    )
    view = _view(held(tariff.to_json()), AMSTERDAM, _choices(CONFIG, None, None, "2026-06-01"))
    assert view.problem is None
    assert view.words is not None
    assert view.words.elements[0].when == "From 22:00 to 06:00 the next morning (overnight)."
    assert view.chart is not None
    assert view.chart.count('<circle class="point"') == 336
    assert 'id="chart-7"' in view.chart
    assert (
        "Mon 2026-06-01 22:00 Europe/Amsterdam: 2.20 EUR incl. VAT (2.20 EUR excl. VAT)"
        in view.chart
    )
    assert view.link == "/admin/tariffs/3/DE/ACP/T%201%2F2"
    assert view.lowest == "2.20 EUR, for 105 of the 336 starts (the first: Mon 2026-06-01 00:00)"
    assert view.clock_change is None
    assert view.validity is None


def test_a_week_with_a_clock_change_says_so() -> None:
    tariff = make_tariff(element(component("TIME", "6.00")))
    view = _view(held(tariff.to_json()), AMSTERDAM, _choices(CONFIG, None, None, "2026-03-25"))
    assert view.clock_change is not None
    assert view.clock_change.startswith("The clocks change in Europe/Amsterdam this week.")


def test_a_stored_document_that_is_no_tariff_is_shown_with_the_reason() -> None:
    view = _view(
        held(b'{"id": "T1", "elements": []}'), AMSTERDAM, _choices(CONFIG, None, None, None)
    )
    assert view.tariff is None
    assert view.chart is None
    assert view.problem is not None
    assert view.problem.startswith("The stored tariff does not read as an OCPI 2.2.1 Tariff")


def test_elements_restricted_on_current_are_named_as_not_charted() -> None:
    tariff = make_tariff(
        element(component("TIME", "1.00"), max_current="32"),
        element(component("TIME", "2.00"), min_current="32", day_of_week=["MONDAY"]),
        element(component("TIME", "3.00")),
    )
    view = _view(held(tariff.to_json()), AMSTERDAM, _choices(CONFIG, None, None, "2026-06-01"))
    assert view.unmeasured == (
        "Elements 1 and 2 of this tariff restrict the current, which the reference session does "
        "not measure: they are not in this chart."
    )
    assert view.lowest is not None
    assert view.lowest.startswith("3.00 EUR, for 336 of the 336 starts")
    one = make_tariff(element(component("TIME", "1.00"), min_current="6"))
    view = _view(held(one.to_json()), AMSTERDAM, _choices(CONFIG, None, None, "2026-06-01"))
    assert view.unmeasured is not None
    assert view.unmeasured.startswith("Element 1 of this tariff restricts the current")
