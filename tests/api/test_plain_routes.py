"""The Location, EVSE and Connector PATCH are served by plain routes placed before every other
route (_api/plain.py, the EVSE status hot path); they answer exactly as the FastAPI routes
declared behind them, which the OpenAPI document describes."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from openroam._server.app import create_app
from openroam._services.node import Node
from tests.api.conftest import ADMIN_TOKEN, BASE_URL, _router, api_app
from tests.api.support import location

LOC = "/api/locations/NL/ORM/LOC1"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LATER = b'{"status":"CHARGING","last_updated":"2026-02-01T00:00:00Z"}'

CASES: list[tuple[str, dict[str, str], bytes]] = [
    (f"{LOC}/E1", {}, LATER),
    (f"{LOC}/E1", {"Authorization": "Bearer wrong"}, LATER),
    (f"{LOC}/E1", {"Authorization": f"Token {ADMIN_TOKEN}"}, LATER),
    # 401 before the path parameters are looked at, as FastAPI's dependency order has it.
    ("/api/locations/NLD/ORM/LOC1/E1", {}, LATER),
    ("/api/locations/NLD/ORM/LOC1/E1", AUTH, LATER),
    ("/api/locations/NLD/ORMX/LOC1", AUTH, LATER),
    (f"{LOC}/{'E' * 37}", AUTH, LATER),
    (f"{LOC}/E1/{'1' * 37}", AUTH, LATER),
    ("/api/locations/N%01/ORM/LOC1/E1", AUTH, LATER),
    (f"{LOC}/E1/caf%C3%A9", AUTH, LATER),
    ("/api/locations/NL/ORM/LOC9/E1", AUTH, LATER),
    ("/api/locations/DE/ORM/LOC1/E1", AUTH, LATER),
    (f"{LOC}/E9", AUTH, LATER),
    (f"{LOC}/E1", AUTH, b"{not json"),
    (f"{LOC}/E1", AUTH, b'{"status":"SLEEPING"}'),
    (f"{LOC}/E1", AUTH, b'{"uid":"E2","last_updated":"2026-02-01T00:00:00Z"}'),
    (f"{LOC}/E1", AUTH, b'{"status":"CHARGING","last_updated":"2025-01-01T00:00:00Z"}'),
    (f"{LOC}/E1", AUTH, LATER),
    (f"{LOC}/E1/1", AUTH, b'{"max_voltage":400,"last_updated":"2026-02-01T00:00:00Z"}'),
    (LOC, AUTH, b'{"name":"Plaza","last_updated":"2026-02-01T00:00:00Z"}'),
]


def _fastapi_routes_only(node: Node) -> FastAPI:
    app = create_app(node)
    app.include_router(_router(ADMIN_TOKEN))
    return app


async def _answer(app: FastAPI, path: str, headers: dict[str, str], body: bytes) -> tuple:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        response = await http.patch(path, headers=headers, content=body)
    return (
        response.status_code,
        response.json(),
        response.headers.get("content-type"),
        response.headers.get("www-authenticate"),
    )


async def test_plain_patch_routes_answer_as_the_fastapi_routes(
    client: httpx.AsyncClient, node: Node
) -> None:
    assert (await client.put(LOC, json=location())).status_code == 201
    plain, declared = api_app(node), _fastapi_routes_only(node)
    for path, headers, body in CASES:
        # Each case is repeatable: the same request twice leaves the same state.
        assert await _answer(plain, path, headers, body) == await _answer(
            declared, path, headers, body
        ), (path, headers, body)


def test_the_plain_routes_come_first_and_the_declared_ones_stay(node: Node) -> None:
    app = api_app(node)
    first = app.router.routes[:3]
    assert [(r.path, r.methods) for r in first] == [  # type: ignore[attr-defined]
        ("/api/locations/{country_code}/{party_id}/{location_id}", {"PATCH"}),
        ("/api/locations/{country_code}/{party_id}/{location_id}/{evse_uid}", {"PATCH"}),
        (
            "/api/locations/{country_code}/{party_id}/{location_id}/{evse_uid}/{connector_id}",
            {"PATCH"},
        ),
    ]
    assert not any(isinstance(route, APIRoute) for route in first)
