"""Bounded input on the OCPI server: integers that cannot be stored or written back, NUL
characters, bodies beyond the configured limit and a forged Host header get an OCPI envelope
with HTTP 400 / 413 (or are ignored), never a 5xx. SQLite and PostgreSQL (docs/architecture.md
"Bounded input")."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
import pytest_asyncio

from openroam._server.app import create_app
from openroam._store.db import Database
from tests.server.conftest import PUBLIC_URL, Registration
from tests.server.roaming_support import (
    JSON,
    SQLITE_ONLY,
    Roaming,
    location,
    open_roaming,
    receiver_url,
    sender_url,
)
from tests.server.support import (
    CREDENTIALS,
    FakePartner,
    envelope_of,
    partner_credentials,
    token_header,
)

MAX_INT64 = 2**63 - 1
TOO_LARGE = [str(2**63), str(2**64), "9" * 25, "9" * 5000]


@pytest_asyncio.fixture(loop_scope="session")
async def roaming(database: Database, partner: FakePartner) -> AsyncIterator[Roaming]:
    async with open_roaming(database, partner, page_limit=2) as setup:
        yield setup


# --- query integers -------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["locations", "tariffs", "tokens", "sessions", "cdrs"])
async def test_sender_list_counts_beyond_64_bits_are_2001(roaming: Roaming, module: str) -> None:
    """offset, limit and after are bound to the database as 64-bit integers: a larger one (or
    one of thousands of digits) is refused with 2001, HTTP 400, naming the parameter."""
    for name in ("offset", "limit", "after"):
        for value in TOO_LARGE:
            response = await roaming.get(sender_url(module), params={name: value})
            body = envelope_of(response, 400, 2001)
            assert name in body["status_message"], body


async def test_sender_list_accepts_the_largest_64_bit_count(roaming: Roaming) -> None:
    for name in ("offset", "limit", "after"):
        response = await roaming.get(sender_url("locations"), params={name: str(MAX_INT64)})
        envelope_of(response, 200, 1000)


# --- body integers and NUL ------------------------------------------------------------------


async def test_integer_beyond_64_bits_in_a_body_is_2001(roaming: Roaming) -> None:
    """A JSON integer beyond 64 bits cannot be written back as it came (orjson refuses it, the
    databases cannot bind it): 2001, HTTP 400 — in a known field and in an unknown one."""
    party = roaming.partner_cpo
    url = receiver_url("locations", party, "BIG")
    for big in (2**64, 2**63, -(2**63) - 1, 10**40):
        known = location(party, "BIG")
        known["evses"][0]["connectors"][0]["max_voltage"] = big
        unknown = location(party, "BIG", extra_field={"deep": [big]})
        for body in (known, unknown):
            # orjson cannot write an integer beyond 64 bits: the standard library can.
            content = json.dumps(body).encode()
            response = await roaming.client.put(url, content=content, headers=roaming.auth | JSON)
            envelope_of(response, 400, 2001)


async def test_nul_in_a_body_string_is_2001(roaming: Roaming) -> None:
    """JSONB cannot store \\u0000 (PostgreSQL); refused on both databases alike."""
    party = roaming.partner_cpo
    body = location(party, "NUL", name="A\u0000B")
    response = await roaming.put(receiver_url("locations", party, "NUL"), body)
    envelope_of(response, 400, 2001)
    key = location(party, "NUL") | {"a\u0000b": 1}
    response = await roaming.put(receiver_url("locations", party, "NUL"), key)
    envelope_of(response, 400, 2001)


async def test_nul_in_credentials_business_details_is_2001(
    client: httpx.AsyncClient, token_a: str
) -> None:
    """credentials POST with a NUL in business_details.name: 2001 before any call to the partner
    (on PostgreSQL this was a 5xx)."""
    credentials = partner_credentials(f"token-b-{uuid.uuid4().hex}")
    credentials["roles"][0]["business_details"]["name"] = "Partner\u0000eMSP"
    response = await client.post(CREDENTIALS, json=credentials, headers=token_header(token_a))
    envelope_of(response, 400, 2001)


async def test_nul_in_credentials_put_is_2001(
    client: httpx.AsyncClient, registered: Registration, partner: FakePartner
) -> None:
    """The same for a credentials PUT (a token rotation): refused before any partner call."""
    credentials = partner_credentials(f"token-b-{uuid.uuid4().hex}")
    credentials["roles"][0]["business_details"]["website"] = "https://a\u0000.example.com"
    calls = len(partner.requests)
    headers = token_header(registered.token_c)
    response = await client.put(CREDENTIALS, json=credentials, headers=headers)
    envelope_of(response, 400, 2001)
    assert len(partner.requests) == calls
    envelope_of(await client.get(CREDENTIALS, headers=headers), 200, 1000)


async def test_a_backslash_u0000_text_is_no_nul(roaming: Roaming) -> None:
    """The text backslash-u-0000 (an escaped backslash) is six ordinary characters."""
    party = roaming.partner_cpo
    body = location(party, "TXT", name="a \\u0000 b")
    response = await roaming.put(receiver_url("locations", party, "TXT"), body)
    envelope_of(response, 201, 1000)


# --- body size ------------------------------------------------------------------------------

LIMIT = 64 * 1024


@pytest_asyncio.fixture(loop_scope="session")
async def small_limit(roaming: Roaming) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the same node served by an app whose body limit is 64 KiB."""
    app = create_app(roaming.node, max_body_bytes=LIMIT)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
        yield client


