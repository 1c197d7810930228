"""The Tariffs page in a real browser: a partner's time-of-day tariff (pulled from a fake CPO, a
small real HTTP server) in words and as a weekly chart of 336 starts whose prices change at the
tariff's hours in the zone of the partner's Location; the reference session changed for one
view; an own tariff without a Location, read in the node's default zone, with the owner's text
escaped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, Page

from tests.console.browser import ADMIN_TOKEN, log_in, screenshot_path
from tests.e2e.nodes import NodeConfig, Party, free_port, running
from tests.e2e.sender_partner import CPO, STAMP, SenderPartner, sender_partner

DAYS = list(enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), start=1))
#: A week without a DST change in Europe/Berlin.
WEEK = "2026-06-03"  # a Wednesday: the page shows the week from Monday 2026-06-01
NIGHT_TARIFF = {
    "country_code": CPO[0],
    "party_id": CPO[1],
    "id": "NIGHT",
    "currency": "EUR",
    "elements": [
        {
            "price_components": [{"type": "ENERGY", "price": 0.20, "step_size": 1}],
            "restrictions": {"start_time": "22:00", "end_time": "06:00"},
        },
        {"price_components": [{"type": "ENERGY", "price": 0.30, "step_size": 1}]},
    ],
    "last_updated": STAMP,
}
BERLIN_LOCATION = {
    "country_code": CPO[0],
    "party_id": CPO[1],
    "id": "LOC-B",
    "publish": True,
    "address": "Hauptstrasse 1",
    "city": "Berlin",
    "country": "DEU",
    "coordinates": {"latitude": "52.520008", "longitude": "13.404954"},
    "time_zone": "Europe/Berlin",
    "evses": [
        {
            "uid": "LOC-B-E1",
            "status": "AVAILABLE",
            "connectors": [
                {
                    "id": "1",
                    "standard": "IEC_62196_T2",
                    "format": "SOCKET",
                    "power_type": "AC_3_PHASE",
                    "max_voltage": 230,
                    "max_amperage": 32,
                    "tariff_ids": ["NIGHT"],
                    "last_updated": STAMP,
                }
            ],
            "last_updated": STAMP,
        }
    ],
    "last_updated": STAMP,
}
OWN_TARIFF = {
    "country_code": "NL",
    "party_id": "CON",
    "id": "FLAT-1",
    "currency": "EUR",
    "type": "AD_HOC_PAYMENT",
    "tariff_alt_text": [{"language": "en", "text": "<b>2 EUR</b> a session <script>x()</script>"}],
    "elements": [{"price_components": [{"type": "FLAT", "price": 2, "vat": 21, "step_size": 0}]}],
    "last_updated": STAMP,
}


@pytest.fixture(scope="module")
def tariff_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeConfig]:
    """A CPO and eMSP node with the console that pulled a fake CPO's Location and time-of-day
    Tariff, and holds a Tariff of its own (no Location lists it)."""
    folder = tmp_path_factory.mktemp("tariffs")
    node = NodeConfig(
        "tariffs",
        free_port(),
        f"sqlite+aiosqlite:///{folder / 'tariffs.db'}",
        [Party("NL", "CON", "CPO", "Console CPO"), Party("NL", "CMS", "EMSP", "Console eMSP")],
        # No background workers: what the node holds is what the test pulled.
        {"OPENROAM_ADMIN_TOKEN": ADMIN_TOKEN, "OPENROAM_WORKER": "false"},
    )
    objects = {"locations": [BERLIN_LOCATION], "tariffs": [NIGHT_TARIFF], "tokens": []}
    partner: SenderPartner
    with sender_partner(objects=objects) as partner, running(node, folder):
        grants = ["--role", "CPO", "--party", "DE*ACP", "--role", "EMSP", "--party", "DE*AMS"]
        node.cli("register", partner.versions_url, "--token", "token-a", "--name", "acme", *grants)
        node.cli("pull", "acme")
        _api_put(node, "tariffs/NL/CON/FLAT-1", OWN_TARIFF)
        yield node


def _api_put(node: NodeConfig, path: str, body: Any) -> None:
    response = httpx.put(
        f"{node.base_url}/api/{path}",
        json=body,
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=10,
    )
    assert response.status_code < 300, response.text


def _section(page: Page, heading: str) -> Locator:
    return page.locator("section.tariff", has=page.get_by_role("heading", name=heading))


def _point_titles(section: Locator) -> dict[str, str]:
    """Each point's tooltip by its start: ``{"Mon 2026-06-01 22:00": "2.20 EUR incl. VAT …"}``."""
    texts: list[str] = section.locator("circle.point > title").evaluate_all(
        "titles => titles.map(t => t.textContent)"
    )
    found = {}
    for text in texts:
        match = re.fullmatch(r"(\w{3} \d{4}-\d\d-\d\d \d\d:\d\d) ([\w/]+): (.*)", text)
        assert match, text
        found[match.group(1)] = f"{match.group(3)} [{match.group(2)}]"
    return found


