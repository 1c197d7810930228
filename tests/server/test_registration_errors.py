"""Errors while the server calls the registering client back (credentials.asciidoc "Errors
during registration", "Required endpoints not available"; status_codes.asciidoc "3xxx"), on
SQLite and PostgreSQL.

These requests are valid JSON from an authenticated party, so they have reached the OCPI layer
and answer HTTP 200 with the 3xxx code (status_codes.asciidoc).
"""

from __future__ import annotations

import socket

import httpx

from tests.server.conftest import register
from tests.server.support import (
    CREDENTIALS,
    PARTNER_DETAILS,
    PARTNER_VERSIONS,
    FakePartner,
    envelope_of,
    partner_credentials,
    token_header,
)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _post(
    client: httpx.AsyncClient, token: str, url: str = PARTNER_VERSIONS
) -> httpx.Response:
    body = partner_credentials("token-b", url=url)
    return await client.post(CREDENTIALS, json=body, headers=token_header(token))


async def _still_pending(client: httpx.AsyncClient, token_a: str) -> None:
    # The failed POST registered nothing: token A still works, so the client can try again.
    body = envelope_of(await client.get(CREDENTIALS, headers=token_header(token_a)), 200, 1000)
    assert body["data"]["token"] == token_a


async def test_3001_when_the_clients_versions_url_refuses_connections(
    client: httpx.AsyncClient, partner: FakePartner, token_a: str
) -> None:
    """CRED "Errors during registration": the callback GET fails → 3001."""
    partner.transport = None  # the real network, to a loopback port nobody listens on
    response = await _post(client, token_a, f"http://127.0.0.1:{_closed_port()}/ocpi/versions")
    body = envelope_of(response, 200, 3001)
    assert "could not reach the partner" in body["status_message"]
    await _still_pending(client, token_a)


BROKEN_ANSWERS: dict[str, tuple[str, httpx.Response | Exception]] = {
    "versions-500": (PARTNER_VERSIONS, httpx.Response(500, text="Internal Server Error")),
    "versions-not-json": (PARTNER_VERSIONS, httpx.Response(200, text="{not json")),
    "versions-not-ocpi": (PARTNER_VERSIONS, httpx.Response(200, json={"hello": "world"})),
    "versions-timeout": (PARTNER_VERSIONS, httpx.ReadTimeout("timed out")),
    "details-500": (PARTNER_DETAILS, httpx.Response(500, text="Internal Server Error")),
    "details-401": (PARTNER_DETAILS, httpx.Response(401)),
}


async def test_3001_when_the_clients_api_cannot_be_used(
    client: httpx.AsyncClient, partner: FakePartner, token_a: str
) -> None:
    """CRED "Errors during registration": the server cannot use the client's versions or
    version details (HTTP error, not JSON, no envelope, timeout) → 3001."""
    for case, (url, answer) in BROKEN_ANSWERS.items():
        partner.broken = {url: answer}
        body = envelope_of(await _post(client, token_a), 200, 3001)
        assert url in body["status_message"], case
        await _still_pending(client, token_a)


async def test_3002_when_the_client_offers_no_mutual_version(
    client: httpx.AsyncClient, partner: FakePartner, token_a: str
) -> None:
    """VER "Version information endpoint" / CRED "Registration": no mutual version → 3002."""
    partner.versions = [
        {"version": "2.1.1", "url": "https://partner.example.com/ocpi/2.1.1"},
        {"version": "2.0", "url": "https://partner.example.com/ocpi/2.0"},
    ]
    body = envelope_of(await _post(client, token_a), 200, 3002)
    assert "2.1.1" in body["status_message"]
    # The details of a version we do not speak are not fetched.
    assert [str(r.url) for r in partner.requests] == [PARTNER_VERSIONS]
    await _still_pending(client, token_a)


async def test_3003_when_the_clients_details_have_no_credentials_endpoint(
    client: httpx.AsyncClient, partner: FakePartner, token_a: str
) -> None:
    """CRED "Required endpoints not available" / status_codes 3003: the client's 2.2.1 details
    lack the credentials endpoint this server needs to call it back."""
    partner.endpoints = [e for e in partner.endpoints if e["identifier"] != "credentials"]
    body = envelope_of(await _post(client, token_a), 200, 3003)
    assert "credentials" in body["status_message"]
    await _still_pending(client, token_a)


async def test_put_with_a_broken_client_api_keeps_token_c(
    client: httpx.AsyncClient, partner: FakePartner, token_a: str
) -> None:
    """CRED "PUT Method" + "Errors during registration": the re-fetch fails → 3001, and the
    update is not applied, so the partner's current token C keeps working."""
    registration = await register(client, token_a)
    partner.broken[PARTNER_DETAILS] = httpx.Response(503)
    response = await client.put(
        CREDENTIALS,
        json=partner_credentials("token-b-new"),
        headers=token_header(registration.token_c),
    )
    envelope_of(response, 200, 3001)
    envelope_of(
        await client.get(CREDENTIALS, headers=token_header(registration.token_c)), 200, 1000
    )