@SQLITE_ONLY
async def test_content_length_above_the_limit_is_413_unread(
    roaming: Roaming, small_limit: httpx.AsyncClient
) -> None:
    """A Content-Length above the limit is refused before the body is read: 413 and an OCPI
    envelope (the HTTP layer refuses it; status 2000)."""
    party = roaming.partner_cpo
    pulled = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(64):
            pulled += 1
            yield b" " * 4096

    headers = roaming.auth | JSON | {"Content-Length": str(LIMIT + 1)}
    url = receiver_url("locations", party, "BIG")
    response = await small_limit.put(url, content=body(), headers=headers)
    envelope_of(response, 413, 2000)
    assert pulled == 0


@SQLITE_ONLY
async def test_a_streamed_body_above_the_limit_is_refused_while_reading(
    roaming: Roaming, small_limit: httpx.AsyncClient
) -> None:
    """Without Content-Length (chunked), bytes are counted as they arrive: reading stops at the
    first chunk past the limit."""
    party = roaming.partner_cpo
    pulled = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(1000):
            pulled += 1
            yield b" " * 4096

    url = receiver_url("locations", party, "BIG")
    response = await small_limit.put(url, content=body(), headers=roaming.auth | JSON)
    envelope_of(response, 413, 2000)
    assert pulled <= LIMIT // 4096 + 2


@SQLITE_ONLY
async def test_a_body_at_the_limit_is_read(
    roaming: Roaming, small_limit: httpx.AsyncClient
) -> None:
    party = roaming.partner_cpo
    document = orjson.dumps(location(party, "FIT"))
    padded = document + b" " * (LIMIT - len(document))
    url = receiver_url("locations", party, "FIT")
    response = await small_limit.put(url, content=padded, headers=roaming.auth | JSON)
    envelope_of(response, 201, 1000)


def test_the_default_limit_fits_a_large_location() -> None:
    """A Location of 100 EVSEs with 4 Connectors each, images and opening times is about
    0.5 MB; the default limit leaves several times that (docs/architecture.md "Bounded
    input")."""
    from openroam._config import Settings

    assert Settings().max_body_bytes >= 8 * 520_000


# --- Link from public_url -------------------------------------------------------------------


async def test_link_uses_public_url_whatever_the_host_header(roaming: Roaming) -> None:
    """The Link of a page names the node's public_url, never the request's Host header."""
    await roaming.own_put("locations", *(location(roaming.cpo, f"L{i}") for i in range(3)))
    forged = roaming.auth | {"Host": "attacker.example.net"}
    response = await roaming.get(sender_url("locations"), auth=forged)
    envelope_of(response, 200, 1000)
    link = response.headers["link"]
    assert link.startswith(f"<{PUBLIC_URL}/ocpi/2.2.1/sender/locations?"), link
    assert "attacker" not in link


async def test_charging_profile_duration_beyond_64_bits_is_2001(roaming: Roaming) -> None:
    """mod_charging_profiles "GET Method": duration is an int; one that cannot be stored is
    refused (it was a 5xx: thousands of digits, or one orjson cannot write)."""
    url = "/ocpi/2.2.1/receiver/chargingprofiles/S1"
    for value in TOO_LARGE:
        params = {"duration": value, "response_url": "https://partner.example.com/result"}
        response = await roaming.get(url, params=params)
        assert "duration" in envelope_of(response, 400, 2001)["status_message"]


@SQLITE_ONLY
async def test_a_content_length_of_thousands_of_digits_is_413(
    roaming: Roaming, small_limit: httpx.AsyncClient
) -> None:
    headers = roaming.auth | JSON | {"Content-Length": "9" * 5000}
    url = receiver_url("locations", roaming.partner_cpo, "BIG")
    response = await small_limit.put(url, content=b"{}", headers=headers)
    envelope_of(response, 413, 2000)