def test_a_time_of_day_tariff_is_charted_over_336_starts_with_its_two_prices_at_its_hours(
    page: Page, tariff_node: NodeConfig
) -> None:
    log_in(page, tariff_node)
    page.goto(f"{tariff_node.base_url}/admin/tariffs?week={WEEK}")
    night = _section(page, "DE*ACP NIGHT")
    night.locator("svg.chart circle.point").first.wait_for()
    assert night.locator("svg.chart circle.point").count() == 336
    assert "From acme" in night.locator(".tariff-meta").inner_text()

    # In words.
    words = night.locator(".tariff-words").inner_text()
    assert "From 22:00 to 06:00 the next morning (overnight)." in words
    assert "0.20 EUR per kWh (no VAT applies), billed per Wh." in words
    assert "0.30 EUR per kWh (no VAT applies), billed per Wh." in words

    # The chart: 11 kWh over 1 h (the default reference session) in Berlin's local time, the
    # zone of the partner's Location that lists the tariff.
    caption = night.locator("figcaption").inner_text()
    assert "11 kWh charged evenly over 1 h (an average of 11 kW)" in caption
    assert "Europe/Berlin, the time zone of Location LOC-B" in caption
    prices = _point_titles(night)
    assert len(prices) == 336
    assert {start[:14] for start in prices} == {f"{day} 2026-06-0{n}" for n, day in DAYS}
    for start in ("Mon 2026-06-01 22:00", "Tue 2026-06-02 03:00", "Sun 2026-06-07 23:30"):
        assert prices[start] == "2.20 EUR incl. VAT (2.20 EUR excl. VAT) [Europe/Berlin]"
    for start in ("Mon 2026-06-01 06:00", "Wed 2026-06-03 12:00", "Sat 2026-06-06 21:00"):
        assert prices[start] == "3.30 EUR incl. VAT (3.30 EUR excl. VAT) [Europe/Berlin]"
    # An hour that spans 22:00 or 06:00 costs half of each.
    assert prices["Thu 2026-06-04 21:30"].startswith("2.75 EUR incl. VAT")
    assert prices["Fri 2026-06-05 05:30"].startswith("2.75 EUR incl. VAT")
    # 22:00 to 05:00 each night (15 starts a day) is the lowest, 06:00 to 21:00 the highest.
    assert (
        "Lowest: 2.20 EUR, for 105 of the 336 starts (the first: Mon 2026-06-01 00:00)." in caption
    )
    assert (
        "Highest: 3.30 EUR, for 217 of the 336 starts (the first: Mon 2026-06-01 06:00)." in caption
    )


