"""The Message log page in a real browser: a partner registers with the node (the credentials
exchange, over real HTTP); its credentials POST is listed, and opened it shows the tokens
masked — no token text anywhere on the page."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.console.browser import log_in
from tests.console.conftest import console_node_config
from tests.e2e.nodes import NodeConfig, running
from tests.e2e.ocpi_partner import OcpiPartner, ocpi_partner

PARTNER_ROLES = [
    {
        "role": "EMSP",
        "business_details": {"name": "Masked eMSP"},
        "party_id": "MSK",
        "country_code": "DE",
    }
]


def _line(output: str, label: str) -> str:
    line = next(line for line in output.splitlines() if line.startswith(label))
    return line.split(":", 1)[1].strip()


def _register(node: NodeConfig, partner: OcpiPartner, token_b: str) -> tuple[str, str]:
    """The partner registers as a real platform does; token A and the token C it got."""
    token_a = _line(
        node.cli("invite", "masked", "--role", "EMSP", "--party", "DE*MSK").stdout, "token A:"
    )
    # Base64, as 2.2.1 says: the node then calls the partner back in that form too.
    ours = {"Authorization": partner.header(token_a)}
    versions = httpx.get(node.versions_url, headers=ours, timeout=10).json()
    details = httpx.get(versions["data"][0]["url"], headers=ours, timeout=10).json()
    credentials_url = next(
        e["url"] for e in details["data"]["endpoints"] if e["identifier"] == "credentials"
    )
    partner.tokens.add(token_b)
    posted = httpx.post(
        credentials_url,
        json={"token": token_b, "url": partner.versions_url, "roles": PARTNER_ROLES},
        headers=ours,
        timeout=30,
    ).json()
    assert posted["status_code"] == 1000, posted
    return token_a, posted["data"]["token"]


def test_the_credentials_exchange_is_logged_with_its_tokens_masked(
    page: Page, tmp_path: Path
) -> None:
    node = console_node_config(tmp_path)
    token_b = "partner-token-b-must-never-show-0123"
    with (
        running(node, tmp_path),
        ocpi_partner(
            raw=False, modules={"tariffs": "RECEIVER"}, credentials_roles=PARTNER_ROLES
        ) as emsp,
    ):
        token_a, token_c = _register(node, emsp, token_b)
        log_in(page, node)

        page.goto(f"{node.base_url}/admin/messages")
        expect(page.locator("h1")).to_have_text("Message log")
        # Our node called the partner back during the registration: its versions (out).
        page.select_option("#f-direction", "out")
        page.click("form.filters button[type=submit]")
        expect(page.locator("table.messages tbody tr").first).to_be_visible()
        assert "/ocpi/versions" in page.locator("table.messages tbody").inner_text()

        # The partner's credentials POST (in), found with the filters.
        page.goto(f"{node.base_url}/admin/messages")
        page.select_option("#f-direction", "in")
        page.select_option("#f-module", "credentials")
        page.select_option("#f-method", "POST")
        page.click("form.filters button[type=submit]")
        rows = page.locator("table.messages tbody tr")
        expect(rows).to_have_count(1)
        row = rows.first
        assert "masked" in row.inner_text()  # the partner's name
        assert "/ocpi/2.2.1/credentials" in row.inner_text()
        row.locator("th a").click()

        expect(page.locator("h1")).to_have_text("POST credentials (in)")
        bodies = page.locator("pre.body")
        expect(bodies).to_have_count(2)
        request_body, response_body = bodies.nth(0).inner_text(), bodies.nth(1).inner_text()
        assert '"token": "***masked***"' in request_body
        assert '"token": "***masked***"' in response_body
        assert emsp.versions_url in request_body  # the rest of the body is kept as sent
        assert '"status_code": 1000' in response_body
        html = page.content()
        for token in (token_a, token_b, token_c):
            assert token not in html
