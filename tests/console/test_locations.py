"""The Locations page in a real browser: a Location whose EVSE status our backend changed is found
by a search on its city, and its page lists the change in that EVSE's status history."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.api.support import evse, location
from tests.console.browser import ADMIN_TOKEN, log_in, screenshot_path
from tests.e2e.nodes import NodeConfig

OWNER = ("NL", "CON")


def _backend(node: NodeConfig) -> httpx.Client:
    return httpx.Client(
        base_url=f"{node.base_url}/api",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=10,
    )


def _put(client: httpx.Client, location_id: str, **fields: object) -> None:
    body = location(location_id, *OWNER, **fields)
    answer = client.put(f"/locations/NL/CON/{location_id}", json=body)
    assert answer.status_code in (200, 201), answer.text


def test_a_changed_evse_is_found_by_search_and_its_history_lists_the_change(
    logged_in: Page, console_node: NodeConfig, tmp_path: Path
) -> None:
    page = logged_in
    with _backend(console_node) as client:
        _put(client, "LOC-ALPHA", name="Alpha Garage", city="Utrecht", evses=[evse("E1")])
        _put(
            client,
            "LOC-BETA",
            name="Beta <b>Plaza</b>",
            city="Delft",
            evses=[evse("E1"), evse("E2", status="CHARGING")],
        )
        patch = {"status": "OUTOFORDER", "last_updated": "2026-01-01T11:30:00Z"}
        answer = client.patch("/locations/NL/CON/LOC-BETA/E1", json=patch)
        assert answer.status_code == 200, answer.text

    page.goto(f"{console_node.base_url}/admin/locations")
    rows = page.locator("table.locations tbody tr")
    expect(rows).to_have_count(2)

    page.fill("#q", "delft")
    page.click("form.filters button[type=submit]")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row).to_contain_text("LOC-BETA")
    expect(row).to_contain_text("own")
    # Partner-supplied or not, text stays text: the name's markup is shown, not made bold.
    expect(row).to_contain_text("Beta <b>Plaza</b>")
    assert row.locator("b").count() == 0
    expect(row.locator("li.evse-status")).to_have_text(["CHARGING 1", "OUTOFORDER 1"])

    page.screenshot(path=screenshot_path("console-locations.png", tmp_path), full_page=True)
    row.get_by_role("link").click()
    page.wait_for_url("**/admin/locations/0/NL/CON/LOC-BETA")
    expect(page.locator("h1")).to_have_text("Beta <b>Plaza</b>")

    first = page.locator("section.evse").filter(has=page.locator("h3", has_text="EVSE E1"))
    expect(first.locator("strong.evse-status")).to_have_text("OUTOFORDER")
    history = first.locator("table.history tbody tr")
    expect(history).to_have_count(2)
    # Newest first: the change, then the first status stored.
    expect(history.nth(0).locator("th")).to_have_text("2026-01-01T11:30:00Z")
    expect(history.nth(0).locator("td").nth(0)).to_have_text("AVAILABLE")
    expect(history.nth(0).locator("td").nth(1)).to_have_text("OUTOFORDER")
    expect(history.nth(1).locator("td").nth(0)).to_have_text("first status")
    expect(history.nth(1).locator("td").nth(1)).to_have_text("AVAILABLE")

    second = page.locator("section.evse").filter(has=page.locator("h3", has_text="EVSE E2"))
    expect(second.locator("table.history tbody tr")).to_have_count(1)
    expect(second.locator("table.connectors tbody tr")).to_have_count(1)
    page.screenshot(path=screenshot_path("console-location.png", tmp_path), full_page=True)


def test_an_unknown_location_is_a_not_found_page(logged_in: Page, console_node: NodeConfig) -> None:
    answer = logged_in.goto(f"{console_node.base_url}/admin/locations/0/NL/CON/NOPE")
    assert answer is not None
    assert answer.status == 404
    expect(logged_in.locator("h1")).to_have_text("Not found")
    answer = logged_in.goto(f"{console_node.base_url}/admin/locations/x/NL/CON/NOPE")
    assert answer is not None
    assert answer.status == 404


def test_the_list_is_paged_and_odd_query_values_are_ignored(
    logged_in: Page, console_node: NodeConfig
) -> None:
    page = logged_in
    with _backend(console_node) as client:
        for number in range(55):
            _put(client, f"LOC{number:03d}", name=f"Site {number}", evses=[])

    page.goto(f"{console_node.base_url}/admin/locations")
    rows = page.locator("table.locations tbody tr")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("LOC000")
    page.get_by_role("link", name="Next 50").click()
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text("LOC050")
    expect(page.get_by_role("link", name="Next 50")).to_have_count(0)
    page.get_by_role("link", name="Previous 50").click()
    expect(rows).to_have_count(50)

    # Our own only: the same Locations (the node has no partners).
    page.select_option("#owner", label="own")
    page.fill("#q", "site 5")
    page.click("form.filters button[type=submit]")
    expect(rows).to_have_count(6)  # Site 5, Site 50 … Site 54
    assert "owner=0" in page.url

    answer = page.goto(f"{console_node.base_url}/admin/locations?start=x&owner=nobody&q=")
    assert answer is not None
    assert answer.status == 200
    expect(rows).to_have_count(50)


def test_both_pages_fit_a_320_pixel_screen(browser: Browser, console_node: NodeConfig) -> None:
    with _backend(console_node) as client:
        _put(client, "LOC-NARROW", name="A rather long Location name for a narrow screen")
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, console_node)
        for path in ("/admin/locations", "/admin/locations/0/NL/CON/LOC-NARROW"):
            page.goto(f"{console_node.base_url}{path}")
            expect(page.locator("h1")).to_be_visible()
            # Wide tables scroll inside their .table-wrap; the page itself does not.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 320, (path, width)
    finally:
        context.close()
