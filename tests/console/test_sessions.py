"""The Sessions and CDRs page in a real browser, fed by two real nodes: a CPO node whose backend
sends a Tariff, Sessions and CDRs, and the eMSP node whose console is looked at (mod_cdrs "Push
model"; mod_sessions).

* A CDR whose price disagrees with the Tariff the eMSP holds is flagged in the list, and its page
  shows the differing lines side by side (the CDR's charged value next to the engine's).
* A Session the CPO starts after the eMSP's page loaded appears on it without a reload, and
  leaves it when it is completed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.api.support import cdr
from tests.console.browser import log_in, screenshot_path
from tests.e2e.nodes import NodeConfig, Party, admin_api, eventually, free_port, running_together
from tests.e2e.test_roaming import ADMIN, FAST, _register, _theirs

CPO, EMSP = ("NL", "CPO"), ("DE", "MSP")

# TIME at €2/h excl. VAT, 10 % VAT, billed per 5 minutes: the 1.973 h of tests.api.support.cdr
# cost 4.00 / 4.40.
TARIFF: dict[str, Any] = {
    "country_code": "NL",
    "party_id": "CPO",
    "id": "T1",
    "currency": "EUR",
    "elements": [
        {"price_components": [{"type": "TIME", "price": 2.0, "vat": 10, "step_size": 300}]}
    ],
    "last_updated": "2026-01-01T10:00:00Z",
}


def _cdr(cdr_id: str, **changes: Any) -> dict[str, Any]:
    """The CDR of tests.api.support with its 15.342 kWh in its period too (the audit checks the
    totals against the periods)."""
    period = {
        "start_date_time": "2026-01-01T08:00:00Z",
        "dimensions": [{"type": "ENERGY", "volume": 15.342}, {"type": "TIME", "volume": 1.973}],
        "tariff_id": "T1",
    }
    return cdr(cdr_id, CPO, EMSP, charging_periods=[period], **changes)


def _cdr_ids(emsp: NodeConfig) -> set[str]:
    return {c["id"] for c in _theirs(emsp, "cpo", "cdrs")}


def _session_at(emsp: NodeConfig, session_id: str, status: str) -> bool:
    held = [s for s in _theirs(emsp, "cpo", "sessions") if s["id"] == session_id]
    return [s["status"] for s in held] == [status]


def _session(session_id: str, status: str) -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "CPO",
        "id": session_id,
        "start_date_time": "2026-01-01T08:00:00Z",
        "kwh": 3.5,
        "cdr_token": {
            "country_code": "DE",
            "party_id": "MSP",
            "uid": "012345678",
            "type": "RFID",
            "contract_id": "DE-MSP-C12345678",
        },
        "auth_method": "WHITELIST",
        "location_id": "LOC1",
        # Partner text goes into the page escaped, never as markup.
        "evse_uid": "E1<b>x</b>",
        "connector_id": "1",
        "currency": "EUR",
        "status": status,
        "last_updated": "2026-01-01T08:30:00Z" if status == "ACTIVE" else "2026-01-01T09:00:00Z",
    }


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NodeConfig, NodeConfig]]:
    """A CPO and an eMSP node, registered with each other; the eMSP holds the CPO's Tariff T1."""
    folder: Path = tmp_path_factory.mktemp("sessions")
    cpo = NodeConfig(
        "cpo",
        free_port(),
        f"sqlite+aiosqlite:///{folder / 'cpo.db'}",
        [Party(*CPO, "CPO", "CPO Charging")],
        FAST,
    )
    emsp = NodeConfig(
        "emsp",
        free_port(),
        f"sqlite+aiosqlite:///{folder / 'emsp.db'}",
        [Party(*EMSP, "EMSP", "MSP Mobility")],
        FAST,
    )
    with running_together((cpo, emsp), folder):
        _register(cpo, emsp)
        admin_api(cpo, "PUT", "tariffs/NL/CPO/T1", TARIFF)
        eventually("T1 at the eMSP", lambda: bool(_theirs(emsp, "cpo", "tariffs")))
        yield cpo, emsp