def test_the_reference_session_can_be_changed_for_one_view(
    page: Page, tariff_node: NodeConfig
) -> None:
    log_in(page, tariff_node)
    page.goto(f"{tariff_node.base_url}/admin/tariffs?week={WEEK}")
    page.get_by_label("Reference session: kWh").fill("22")
    page.get_by_label("over hours").fill("2")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**kwh=22**")
    assert "The reference session is changed for this view." in page.locator("main").inner_text()
    night = _section(page, "DE*ACP NIGHT")
    caption = night.locator("figcaption").inner_text()
    assert "22 kWh charged evenly over 2 h (an average of 11 kW)" in caption
    prices = _point_titles(night)
    assert len(prices) == 336
    assert prices["Mon 2026-06-01 12:00"].startswith("6.60 EUR incl. VAT")
    assert prices["Mon 2026-06-01 23:00"].startswith("4.40 EUR incl. VAT")
    # From 21:00 two hours: one at 0.30, one at 0.20.
    assert prices["Mon 2026-06-01 21:00"].startswith("5.50 EUR incl. VAT")

    # A value out of bounds is said, and the setting is used instead.
    page.goto(f"{tariff_node.base_url}/admin/tariffs?week={WEEK}&kwh=-3")
    assert "kWh must be a number above 0" in page.get_by_role("alert").first.inner_text()
    caption = _section(page, "DE*ACP NIGHT").locator("figcaption").inner_text()
    assert "11 kWh charged evenly over 1 h" in caption


def test_an_own_tariff_without_a_location_is_read_in_the_default_zone_and_its_text_escaped(
    page: Page, tariff_node: NodeConfig
) -> None:
    log_in(page, tariff_node)
    page.goto(f"{tariff_node.base_url}/admin/tariffs?source=own&week={WEEK}")
    assert page.locator("section.tariff").count() == 1
    own = _section(page, "NL*CON FLAT-1")
    assert own.locator("circle.point").count() == 336
    assert "Own tariff" in own.locator(".tariff-meta").inner_text()
    caption = own.locator("figcaption").inner_text()
    assert (
        "No Location of this party lists this tariff: times are read in UTC, this node's default "
        "Location time zone." in caption
    )
    words = own.locator(".tariff-words")
    assert "For ad-hoc payment at the charger" in words.inner_text()
    assert "A fixed fee of 2.00 EUR per session (2.42 EUR incl. 21 % VAT)." in words.inner_text()
    # The owner's text is shown as text, never as markup.
    quote = words.locator("blockquote")
    assert quote.inner_text() == "<b>2 EUR</b> a session <script>x()</script>"
    assert quote.locator("b, script").count() == 0
    assert set(_point_titles(own).values()) == {"2.42 EUR incl. VAT (2.00 EUR excl. VAT) [UTC]"}

    # Its own page, with the stored document; the choices follow the link.
    own.get_by_role("link", name="NL*CON FLAT-1").click()
    page.wait_for_url("**/admin/tariffs/0/NL/CON/FLAT-1?**")
    assert page.locator("h1").inner_text() == "Tariff NL*CON FLAT-1"
    assert page.locator("circle.point").count() == 336
    assert page.get_by_label("Week of").input_value() == "2026-06-01"
    page.get_by_text("The stored document").click()
    assert '"id": "FLAT-1"' in page.locator("details pre").inner_text()


def test_an_unknown_tariff_is_a_not_found_page(page: Page, tariff_node: NodeConfig) -> None:
    log_in(page, tariff_node)
    response = page.goto(f"{tariff_node.base_url}/admin/tariffs/0/NL/CON/NOPE")
    assert response is not None
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Not found"


@pytest.mark.parametrize("width", [320, 1600])
def test_the_page_fits_narrow_and_wide_screens(
    page: Page, tariff_node: NodeConfig, tmp_path: Path, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, tariff_node)
    page.goto(f"{tariff_node.base_url}/admin/tariffs?week={WEEK}")
    chart = _section(page, "DE*ACP NIGHT").locator(".chart-scroll")
    chart.locator("circle.point").first.wait_for()
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    # The chart's box fits; a narrow screen scrolls the chart inside it.
    assert chart.bounding_box()["width"] <= width  # type: ignore[index]
    page.screenshot(path=screenshot_path(f"console-tariffs-{width}.png", tmp_path), full_page=True)
