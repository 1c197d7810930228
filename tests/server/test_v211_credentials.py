"""The OCPI 2.1.1 credentials endpoint and version details of this node (credentials.md 1 and 3,
version_information_endpoint.md "Version details endpoint"), on SQLite and PostgreSQL.

The node is a CPO (NL*ORM); ``token_a`` invites an eMSP (``partner_party``). The partner
serves 2.1.1 only.
"""

from __future__ import annotations

import httpx
import pytest

from openroam._services.node import Node
from openroam._store import repositories as repo
from tests.server.conftest import PUBLIC_URL
from tests.server.support import (
    PARTNER,
    PARTNER_VERSIONS,
    FakePartner,
    envelope,
    envelope_of,
    partner_party,
    token_header,
)

V211 = "/ocpi/2.1.1"
CREDENTIALS = f"{V211}/credentials"
DETAILS = f"{PARTNER}/2.1.1"


def _serve_v211(partner: FakePartner, modules: list[str]) -> None:
    partner.versions = [{"version": "2.1.1", "url": DETAILS}]
    endpoints = [{"identifier": m, "url": f"{DETAILS}/{m}"} for m in modules]
    details = {"version": "2.1.1", "endpoints": endpoints}
    partner.broken[DETAILS] = httpx.Response(200, json=envelope(details))


def _flat(token: str = "token-b", party: tuple[str, str] | None = None) -> dict[str, object]:
    party = party or partner_party()
    return {
        "token": token,
        "url": PARTNER_VERSIONS,
        "business_details": {"name": "Partner eMSP"},
        "country_code": party[0],
        "party_id": party[1],
    }


def _raw(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


async def test_details_list_the_cpo_side_without_roles(
    client: httpx.AsyncClient, token_a: str
) -> None:
    """version_information_endpoint.md "Endpoint class": identifier and url only; a CPO node
    shows its CPO side (credentials.md 3.1: one CPO and one eMSP per connection)."""
    body = envelope_of(await client.get(V211, headers=token_header(token_a)), 200, 1000)
    assert body["data"]["version"] == "2.1.1"
    endpoints = body["data"]["endpoints"]
    assert all(set(e) == {"identifier", "url"} for e in endpoints)
    assert {e["identifier"]: e["url"] for e in endpoints} == {
        "credentials": f"{PUBLIC_URL}{CREDENTIALS}",
        **{m: f"{PUBLIC_URL}{V211}/cpo/{m}" for m in ("locations", "tariffs", "sessions")},
        **{m: f"{PUBLIC_URL}{V211}/cpo/{m}" for m in ("cdrs", "tokens", "commands")},
    }


async def test_registration_on_211(
    client: httpx.AsyncClient, partner: FakePartner, token_a: str, node: Node
) -> None:
    """credentials.md 1.2 "POST Method": the 2.1.1 details are fetched with token B, raw
    (transport_and_format.md "Authorization header"), and our flat credentials answered."""
    _serve_v211(partner, ["credentials", "locations", "tokens"])
    response = await client.post(CREDENTIALS, json=_flat(), headers=_raw(token_a))
    data = envelope_of(response, 200, 1000)["data"]
    assert (data["country_code"], data["party_id"]) == ("NL", "ORM")
    assert data["url"] == f"{PUBLIC_URL}/ocpi/versions"
    assert {r.headers["authorization"] for r in partner.requests} == {"Token token-b"}
    async with node.db.session() as session:
        found = await repo.find_partner_by_token(session, data["token"])
    assert found is not None
    stored = found[0]
    assert (stored.version, stored.token_encoding) == ("2.1.1", "raw")
    assert {(e.identifier, e.role) for e in stored.endpoints} == {
        ("credentials", "SENDER"),
        ("locations", "RECEIVER"),
        ("tokens", "SENDER"),
    }
    assert [(r.role, r.country_code, r.party_id) for r in stored.roles] == [
        ("EMSP", *partner_party())
    ]
    # A second POST: already registered (credentials.md 1.2).
    again = await client.post(CREDENTIALS, json=_flat(), headers=_raw(data["token"]))
    assert again.status_code == 405
    # GET answers the flat object with the caller's token.
    got = envelope_of(await client.get(CREDENTIALS, headers=_raw(data["token"])), 200, 1000)
    assert got["data"]["token"] == data["token"]


@pytest.mark.parametrize(
    ("modules", "broken", "status_code"),
    [
        (["locations", "tokens"], None, 3003),
        (["credentials"], httpx.Response(500, text="oops"), 3001),
    ],
)
async def test_callback_errors(
    client: httpx.AsyncClient,
    partner: FakePartner,
    token_a: str,
    modules: list[str],
    broken: httpx.Response | None,
    status_code: int,
) -> None:
    """credentials.md 3.5 "Errors during registration" (3001) and 3.6 "Required endpoints not
    available" (3003); token A keeps working."""
    _serve_v211(partner, modules)
    if broken is not None:
        partner.broken[DETAILS] = broken
    response = await client.post(CREDENTIALS, json=_flat(), headers=_raw(token_a))
    envelope_of(response, 200, status_code)
    assert (await client.get(V211, headers=_raw(token_a))).status_code == 200


async def test_an_ungranted_party_is_refused_before_any_callback(
    client: httpx.AsyncClient, partner: FakePartner, token_a: str
) -> None:
    """credentials.md 2.1 "Credentials object": the party named must be granted (2001)."""
    _serve_v211(partner, ["credentials"])
    response = await client.post(
        CREDENTIALS, json=_flat(party=("DE", "XXX")), headers=_raw(token_a)
    )
    body = envelope_of(response, 200, 2001)
    assert "DE*XXX" in body["status_message"]
    assert partner.requests == []
    # A 2.2.1-shaped body is not a 2.1.1 Credentials object.
    wrong = {"token": "t", "url": PARTNER_VERSIONS, "roles": []}
    envelope_of(await client.post(CREDENTIALS, json=wrong, headers=_raw(token_a)), 200, 2001)
