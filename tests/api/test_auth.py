"""The admin token: ``Authorization: Bearer <admin token>`` on every backend API route."""

from __future__ import annotations

import httpx
import pytest

from openroam._services.node import Node
from tests.api.conftest import ADMIN_TOKEN, BASE_URL, api_app
from tests.api.support import error_of, location

ROUTES = [
    ("GET", "/api/locations"),
    ("PUT", "/api/locations/NL/ORM/LOC1"),
    ("PATCH", "/api/locations/NL/ORM/LOC1/E1"),
    ("PUT", "/api/locations/NL/ORM/LOC1/E1/status"),
    ("DELETE", "/api/tariffs/NL/ORM/T1"),
    ("GET", "/api/tokens/NL/ORM/U1?type=RFID"),
    ("GET", "/api/partners"),
    ("GET", "/api/partners/someone/locations"),
    ("GET", "/api/events"),
    ("GET", "/api/no/such/path"),
]


async def test_missing_token_is_401(anonymous: httpx.AsyncClient) -> None:
    for method, path in ROUTES:
        response = await anonymous.request(method, path, json=location())
        message = error_of(response, 401, 2000)
        assert "Bearer" in message
        # RFC 6750 §3: the 401 names the scheme the resource expects.
        assert response.headers["www-authenticate"] == "Bearer"


WRONG = [
    f"Bearer {ADMIN_TOKEN}x",
    f"Bearer {ADMIN_TOKEN[:-1]}",
    f"Bearer {ADMIN_TOKEN.upper()}",
    "Bearer ",
    f"Token {ADMIN_TOKEN}",
    ADMIN_TOKEN,
    f"Basic {ADMIN_TOKEN}",
]


async def test_wrong_token_or_scheme_is_401(anonymous: httpx.AsyncClient) -> None:
    for authorization in WRONG:
        response = await anonymous.get("/api/locations", headers={"Authorization": authorization})
        error_of(response, 401, 2000)


async def test_the_admin_token_is_accepted_and_the_scheme_is_case_insensitive(
    anonymous: httpx.AsyncClient,
) -> None:
    for scheme in ("Bearer", "bearer", "BEARER"):
        response = await anonymous.get(
            "/api/locations", headers={"Authorization": f"{scheme} {ADMIN_TOKEN}"}
        )
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("configured", [None, ""])
async def test_without_a_configured_token_every_request_is_refused(
    node: Node, configured: str | None
) -> None:
    transport = httpx.ASGITransport(app=api_app(node, admin_token=configured))
    headers: tuple[dict[str, str], ...] = (
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer anything"},
    )
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        for method, path in ROUTES:
            for header in headers:
                response = await http.request(method, path, headers=header, json=location())
                assert "OPENROAM_ADMIN_TOKEN" in error_of(response, 401, 2000), (method, path)


async def test_the_openapi_document_needs_no_token(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "openroam backend API"


async def test_ocpi_routes_do_not_accept_the_admin_token(anonymous: httpx.AsyncClient) -> None:
    # The admin token opens the backend API only; OCPI modules want a partner's credentials token.
    response = await anonymous.get(
        "/ocpi/2.2.1/sender/locations", headers={"Authorization": f"Token {ADMIN_TOKEN}"}
    )
    assert response.status_code == 401
