"""The console answers every failure as an HTML page (openroam._admin._app.ConsoleRoute): a bug,
bad input, an unknown path or method — never an OCPI envelope or a traceback."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends

from openroam._admin._app import ConsoleRoute
from openroam._admin._auth import Visitor, visitor
from openroam._config import Settings
from openroam._runtime import build_app

TOKEN = "error-pages-admin-token"
BASE = "http://127.0.0.1:8000"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url="sqlite+aiosqlite:///:memory:",
        admin_token=TOKEN,
        console={"enabled": "on"},
        parties=[{"country_code": "NL", "party_id": "CON", "role": "CPO", "name": "Console"}],
    )
    app = build_app(settings)  # no lifespan: these pages need no database
    router = APIRouter(route_class=ConsoleRoute)

    async def failing(who: Annotated[Visitor, Depends(visitor)]) -> None:
        raise RuntimeError("a bug with a secret in its message: hunter2")

    async def numbered(page: int, who: Annotated[Visitor, Depends(visitor)]) -> dict[str, int]:
        return {"page": page}

    router.add_api_route("/admin/test-failing", failing, methods=["GET"])
    router.add_api_route("/admin/test-numbered", numbered, methods=["GET"])
    app.include_router(router)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        login = await client.post(
            "/admin/login", data={"name": "admin", "password": TOKEN}, headers={"Origin": BASE}
        )
        assert login.status_code == 303
        yield client


def _alert(answer: httpx.Response) -> str:
    assert answer.headers["content-type"].startswith("text/html")
    found = re.search(r'role="alert">(.*?)<', answer.text)
    assert found is not None, answer.text
    return found.group(1)


async def test_a_bug_in_a_page_is_an_html_500_with_the_request_id(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.get("/admin/test-failing")
    assert answer.status_code == 500
    assert answer.headers["x-request-id"] in _alert(answer)
    assert "hunter2" not in answer.text
    assert "Traceback" not in answer.text


async def test_bad_input_is_an_html_400_saying_what(client: httpx.AsyncClient) -> None:
    answer = await client.get("/admin/test-numbered", params={"page": "abc"})
    assert answer.status_code == 400
    assert "page" in _alert(answer)
    assert (await client.get("/admin/test-numbered", params={"page": "2"})).json() == {"page": 2}


async def test_unknown_paths_and_methods_are_html_pages(client: httpx.AsyncClient) -> None:
    missing = await client.get("/admin/no/such/page")
    assert missing.status_code == 404
    assert "no such page" in _alert(missing)
    wrong = await client.put("/admin/login")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET, POST"
    assert "does not answer that method" in _alert(wrong)
    static = await client.get("/admin/static/no-such.css")
    assert static.status_code == 404
    assert static.headers["content-type"].startswith("text/html")
