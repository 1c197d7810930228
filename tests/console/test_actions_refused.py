"""Every console action is refused without its safeguards, and every page needs a login.

The routes are read from the app itself (``build_app``), so an action added to any page later is
checked here without touching this file: each POST under /admin (but the login) must be refused
with 403 — and change nothing in the node's database or its session — when sent without the
session cookie, with the cookie but without or with a wrong CSRF token, or from another origin.
Each page (GET) without a session leads to the login page.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from openroam._admin._auth import action_form
from openroam._config import Settings
from openroam._runtime import build_app
from tests.console.browser import ADMIN_TOKEN
from tests.console.conftest import console_node_config
from tests.e2e.nodes import NodeConfig, running

#: The partner invited before the checks: path parameters name it, so an action that slipped
#: through would have something to change.
PARTNER = "refusal-msp"
#: A page that any session can open, to read the CSRF token from and to see a session work.
SOME_PAGE = "/admin/health"
OTHER_ORIGIN = "http://evil.example"


def _console_app() -> FastAPI:
    settings = Settings(
        database_url="sqlite+aiosqlite:///:memory:",
        admin_token=ADMIN_TOKEN,
        console={"enabled": "on"},
        parties=[{"country_code": "NL", "party_id": "CON", "role": "CPO", "name": "Console"}],
    )
    return build_app(settings)  # its lifespan (the database) never runs: routes only


def _walk(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    # FastAPI keeps an included router as one entry holding the router's own routes (the
    # console's router has no prefix: its routes carry their full paths).
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            yield from _walk(original.routes)
        else:
            yield route


def _console_routes(method: str) -> list[APIRoute]:
    return [
        route
        for route in _walk(_console_app().router.routes)
        if isinstance(route, APIRoute)
        and route.path.startswith("/admin")
        and method in route.methods
        and route.path != "/admin/login"
    ]


ACTIONS = _console_routes("POST")
PAGES = _console_routes("GET")


def _calls(dependant: Dependant) -> Iterator[object]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def _path(route: APIRoute) -> str:
    # Plausible values: the invited partner's name for text, 1 for numbers.
    values = {
        param.name: "1" if param.field_info.annotation is int else PARTNER
        for param in route.dependant.path_params
    }
    return route.path_format.format(**values)  # {name:path} → {name}


def test_the_console_has_actions_and_pages() -> None:
    # The enumeration itself works: at least the logout action and the health page are found.
    assert "/admin/logout" in {route.path for route in ACTIONS}
    assert SOME_PAGE in {route.path for route in PAGES}


@pytest.mark.parametrize("route", ACTIONS, ids=lambda route: route.path)
def test_every_action_checks_session_csrf_and_origin(route: APIRoute) -> None:
    # The Form dependency (action_form) is what refuses: every action must depend on it.
    assert action_form in set(_calls(route.dependant)), f"{route.path} does not use Form"


def _fingerprint(database: Path) -> str:
    """A hash of every row of every table of the node's SQLite database."""
    digest = hashlib.sha256()
    # closing(): sqlite3's own context manager ends the transaction, not the connection (an
    # unclosed one is a ResourceWarning on Python 3.13).
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        for table in tables:
            digest.update(table.encode())
            for row in connection.execute(f'SELECT * FROM "{table}" ORDER BY 1'):
                digest.update(repr(row).encode())
    return digest.hexdigest()


def _with(cookie: str | None, **headers: str) -> dict[str, str]:
    # The cookie as a browser sends it, per request (the client keeps none between requests).
    return headers | ({"Cookie": f"openroam_console={cookie}"} if cookie is not None else {})


