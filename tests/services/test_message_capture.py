"""What the message log captures on a real node: requests under /ocpi our server answers (the
fast GET list path ahead of FastAPI, and FastAPI's routes), none elsewhere; the requests our
client sends, with their partner; nothing at all when the log is off."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import orjson
import pytest

from openroam._config import MessageLogConfig, Settings
from openroam._runtime import client_factory, open_node
from openroam._server.app import create_app
from openroam._services.message_log import list_messages
from openroam._services.node import Node
from openroam._store.message_log import MessageFilter, MessageSummary
from openroam._store.tables import Partner, PartnerStatus
from openroam.client import OcpiHttpClient
from openroam.client._observe import SentExchange
from openroam.errors import PartnerRequestError

ANSWER = b'{"data": null, "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}'
PARTIES = [{"country_code": "NL", "party_id": "CAP", "role": "CPO", "name": "Capture CPO"}]


def _settings(database_url: str, *, enabled: bool = True) -> Settings:
    return Settings(
        database_url=database_url,
        parties=PARTIES,  # type: ignore[arg-type]
        message_log=MessageLogConfig(enabled=enabled),
    )


@asynccontextmanager
async def _node_and_client(settings: Settings) -> AsyncIterator[tuple[Node, httpx.AsyncClient]]:
    async with open_node(settings) as node:
        app = create_app(node)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
            yield node, client


async def _all(node: Node) -> list[MessageSummary]:
    page = await list_messages(node.db, node.message_log, MessageFilter(), 100)
    return page.rows


async def test_requests_under_ocpi_are_captured_fast_paths_included(database_url: str) -> None:
    async with _node_and_client(_settings(database_url)) as (node, client):
        ids = {"X-Request-ID": "req-capture-1", "X-Correlation-ID": "cor-capture-1"}
        versions = await client.get("/ocpi/versions", headers={"Authorization": "Token nope"})
        assert versions.status_code == 401
        # The GET list is answered ahead of FastAPI (OcpiApp's fast path).
        listed = await client.get(
            "/ocpi/2.2.1/sender/locations?limit=5",
            headers={"Authorization": "Token " + base64.b64encode(b"unknown").decode(), **ids},
        )
        assert listed.status_code == 401
        posted = await client.post(
            "/ocpi/2.2.1/credentials",
            content=b'{"token": "a-secret-token", "url": "x"}',
            headers={"Authorization": "Token nope", "Content-Type": "application/json"},
        )
        assert posted.status_code == 401
        assert (await client.get("/health")).status_code == 200  # not OCPI: not logged
        rows = await _all(node)

    assert [(row.method, row.url) for row in rows] == [
        ("POST", "/ocpi/2.2.1/credentials"),
        ("GET", "/ocpi/2.2.1/sender/locations?limit=5"),
        ("GET", "/ocpi/versions"),
    ]
    credentials, locations, _versions = rows
    assert all(row.direction == "in" and row.http_status == 401 for row in rows)
    assert locations.module == "locations"
    assert locations.ocpi_status == 2000
    assert (locations.request_id, locations.correlation_id) == ("req-capture-1", "cor-capture-1")
    assert credentials.request_bytes == len(b'{"token": "a-secret-token", "url": "x"}')


async def test_nothing_is_captured_when_the_log_is_off(database_url: str) -> None:
    async with _node_and_client(_settings(database_url, enabled=False)) as (node, client):
        assert node.message_log is None
        await client.get("/ocpi/versions", headers={"Authorization": "Token nope"})
        assert await _all(node) == []


async def test_requests_our_client_sends_are_captured_with_their_partner(
    database_url: str,
) -> None:
    def partner(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/unreachable"):
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(
            200,
            content=orjson.dumps(
                {"data": [], "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}
            ),
        )

    transport = httpx.MockTransport(partner)
    async with open_node(_settings(database_url)) as node:
        async with node.db.session() as session, session.begin():
            stored = Partner(
                name="partner-out", status=PartnerStatus.REGISTERED, outgoing_token="token-c-out"
            )
            session.add(stored)
        clients = client_factory(transport, None, node.message_log)
        client = clients("token-c-out", True)
        async with client:
            await client.request("GET", "https://p.example/ocpi/2.2.1/tariffs")
            with pytest.raises(PartnerRequestError, match="could not reach"):
                await client.request("PUT", "https://p.example/ocpi/2.2.1/unreachable")
        rows = await _all(node)

    unreachable, tariffs = rows
    assert tariffs.direction == "out"
    assert (tariffs.partner_id, tariffs.partner_name) == (stored.id, "partner-out")
    assert (tariffs.module, tariffs.http_status, tariffs.ocpi_status) == ("tariffs", 200, 1000)
    assert tariffs.request_id is not None
    assert tariffs.correlation_id is not None
    assert unreachable.http_status is None
    assert unreachable.error is not None
    assert "could not reach the partner" in unreachable.error


async def test_the_client_tells_its_observer_without_the_log() -> None:
    seen: list[SentExchange] = []

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=ANSWER)

    client = OcpiHttpClient(
        "some-token", transport=httpx.MockTransport(answer), observer=seen.append
    )
    async with client:
        await client.request("DELETE", "https://p.example/x", correlation_id="cor-x")
    (sent,) = seen
    assert (sent.method, sent.url, sent.status, sent.correlation_id) == (
        "DELETE",
        "https://p.example/x",
        200,
        "cor-x",
    )
    assert sent.response_body == ANSWER
