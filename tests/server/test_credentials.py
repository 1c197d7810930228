"""Credentials module, server side (credentials.asciidoc "Interfaces and endpoints"): the
registration, update and unregistration life cycle, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import httpx

from tests.server.conftest import PUBLIC_URL, Registration, register
from tests.server.support import (
    CREDENTIALS,
    PARTNER_DETAILS,
    PARTNER_VERSIONS,
    FakePartner,
    envelope_of,
    partner_credentials,
    token_header,
)

OWN_CREDENTIALS_ROLES = [
    {
        "role": "CPO",
        "business_details": {"name": "openroam test CPO", "website": "https://cpo.example.com"},
        "party_id": "ORM",
        "country_code": "NL",
    }
]


async def _get(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get(CREDENTIALS, headers=token_header(token))


async def test_post_registers_and_returns_token_c(
    client: httpx.AsyncClient, partner: FakePartner, token_a: str
) -> None:
    """CRED "Registration" steps 4-7: POST with token A; the server fetches the client's versions
    and details with token B while the POST is open, then answers 1000 with a new token C."""
    response = await client.post(
        CREDENTIALS, json=partner_credentials("token-b-post"), headers=token_header(token_a)
    )
    body = envelope_of(response, 200, 1000)
    token_c = body["data"]["token"]
    assert token_c not in {token_a, "token-b-post"}
    assert body["data"] == {
        "token": token_c,
        "url": f"{PUBLIC_URL}/ocpi/versions",
        "roles": OWN_CREDENTIALS_ROLES,
    }
    assert [str(r.url) for r in partner.requests] == [PARTNER_VERSIONS, PARTNER_DETAILS]
    # Step 5: the callbacks authenticate with token B, Base64-encoded (T&F "Authorization").
    assert partner.tokens_seen() == {"token-b-post"}


async def test_token_a_is_invalid_after_registration(
    client: httpx.AsyncClient, registered: Registration
) -> None:
    """CRED "Registration" step 8: "Token A is now invalid"; the partner uses token C."""
    envelope_of(await _get(client, registered.token_a), 401, 2000)
    body = envelope_of(await _get(client, registered.token_c), 200, 1000)
    assert body["data"]["token"] == registered.token_c


async def test_token_b_is_not_a_token_to_call_us(
    client: httpx.AsyncClient, registered: Registration
) -> None:
    """CRED "Registration" step 8: token B is what *we* use to call the partner, not theirs."""
    envelope_of(await _get(client, registered.token_b), 401, 2000)


async def test_get_returns_the_callers_token(
    client: httpx.AsyncClient, registered: Registration
) -> None:
    """CRED "GET Method": the Credentials object to access the server, i.e. with the token the
    caller authenticated with, our versions URL and our roles."""
    body = envelope_of(await _get(client, registered.token_c), 200, 1000)
    assert body["data"] == {
        "token": registered.token_c,
        "url": f"{PUBLIC_URL}/ocpi/versions",
        "roles": OWN_CREDENTIALS_ROLES,
    }


async def test_post_while_registered_is_405(
    client: httpx.AsyncClient, partner: FakePartner, registered: Registration
) -> None:
    """CRED "POST Method": "If the client was already registered, the server MUST respond with
    HTTP 405"."""
    calls_before = len(partner.requests)
    response = await client.post(
        CREDENTIALS, json=partner_credentials("token-b-2"), headers=token_header(registered.token_c)
    )
    envelope_of(response, 405, 2000)
    assert len(partner.requests) == calls_before
    # Nothing changed: token C still works.
    envelope_of(await _get(client, registered.token_c), 200, 1000)


async def test_put_while_not_registered_is_405(
    client: httpx.AsyncClient, partner: FakePartner, token_a: str
) -> None:
    """CRED "PUT Method": "If the client is not registered, the server MUST respond with 405"."""
    response = await client.put(
        CREDENTIALS, json=partner_credentials("token-b"), headers=token_header(token_a)
    )
    envelope_of(response, 405, 2000)
    assert partner.requests == []
    envelope_of(await _get(client, token_a), 200, 1000)


async def test_put_rotates_token_c(
    client: httpx.AsyncClient, partner: FakePartner, registered: Registration
) -> None:
    """CRED "PUT Method": the server re-fetches the client's versions and details (with the new
    token) and MUST generate a new token; the old one stops working."""
    partner.requests.clear()
    response = await client.put(
        CREDENTIALS,
        json=partner_credentials("token-b-new"),
        headers=token_header(registered.token_c),
    )
    body = envelope_of(response, 200, 1000)
    new_c = body["data"]["token"]
    assert new_c not in {registered.token_c, registered.token_a, "token-b-new"}
    assert body["data"]["url"] == f"{PUBLIC_URL}/ocpi/versions"
    assert [str(r.url) for r in partner.requests] == [PARTNER_VERSIONS, PARTNER_DETAILS]
    assert partner.tokens_seen() == {"token-b-new"}
    envelope_of(await _get(client, registered.token_c), 401, 2000)
    envelope_of(await _get(client, new_c), 200, 1000)


async def test_delete_unregisters_and_the_token_stops_working(
    client: httpx.AsyncClient, registered: Registration
) -> None:
    """CRED "DELETE Method": the credentials are invalid from now on."""
    response = await client.delete(CREDENTIALS, headers=token_header(registered.token_c))
    body = envelope_of(response, 200, 1000)
    assert "data" not in body
    envelope_of(await _get(client, registered.token_c), 401, 2000)
    envelope_of(
        await client.delete(CREDENTIALS, headers=token_header(registered.token_c)), 401, 2000
    )


async def test_delete_while_not_registered_is_405(client: httpx.AsyncClient, token_a: str) -> None:
    """CRED "DELETE Method": "If the client is not registered, the server MUST respond with 405"."""
    envelope_of(await client.delete(CREDENTIALS, headers=token_header(token_a)), 405, 2000)
    # Token A is still good for registering.
    registration = await register(client, token_a)
    envelope_of(await _get(client, registration.token_c), 200, 1000)


async def test_concurrent_posts_with_one_token_a_register_once(
    client: httpx.AsyncClient, partner: FakePartner, token_a: str
) -> None:
    """CRED "Registration" step 8 and "POST Method": once one POST with token A has registered,
    token A is invalid and a further POST is answered 405. Two POSTs racing (a client retrying
    after a timeout) must not both answer 1000 with a token C of which only one works."""
    partner.gate = asyncio.Barrier(2)  # both POSTs are past authentication before either saves
    answers = await asyncio.gather(
        *(
            client.post(
                CREDENTIALS, json=partner_credentials(f"token-b-{i}"), headers=token_header(token_a)
            )
            for i in range(2)
        )
    )
    partner.gate = None
    codes = sorted((a.status_code, a.json()["status_code"]) for a in answers)
    # The loser is told it is registered already (405) or that token A is spent (401).
    assert codes[0] == (200, 1000)
    assert codes[1] in {(401, 2000), (405, 2000)}
    (winner,) = [a for a in answers if a.status_code == 200]
    envelope_of(await _get(client, winner.json()["data"]["token"]), 200, 1000)