def _log_in(client: httpx.Client, node: NodeConfig) -> tuple[str, str]:
    """A new session: its cookie value and the CSRF token its pages carry."""
    client.cookies.clear()
    answer = client.post(
        "/admin/login",
        data={"name": "admin", "password": ADMIN_TOKEN, "next": SOME_PAGE},
        headers={"Origin": node.base_url},
    )
    assert answer.status_code == 303, answer.text
    cookie = answer.cookies["openroam_console"]
    page = client.get(SOME_PAGE, headers=_with(cookie))
    assert page.status_code == 200
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None, "the page carries no CSRF token"
    client.cookies.clear()
    return cookie, found.group(1)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NodeConfig, Path]]:
    tmp_path = tmp_path_factory.mktemp("refused")
    config = console_node_config(tmp_path, "refused")
    with running(config, tmp_path) as started:
        started.cli("invite", PARTNER, "--role", "EMSP", "--party", "DE*RFM")
        yield started, tmp_path / "refused.db"


@pytest.mark.parametrize("route", ACTIONS, ids=lambda route: route.path)
def test_every_action_is_refused_without_its_safeguards(
    node: tuple[NodeConfig, Path], route: APIRoute
) -> None:
    config, database = node
    path = _path(route)
    with httpx.Client(base_url=config.base_url, follow_redirects=False, timeout=30) as client:
        cookie, csrf = _log_in(client, config)
        _other_cookie, other_csrf = _log_in(client, config)
        ours = config.base_url
        forged = cookie[:-4] + ("AAAA" if not cookie.endswith("AAAA") else "BBBB")
        attempts = {
            "no session cookie": (_with(None, Origin=ours), {"csrf": csrf}),
            "a forged session cookie": (_with(forged, Origin=ours), {"csrf": csrf}),
            "no CSRF token": (_with(cookie, Origin=ours), {}),
            "an empty CSRF token": (_with(cookie, Origin=ours), {"csrf": ""}),
            "another session's CSRF token": (_with(cookie, Origin=ours), {"csrf": other_csrf}),
            "another origin": (_with(cookie, Origin=OTHER_ORIGIN), {"csrf": csrf}),
            "an opaque origin": (_with(cookie, Origin="null"), {"csrf": csrf}),
        }
        before = _fingerprint(database)
        for what, (headers, fields) in attempts.items():
            # What an action might want, so that a missing check would let it act.
            form = {"confirm": "yes", "module": "locations", **fields}
            client.cookies.clear()
            answer = client.post(path, data=form, headers=headers)
            assert answer.status_code == 403, f"{path} with {what}: {answer.status_code}"
            assert answer.headers["content-type"].startswith("text/html")
            assert "set-cookie" not in answer.headers, f"{path} with {what} set a cookie"
        assert _fingerprint(database) == before, f"{path}: a refused action changed the database"
        # The session is untouched (a refused logout did not log out).
        client.cookies.clear()
        assert client.get(SOME_PAGE, headers=_with(cookie)).status_code == 200


def test_logout_with_its_safeguards_ends_the_session(node: tuple[NodeConfig, Path]) -> None:
    # The control of the refusals above: the same request with everything right is obeyed.
    config, _database = node
    with httpx.Client(base_url=config.base_url, follow_redirects=False, timeout=30) as client:
        cookie, csrf = _log_in(client, config)
        answer = client.post(
            "/admin/logout",
            data={"csrf": csrf},
            headers=_with(cookie, Origin=config.base_url),
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == "/admin/login"
        client.cookies.clear()
        # The old cookie, replayed after logout, no longer opens a page.
        after = client.get(SOME_PAGE, headers=_with(cookie))
        assert after.status_code == 303
        assert after.headers["location"].startswith("/admin/login?")


@pytest.mark.parametrize("route", PAGES, ids=lambda route: route.path)
def test_every_page_without_a_session_leads_to_the_login(
    node: tuple[NodeConfig, Path], route: APIRoute
) -> None:
    config, _database = node
    with httpx.Client(base_url=config.base_url, follow_redirects=True, timeout=30) as client:
        for cookie in (None, "not.a-session"):
            client.cookies.clear()
            answer = client.get(_path(route), headers=_with(cookie))
            assert answer.status_code == 200
            assert answer.url.path == "/admin/login", f"{route.path} opened without a session"
            assert 'id="password"' in answer.text
