"""Logging in to the console in a real browser."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.e2e.nodes import NodeConfig


def test_a_page_without_a_session_leads_to_the_login_and_back(
    page: Page, console_node: NodeConfig
) -> None:
    page.goto(f"{console_node.base_url}/admin/tariffs")
    assert "/admin/login" in page.url
    page.fill("#name", "admin")
    page.fill("#password", "console-admin-token-for-tests")
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"{console_node.base_url}/admin/tariffs")
    assert page.locator("h1").inner_text() == "Tariffs"
    cookie = next(c for c in page.context.cookies() if c["name"] == "openroam_console")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/admin"


def test_a_wrong_password_is_refused(page: Page, console_node: NodeConfig) -> None:
    page.goto(f"{console_node.base_url}/admin/login")
    page.fill("#name", "admin")
    page.fill("#password", "not-the-token")
    page.click("form.login button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "Wrong name or password."
    assert not [c for c in page.context.cookies() if c["name"] == "openroam_console"]
