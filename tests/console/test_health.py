"""The Health page in a real browser, and the console's layout at 320 px wide."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.console.browser import log_in, screenshot_path
from tests.console.conftest import console_node_config
from tests.e2e.nodes import NodeConfig, running


@pytest.fixture(scope="module")
def console_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeConfig]:
    """One node for the module (``logged_in`` too): its tests only read pages, each in its own
    browser context, and none depends on what another did. A node's start-up is most of such a
    test's time."""
    tmp_path = tmp_path_factory.mktemp("health")
    with running(console_node_config(tmp_path), tmp_path) as node:
        yield node


def test_the_health_page_shows_readiness_workers_and_charts(
    logged_in: Page, console_node: NodeConfig, tmp_path: Path
) -> None:
    page = logged_in
    page.goto(f"{console_node.base_url}/admin/health")
    expect(page.locator("h1")).to_have_text("Health")
    expect(page.locator("#ready-state")).to_contain_text("Ready")
    expect(page.locator("#database + p")).to_contain_text("SQLite")
    # The node runs its workers in its own process (worker = true): each shows as running.
    workers = page.locator("h2#workers + .table-wrap tbody tr")
    expect(workers.filter(has_text="push")).to_contain_text("running")
    expect(workers.filter(has_text="pull")).to_contain_text("running")
    # The sampler took its first sample when the node started: the database's values and the
    # process's memory are drawn at once (rates wait for a second sample).
    memory = page.locator("svg#chart-memory")
    expect(memory).to_be_visible()
    assert memory.locator("circle.point").count() >= 1
    expect(page.locator("svg#chart-deliveries circle.point").first).to_be_attached()
    assert page.locator("svg.chart").count() >= 3
    page.screenshot(path=screenshot_path("console-health.png", tmp_path), full_page=True)


def test_a_page_at_320_px_does_not_overflow(browser: Browser, console_node: NodeConfig) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, console_node)
        page.goto(f"{console_node.base_url}/admin/health")
        expect(page.locator("h2#workers + .table-wrap table")).to_be_visible()
        expect(page.locator("nav[aria-label=Console]")).to_be_visible()
        # The document itself never scrolls sideways …
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= 320, f"the page is {scroll_width} px wide at 320 px"
        # … every link of the navigation is on screen …
        for link in page.locator("nav[aria-label=Console] a").all():
            box = link.bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= 320
        # … and a table wider than the screen (six columns of UTC times) scrolls inside its
        # wrapper.
        wrap = page.locator("h2#workers + .table-wrap")
        table_width = wrap.locator("table").evaluate("t => t.scrollWidth")
        wrap_width = wrap.evaluate("w => w.clientWidth")
        assert wrap_width <= 320 < table_width
        assert wrap.evaluate("w => w.scrollWidth") >= table_width
        wrap.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
        assert wrap.evaluate("w => w.scrollLeft") > 0
    finally:
        context.close()


def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(
    logged_in: Page, console_node: NodeConfig
) -> None:
    page = logged_in
    page.goto(f"{console_node.base_url}/admin/health")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
