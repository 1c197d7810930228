"""Logging in to the console in a real browser."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from openroam._admin._session import COOKIE, SessionSigner
from tests.console.browser import ADMIN_TOKEN, log_in
from tests.console.conftest import console_node_config
from tests.e2e.nodes import NodeConfig, running


@pytest.fixture(scope="module")
def shared_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeConfig]:
    """One node for the tests that change nothing another test sees: they log in successfully,
    are refused before a login is tried, or ask for pages. The tests that fail logins count
    towards the node's login throttle, so they keep a fresh node (``console_node``) each."""
    tmp_path = tmp_path_factory.mktemp("shared")
    with running(console_node_config(tmp_path), tmp_path) as node:
        yield node


def test_a_page_without_a_session_leads_to_the_login_and_back(
    page: Page, shared_node: NodeConfig
) -> None:
    page.goto(f"{shared_node.base_url}/admin/tariffs")
    assert "/admin/login" in page.url
    page.fill("#name", "admin")
    page.fill("#password", "console-admin-token-for-tests")
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"{shared_node.base_url}/admin/tariffs")
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


# --- users, logout, throttling, expiry, the cookie's flags, error pages -----------------------

SECRET = "console-test-secret-0123456789abcdef"
USER, USER_PASSWORD = "ops", "correct horse battery"


def _hash_from_the_cli(node: NodeConfig) -> str:
    """What ``openroam console-password`` prints for USER, as an operator would paste it."""
    result = subprocess.run(
        [sys.executable, "-m", "openroam", "console-password", USER, "--stdin"],
        input=USER_PASSWORD + "\n",
        env=node.env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    entry = tomllib.loads(result.stdout)["console"]["users"][0]
    assert entry["name"] == USER
    assert USER_PASSWORD not in result.stdout
    return str(entry["password_hash"])


@pytest.fixture(scope="module")
def users_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeConfig]:
    """A node with a console user (hashed by the CLI) and a known session secret."""
    tmp_path = tmp_path_factory.mktemp("users")
    plain = console_node_config(tmp_path, "users")
    users = [{"name": USER, "password_hash": _hash_from_the_cli(plain)}]
    config = console_node_config(
        tmp_path,
        "users",
        OPENROAM_CONSOLE__USERS=json.dumps(users),
        OPENROAM_CONSOLE__SECRET=SECRET,
    )
    with running(config, tmp_path) as node:
        yield node


def test_a_console_user_logs_in_with_the_password_the_cli_hashed(
    page: Page, users_node: NodeConfig
) -> None:
    log_in(page, users_node, user=USER, password=USER_PASSWORD)
    expect(page.locator("header .who")).to_have_text(USER)


def test_logging_out_ends_the_session(page: Page, users_node: NodeConfig) -> None:
    log_in(page, users_node, user=USER, password=USER_PASSWORD)
    page.goto(f"{users_node.base_url}/admin/health")
    page.click("form.logout button[type=submit]")
    page.wait_for_url(f"{users_node.base_url}/admin/login")
    assert not [c for c in page.context.cookies() if c["name"] == COOKIE]
    page.goto(f"{users_node.base_url}/admin/health")
    expect(page.locator("h1")).to_have_text("Log in")


def test_an_expired_session_leads_to_the_login_with_a_note(
    page: Page, users_node: NodeConfig
) -> None:
    # A cookie the node itself signed (same secret), whose 12 hours ended a minute ago.
    signer = SessionSigner(SECRET.encode(), 12 * 3600)
    cookie, _ = signer.issue(USER, now=time.time() - 12 * 3600 - 60)
    page.context.add_cookies(
        [{"name": COOKIE, "value": cookie, "url": f"{users_node.base_url}/admin"}]
    )
    page.goto(f"{users_node.base_url}/admin/health")
    expect(page.locator("h1")).to_have_text("Log in")
    expect(page.locator("[role=status]")).to_have_text("Your session ended: log in again.")
    # A cookie signed the same way but within its hours opens the page: the expiry refused it.
    fresh, _ = signer.issue(USER)
    page.context.add_cookies(
        [{"name": COOKIE, "value": fresh, "url": f"{users_node.base_url}/admin"}]
    )
    page.goto(f"{users_node.base_url}/admin/health")
    expect(page.locator("h1")).to_have_text("Health")


