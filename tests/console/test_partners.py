"""The Partners page in a real browser, against a real node (``openroam serve``) and a partner
that is a small real HTTP server: a partner refusing our pushes shows as failing with its
failed delivery and its own answer; once it recovers, Retry sends the delivery and the page shows
it delivered. Rotating the token (after a confirmation) gives the partner a new token; suspending
the connection (after a confirmation) refuses its calls until it is resumed."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.api.support import location
from tests.console.browser import log_in, screenshot_path
from tests.console.conftest import console_node_config
from tests.console.refusing_partner import (
    AGREED_TOKEN,
    REFUSAL,
    RefusingPartner,
    refusing_partner,
)
from tests.e2e.nodes import NodeConfig, admin_api, eventually, running

UTC_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _deliveries(node: NodeConfig, state: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = admin_api(
        node, "GET", f"deliveries?partner=acme&state={state}"
    ).json()["data"]
    return found


def _pulled(node: NodeConfig, module: str) -> bool:
    status = admin_api(node, "GET", "partners/acme").json()["data"]
    found = [m for m in status["modules"] if m["module"] == module]
    return bool(found) and found[0]["last_pull_at"] is not None


@dataclass(frozen=True)
class Connected:
    node: NodeConfig
    partner: RefusingPartner
    #: the token the partner calls us with (``openroam partners add`` prints it)
    their_token: str


@pytest.fixture
def connected(tmp_path: Path) -> Iterator[Connected]:
    """Our CPO node (console on, a refused push failed after one refusal, retries at most a
    second apart) connected to the eMSP ``acme`` with an agreed token, as an operator does
    (``openroam partners add``)."""
    config = console_node_config(
        tmp_path, OPENROAM_PUSH_MAX_REFUSALS="1", OPENROAM_PUSH_MAX_DELAY="1"
    )
    with refusing_partner() as partner, running(config, tmp_path) as node:
        added = node.cli(
            "partners",
            "add",
            "acme",
            "--versions-url",
            partner.versions_url,
            "--token",
            AGREED_TOKEN,
            "--role",
            "EMSP",
            "--party",
            "DE*ACM",
        ).stdout
        token = next(line for line in added.splitlines() if line.startswith("token:"))
        yield Connected(node, partner, token.split(":", 1)[1].strip())


def test_a_refused_delivery_shows_failing_and_is_delivered_after_a_retry(
    page: Page, connected: Connected, tmp_path: Path
) -> None:
    node, partner = connected.node, connected.partner
    for location_id in ("LOC1", "LOC2"):
        admin_api(
            node, "PUT", f"locations/NL/CON/{location_id}", location(location_id, "NL", "CON")
        )
    # The push worker sends them, the partner refuses them: failed after one refusal each.
    eventually("the deliveries failed", lambda: len(_deliveries(node, "failed")) == 2)
    assert partner.refused >= 2
    by_object = {row["path"].rsplit("/", 1)[-1]: row["id"] for row in _deliveries(node, "failed")}
    first, second = by_object["LOC1"], by_object["LOC2"]

    log_in(page, node)
    page.goto(f"{node.base_url}/admin/partners")
    row = page.locator("table.partners tr[data-partner=acme]")
    expect(row.locator(".health")).to_contain_text("failing: 2 failed deliveries")
    expect(row.locator("td.failed")).to_contain_text("2 failed")
    # The partner's own words, markup shown as text.
    expect(row.locator("td.failed .answer")).to_contain_text(REFUSAL)
    expect(row).to_contain_text("EMSP DE*ACM")
    page.screenshot(path=str(screenshot_path("console-partners.png", tmp_path)), full_page=True)

    row.get_by_role("link", name="acme").click()
    page.wait_for_url(f"{node.base_url}/admin/partners/acme")
    failed = page.locator(f"table.deliveries tr#delivery-{first}")
    expect(failed.locator("td.state")).to_have_text("failed")
    expect(failed.locator("td.answer")).to_contain_text(REFUSAL)
    expect(failed.locator("td.answer")).to_contain_text("2001")
    assert partner.pushed == {}
    page.screenshot(path=str(screenshot_path("console-partner.png", tmp_path)), full_page=True)

    # One of them is not to be sent: skipped, after a confirmation, with a reason.
    page.locator(f"tr#delivery-{second}").get_by_role("link", name="Skip…").click()
    confirm = page.locator("section.confirm")
    expect(confirm.locator("h2")).to_have_text(f"Skip delivery {second}?")
    confirm.get_by_label("Why (optional)").fill("LOC2 is a test site")
    confirm.get_by_role("button", name=f"Skip delivery {second}").click()
    expect(page.locator(".notice")).to_have_text(
        f"Delivery {second} was skipped: it will not be sent."
    )
    skipped = page.locator(f"table.deliveries tr#delivery-{second}")
    expect(skipped.locator("td.state")).to_have_text("skipped")
    expect(skipped).to_contain_text("skipped by console user admin")
    expect(skipped).to_contain_text("LOC2 is a test site")

    # The partner recovers; the operator retries the other one.
    partner.refusing = False
    failed.get_by_role("button", name=f"Retry delivery {first}").click()
    expect(page.locator(".notice")).to_have_text(
        f"Delivery {first} is due again now: the push worker sends it on its next round."
    )
    eventually("the delivery was delivered", lambda: bool(_deliveries(node, "delivered")))
    page.reload()
    delivered = page.locator(f"table.deliveries tr#delivery-{first}")
    expect(delivered.locator("td.state")).to_have_text("delivered")
    expect(delivered).to_contain_text("retried by console user admin")
    expect(page.locator("dd.state .health")).to_have_text("ok")
    expect(page.locator("dd.backlog")).not_to_contain_text("last delivered -")
    expect(page.locator("dd.last-exchange")).to_have_text(UTC_TIME)
    assert list(partner.pushed) == ["locations/NL/CON/LOC1"]
    assert partner.pushed["locations/NL/CON/LOC1"]["id"] == "LOC1"

    # Readable at 320 px: the page does not scroll sideways; its wide tables scroll inside.
    for path in ("/admin/partners", "/admin/partners/acme"):
        page.set_viewport_size({"width": 320, "height": 800})
        page.goto(f"{node.base_url}{path}")
        expect(page.locator("h1")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_rotating_the_token_and_suspending_are_confirmed_and_take_effect(
    page: Page, connected: Connected
) -> None:
    node, partner = connected.node, connected.partner
    locations_url = f"{node.base_url}/ocpi/2.2.1/sender/locations"

    def partner_calls(token: str) -> httpx.Response:
        # Base64-encoded, as OCPI 2.2.1 asks.
        encoded = base64.b64encode(token.encode()).decode()
        return httpx.get(locations_url, headers={"Authorization": f"Token {encoded}"}, timeout=10)

    assert partner_calls(connected.their_token).status_code == 200

    def token_pulls() -> int:
        calls = partner.calls_from_node()
        return sum(1 for call in calls if call.method == "GET" and "/tokens" in call.path)

    # The worker pulled its Tokens after ``partners add``; "Pull now" pulls them again.
    eventually("the first pull of tokens", lambda: _pulled(node, "tokens"))
    pulls = token_pulls()
    log_in(page, node)
    page.goto(f"{node.base_url}/admin/partners/acme")
    page.get_by_role("button", name="Pull tokens now").click()
    expect(page.locator(".notice")).to_have_text(
        "The pull of tokens is due now: the pull worker runs it on its next round."
    )
    eventually("another pull of tokens", lambda: token_pulls() > pulls)

    page.get_by_role("link", name="Rotate token…").click()
    confirm = page.locator("section.confirm")
    expect(confirm.locator("h2")).to_have_text("Rotate the tokens with acme?")
    confirm.get_by_role("button", name="Rotate the tokens").click()
    expect(page.locator(".notice")).to_contain_text("The tokens were rotated")
    # The partner got a new token to call us with (credentials PUT); the old one is refused.
    (new_token,) = partner.our_tokens
    assert new_token != connected.their_token
    assert partner_calls(connected.their_token).status_code == 401
    assert partner_calls(new_token).status_code == 200

    page.get_by_role("link", name="Suspend…").click()
    expect(confirm.locator("h2")).to_have_text("Suspend acme?")
    confirm.get_by_role("button", name="Suspend acme").click()
    expect(page.locator(".notice")).to_contain_text("The connection is suspended")
    expect(page.locator("dd.state")).to_contain_text("suspended")
    refused = partner_calls(new_token)
    assert refused.status_code == 401
    assert "suspended" in refused.json()["status_message"]
    expect(page.get_by_role("button", name="Pull now (all modules)")).to_have_count(0)

    page.get_by_role("button", name="Resume").click()
    expect(page.locator(".notice")).to_contain_text("The connection is resumed")
    expect(page.locator("dd.state")).to_contain_text("registered")
    assert partner_calls(new_token).status_code == 200