def test_a_cdr_with_a_price_mismatch_shows_the_differing_lines(
    page: Page, nodes: tuple[NodeConfig, NodeConfig], tmp_path: Path
) -> None:
    cpo, emsp = nodes
    admin_api(cpo, "POST", "cdrs", _cdr("CDR-OK"))
    overcharged = {"excl_vat": 5.0, "incl_vat": 5.5}
    wrong = _cdr("CDR-BAD", total_cost=overcharged, total_time_cost=overcharged)
    admin_api(cpo, "POST", "cdrs", wrong)
    eventually("both CDRs at the eMSP", lambda: {"CDR-OK", "CDR-BAD"} <= _cdr_ids(emsp))

    log_in(page, emsp, password=ADMIN)
    page.goto(f"{emsp.base_url}/admin/sessions")
    expect(page.locator('tr[data-cdr="NL*CPO*CDR-OK"] td.audit-ok')).to_have_text("matches")
    bad = page.locator('tr[data-cdr="NL*CPO*CDR-BAD"]')
    expect(bad.locator("td.audit-mismatch")).to_have_text("MISMATCH")
    expect(bad.locator("td").first).to_have_text("cpo")

    # Own CDRs only: this eMSP has none. Received from cpo: both.
    page.select_option("#scope", "own")
    page.click("form.filters button[type=submit]")
    expect(page.locator("#cdrs tbody")).to_have_text("No CDRs.")
    page.select_option("#scope", "received")
    page.select_option("#partner", label="cpo")
    page.click("form.filters button[type=submit]")
    expect(bad).to_have_count(1)
    bad.get_by_role("link").click()
    page.wait_for_url("**/admin/sessions/cdrs/**/CDR-BAD")
    expect(page.locator("h1")).to_have_text("CDR NL*CPO CDR-BAD")
    expect(page.locator("#audit-status")).to_contain_text("Price mismatch")
    expect(page.locator("#audit-on-arrival")).to_contain_text("the audit found: mismatch")
    differing = page.locator("#comparison tr.differs")
    expect(differing).to_have_count(4)
    lines = {
        row.get_attribute("data-field"): (
            row.locator("td.charged").inner_text(),
            row.locator("td.recomputed").inner_text(),
        )
        for row in differing.all()
    }
    assert lines == {
        "total_cost.excl_vat": ("5.0000", "4.0000"),
        "total_cost.incl_vat": ("5.5000", "4.4000"),
        "total_time_cost.excl_vat": ("5.0000", "4.0000"),
        "total_time_cost.incl_vat": ("5.5000", "4.4000"),
    }
    # What matches is shown too, not marked.
    agreed = page.locator('#comparison tr[data-field="total_energy"]')
    expect(agreed.locator("td.charged")).to_have_text("15.3420")
    expect(agreed.locator("td.recomputed")).to_have_text("15.3420")
    expect(agreed).not_to_have_class("differs")
    # The engine's breakdown: the TIME line of element 1, and the total.
    breakdown = page.locator("#breakdown tbody tr")
    expect(breakdown.filter(has=page.locator("th", has_text="TIME"))).to_have_count(1)
    expect(breakdown.last).to_contain_text("TOTAL")
    expect(breakdown.last).to_contain_text("4.4000")
    page.screenshot(path=screenshot_path("console-cdr-mismatch.png", tmp_path), full_page=True)

    page.goto(page.url.replace("CDR-BAD", "CDR-OK"))
    expect(page.locator("#audit-status")).to_contain_text("matches")
    expect(page.locator("#comparison tr.differs")).to_have_count(0)


def test_a_session_started_after_the_page_loaded_appears_without_reload(
    page: Page, nodes: tuple[NodeConfig, NodeConfig], tmp_path: Path
) -> None:
    cpo, emsp = nodes
    log_in(page, emsp, password=ADMIN)
    page.goto(f"{emsp.base_url}/admin/sessions")
    row = page.locator('#live-body tr[data-session="NL*CPO*S-LIVE"]')
    expect(row).to_have_count(0)
    live_before = int(page.locator("#live-count").inner_text())
    # Anything a reload would lose.
    page.evaluate("window.loadedOnce = 'yes'")

    admin_api(cpo, "PUT", "sessions/NL/CPO/S-LIVE", _session("S-LIVE", "ACTIVE"))
    expect(row).to_have_count(1, timeout=30_000)
    expect(row.locator("td").nth(0)).to_have_text("cpo")
    expect(row.locator("td").nth(1)).to_have_text("ACTIVE")
    expect(row.locator("td").nth(4)).to_have_text("LOC1 / E1<b>x</b> / 1")
    expect(row.locator("b")).to_have_count(0)
    expect(page.locator("#live-count")).to_have_text(str(live_before + 1))

    page.screenshot(path=screenshot_path("console-sessions.png", tmp_path), full_page=True)

    admin_api(cpo, "PUT", "sessions/NL/CPO/S-LIVE", _session("S-LIVE", "COMPLETED"))
    expect(row).to_have_count(0, timeout=30_000)
    assert page.evaluate("window.loadedOnce") == "yes"

    # Logged out (the cookie gone): the script stops and says why.
    page.context.clear_cookies()
    expect(page.locator("#live-status")).to_contain_text("log in again", timeout=30_000)


def test_the_page_works_without_javascript_and_fits_320_px(
    browser: Browser, nodes: tuple[NodeConfig, NodeConfig], tmp_path: Path
) -> None:
    cpo, emsp = nodes
    admin_api(cpo, "PUT", "sessions/NL/CPO/S-STATIC", _session("S-STATIC", "ACTIVE"))
    admin_api(
        cpo, "POST", "cdrs", _cdr("CDR-NARROW", total_cost={"excl_vat": 1.0, "incl_vat": 1.1})
    )
    eventually("S-STATIC at the eMSP", lambda: _session_at(emsp, "S-STATIC", "ACTIVE"))
    eventually("CDR-NARROW at the eMSP", lambda: "CDR-NARROW" in _cdr_ids(emsp))
    context = browser.new_context(viewport={"width": 320, "height": 800}, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, emsp, password=ADMIN)
        page.goto(f"{emsp.base_url}/admin/sessions")
        expect(page.locator('#live-body tr[data-session="NL*CPO*S-STATIC"]')).to_have_count(1)
        assert _scroll_width(page) <= 320
        page.screenshot(path=screenshot_path("console-sessions-320.png", tmp_path), full_page=True)
        page.locator('tr[data-cdr="NL*CPO*CDR-NARROW"]').get_by_role("link").click()
        expect(page.locator("#audit-status")).to_contain_text("Price mismatch")
        assert _scroll_width(page) <= 320
    finally:
        context.close()
        admin_api(cpo, "PUT", "sessions/NL/CPO/S-STATIC", _session("S-STATIC", "COMPLETED"))
        eventually("S-STATIC ended at the eMSP", lambda: _session_at(emsp, "S-STATIC", "COMPLETED"))


def _scroll_width(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width