def _login(node: NodeConfig, name: str, password: str, origin: str | None = None) -> httpx.Response:
    return httpx.post(
        f"{node.base_url}/admin/login",
        data={"name": name, "password": password, "next": "/admin/health"},
        headers={"Origin": origin or node.base_url},
        timeout=30,
    )


def test_failed_logins_are_throttled_per_name_and_client(console_node: NodeConfig) -> None:
    for _ in range(5):
        assert _login(console_node, "admin", "a guess").status_code == 401
    # Even the right password is refused now, and nothing says whether it was right.
    refused = _login(console_node, "admin", ADMIN_TOKEN)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many failed logins" in refused.text
    assert "set-cookie" not in refused.headers
    # Another name from the same client is not held up by these failures.
    assert _login(console_node, "nobody", "a guess").status_code == 401


def test_a_login_from_another_site_is_refused(shared_node: NodeConfig) -> None:
    answer = _login(shared_node, "admin", ADMIN_TOKEN, origin="http://evil.example")
    assert answer.status_code == 403
    assert "set-cookie" not in answer.headers


def _cookie_flags(answer: httpx.Response) -> list[str]:
    return [part.strip().lower() for part in answer.headers["set-cookie"].split(";")]


def test_the_cookie_is_secure_when_the_public_url_is_https(
    tmp_path: Path, shared_node: NodeConfig
) -> None:
    # Behind a TLS-terminating proxy: partners and browsers reach https://, the node listens on
    # plain http on loopback.
    config = console_node_config(tmp_path, "tls", OPENROAM_PUBLIC_URL="https://console.example")
    with running(config, tmp_path) as node:
        answer = _login(node, "admin", ADMIN_TOKEN, origin="https://console.example")
        assert answer.status_code == 303
        flags = _cookie_flags(answer)
        assert "secure" in flags
        assert "httponly" in flags
        assert "samesite=strict" in flags
    # A node served over plain http cannot mark it Secure (the browser would drop it).
    plain = _login(shared_node, "admin", ADMIN_TOKEN)
    assert plain.status_code == 303
    assert "secure" not in _cookie_flags(plain)


def test_unknown_pages_and_methods_under_admin_answer_html(shared_node: NodeConfig) -> None:
    missing = httpx.get(f"{shared_node.base_url}/admin/no-such-page", timeout=30)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in missing.text
    assert "status_code" not in missing.text  # no OCPI envelope
    wrong = httpx.delete(f"{shared_node.base_url}/admin/health", timeout=30)
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET"
    assert wrong.headers["content-type"].startswith("text/html")
    assert "<h1>Method not allowed</h1>" in wrong.text
    assert "frame-ancestors 'none'" in wrong.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("asked", "lands"),
    [
        ("/admin/health?a=1&b=x%26y", "/admin/health?a=1&b=x%26y"),
        # Never away from the console (an open redirect), nor back to the login.
        ("https://evil.example/admin", "/admin/partners"),
        ("//evil.example/admin", "/admin/partners"),
        ("/administrator", "/admin/partners"),
        ("/admin/login", "/admin/partners"),
    ],
)
def test_the_login_returns_to_the_page_asked_for_and_only_in_the_console(
    shared_node: NodeConfig, asked: str, lands: str
) -> None:
    with httpx.Client(base_url=shared_node.base_url, timeout=30) as client:
        if asked.startswith("/admin/health"):
            # The page itself sends the visitor to the login page, with the page in ``next``.
            found = client.get(asked, follow_redirects=True)
            assert found.url.path == "/admin/login"
            next_value = re.search(r'name="next" value="([^"]*)"', found.text)
            assert next_value is not None
            asked = html.unescape(next_value.group(1))
        answer = client.post(
            "/admin/login",
            data={"name": "admin", "password": ADMIN_TOKEN, "next": asked},
            headers={"Origin": shared_node.base_url},
            follow_redirects=False,
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == lands
