"""Response headers (transport_and_format.asciidoc "Unique message IDs", "Message Routing
Headers"), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import httpx

from openroam._server.middleware import new_id
from tests.server.conftest import Registration
from tests.server.support import CREDENTIALS, partner_credentials, token_header


def _requests(token: str) -> list[tuple[str, str, dict[str, str], int]]:
    """(method, path, headers, expected HTTP status): answers of every kind."""
    auth = token_header(token)
    return [
        ("GET", "/ocpi/versions", auth, 200),
        ("GET", "/ocpi/2.2.1", auth, 200),
        ("GET", CREDENTIALS, auth, 200),
        ("GET", CREDENTIALS, {}, 401),
        ("GET", "/ocpi/nope", auth, 404),
        ("PATCH", CREDENTIALS, auth, 405),
        ("POST", CREDENTIALS, auth | {"Content-Type": "application/json"}, 400),
    ]


async def _send(
    client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]
) -> httpx.Response:
    content = b"{not json" if method == "POST" else None
    return await client.request(method, path, headers=headers, content=content)


async def test_request_and_correlation_ids_are_echoed(
    client: httpx.AsyncClient, token_a: str
) -> None:
    """T&F "Unique message IDs": the response SHALL carry the request's X-Request-ID and
    X-Correlation-ID — on successes and on errors alike."""
    for method, path, headers, status in _requests(token_a):
        ids = {"X-Request-ID": f"req-{uuid.uuid4()}", "X-Correlation-ID": f"cor-{uuid.uuid4()}"}
        response = await _send(client, method, path, headers | ids)
        assert response.status_code == status, (method, path, response.text)
        assert response.headers["x-request-id"] == ids["X-Request-ID"], (method, path)
        assert response.headers["x-correlation-id"] == ids["X-Correlation-ID"], (method, path)


async def test_request_and_correlation_ids_are_generated_when_absent(
    client: httpx.AsyncClient, token_a: str
) -> None:
    """T&F "Unique message IDs": every message carries both ids (a GUID/UUID is advised); the
    server generates them for a client that sent none, unique per response."""
    seen: set[str] = set()
    for method, path, headers, status in _requests(token_a):
        response = await _send(client, method, path, headers)
        assert response.status_code == status, (method, path, response.text)
        request_id = response.headers["x-request-id"]
        correlation_id = response.headers["x-correlation-id"]
        for value in (request_id, correlation_id):
            assert str(uuid.UUID(value)) == value
        assert not {request_id, correlation_id} & seen
        seen |= {request_id, correlation_id}


async def test_no_routing_headers_on_configuration_modules(
    client: httpx.AsyncClient, registered: Registration
) -> None:
    """T&F "Message Routing Headers": OCPI-from/to-* SHALL NOT be used for the Configuration
    modules (versions, credentials)."""
    token_c = registered.token_c
    answers = [
        await client.get("/ocpi/versions", headers=token_header(token_c)),
        await client.get("/ocpi/2.2.1", headers=token_header(token_c)),
        await client.get(CREDENTIALS, headers=token_header(token_c)),
        await client.post(
            CREDENTIALS, json=partner_credentials("token-b-2"), headers=token_header(token_c)
        ),
        await client.put(
            CREDENTIALS, json=partner_credentials("token-b-3"), headers=token_header(token_c)
        ),
        await client.get(CREDENTIALS, headers={}),
    ]
    token_c = answers[4].json()["data"]["token"]
    answers.append(await client.delete(CREDENTIALS, headers=token_header(token_c)))
    assert [a.status_code for a in answers] == [200, 200, 200, 405, 200, 401, 200]
    for answer in answers:
        routing = [name for name in answer.headers if name.lower().startswith("ocpi-")]
        assert routing == [], (answer.request.method, answer.request.url)


def test_generated_ids_are_distinct_canonical_version_4_uuids() -> None:
    ids = [new_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    for value in ids[:1000]:
        parsed = uuid.UUID(value)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, value)
