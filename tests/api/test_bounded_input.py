"""Bounded input on the backend API: integers beyond 64 bits in queries, paths and bodies, NUL
characters and bodies beyond the limit get the API's error shape with HTTP 400 (2001) or 413,
never a 5xx. SQLite and PostgreSQL (docs/architecture.md "Bounded input")."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest

from openroam._api import include_api
from openroam._server.app import create_app
from openroam._services.node import Node
from tests.api.conftest import ADMIN_TOKEN, BASE_URL
from tests.api.support import error_of, location

TOO_LARGE = [str(2**63), str(2**64), "9" * 25, "9" * 5000]
LISTS = ["/api/locations", "/api/tariffs", "/api/tokens", "/api/sessions", "/api/cdrs"]


@pytest.mark.parametrize("path", LISTS)
async def test_list_offset_and_limit_beyond_64_bits_are_400(
    client: httpx.AsyncClient, path: str
) -> None:
    for name in ("offset", "limit"):
        for value in TOO_LARGE:
            response = await client.get(path, params={name: value})
            assert name in error_of(response, 400, 2001)


async def test_events_after_beyond_64_bits_is_400(client: httpx.AsyncClient) -> None:
    for value in TOO_LARGE:
        response = await client.get("/api/events", params={"after": value})
        assert "after" in error_of(response, 400, 2001)


async def test_the_largest_64_bit_offset_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/locations", params={"offset": str(2**63 - 1)})
    assert response.status_code == 200, response.text
    response = await client.get("/api/events", params={"after": str(2**63 - 1)})
    assert response.status_code == 200, response.text


async def test_a_request_id_beyond_64_bits_is_400(client: httpx.AsyncClient) -> None:
    for value in TOO_LARGE[:3]:
        response = await client.get(f"/api/chargingprofiles/requests/{value}")
        error_of(response, 400, 2001)


async def test_integer_beyond_64_bits_in_a_body_is_400(client: httpx.AsyncClient) -> None:
    for big in (2**63, 2**64, -(2**63) - 1, 10**40):
        body = location("BIG")
        body["evses"][0]["connectors"][0]["max_voltage"] = big
        for document in (body, location("BIG", extra={"deep": [big]})):
            response = await client.put(
                "/api/locations/NL/ORM/BIG", content=json.dumps(document).encode()
            )
            assert "64-bit" in error_of(response, 400, 2001)


async def test_nul_in_a_body_is_400(client: httpx.AsyncClient) -> None:
    body = location("NUL", name="A\u0000B")
    response = await client.put("/api/locations/NL/ORM/NUL", content=orjson.dumps(body))
    assert "$.name" in error_of(response, 400, 2001)


async def test_nul_in_a_query_is_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/events", params={"subject": "a\u0000b"})
    error_of(response, 400, 2001)


LIMIT = 64 * 1024


@pytest.fixture
async def small_limit(node: Node) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(node, max_body_bytes=LIMIT)
    include_api(app, ADMIN_TOKEN)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as http:
        yield http


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
async def test_a_body_beyond_the_limit_is_413_in_the_api_shape(
    small_limit: httpx.AsyncClient,
) -> None:
    body = orjson.dumps(location("BIG")) + b" " * LIMIT
    response = await small_limit.put("/api/locations/NL/ORM/BIG", content=body)
    error_of(response, 413, 2000)

    async def streamed() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b" " * 4096

    response = await small_limit.put("/api/locations/NL/ORM/BIG", content=streamed())
    error_of(response, 413, 2000)


async def test_nul_in_a_path_is_400(client: httpx.AsyncClient) -> None:
    """Found by tests/server/test_never_5xx.py: a 5xx on PostgreSQL."""
    response = await client.get("/api/partners/a%00b")
    error_of(response, 400, 2001)


async def test_an_api_path_no_route_matches_is_answered_in_the_api_shape(
    client: httpx.AsyncClient,
) -> None:
    """Found by tests/server/test_never_5xx.py: a newline escapes the catch-all's pattern."""
    response = await client.delete("/api/%0A0")
    error_of(response, 404, 2000)


async def test_a_body_fastapi_cannot_decode_is_400(client: httpx.AsyncClient) -> None:
    """Found by tests/server/test_never_5xx.py: a body that is not UTF-8 was a 500 on the
    routes whose body FastAPI decodes."""
    response = await client.post(
        "/api/chargingprofiles/requests/1/result",
        content=b"\x00\x00\x00{\x00",
        headers={"Content-Type": "application/json"},
    )
    error_of(response, 400, 2001)


async def test_a_405_under_the_api_the_catch_all_misses_is_in_the_api_shape(
    client: httpx.AsyncClient,
) -> None:
    """Found by tests/server/test_never_5xx.py: a newline in a path that another route of
    another method matches."""
    response = await client.put("/api/partners/NL/sessions/a%0Ab%2Fc/charging_preferences")
    error_of(response, 405, 2000)
    assert response.headers["allow"] == "GET"
