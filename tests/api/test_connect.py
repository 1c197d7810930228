"""Starting partner connections through the backend API: ``POST /api/invitations`` (as ``openroam
invite``) and ``POST /api/partners`` (a token agreed out of band, as ``openroam partners add``).
The partner is the in-process fake of the server tests (versions and details)."""

from __future__ import annotations

import httpx
import pytest

from openroam._services.credentials import PartnerApi
from openroam._services.node import Node
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.client import OcpiClient
from tests.api.conftest import BASE_URL, PLATFORM
from tests.api.support import data_of, error_of
from tests.server.support import PARTNER, PARTNER_VERSIONS, FakePartner, token_header

GRANTS = [{"role": "EMSP", "country_code": "DE", "party_id": "ABC"}]
LOCATIONS_SENDER = {"identifier": "locations", "role": "SENDER", "url": f"{PARTNER}/2.2.1/loc"}


@pytest.fixture
def partner() -> FakePartner:
    fake = FakePartner()
    fake.endpoints = [LOCATIONS_SENDER]
    return fake


@pytest.fixture
def node(database: Database, partner: FakePartner) -> Node:
    def api_factory(token: str, encode_token: bool) -> PartnerApi:
        return OcpiClient(token, encode_token=encode_token, transport=partner.transport, timeout=5)

    return Node.build(PLATFORM, database, api_factory)


async def _stored(node: Node, name: str) -> repo.PartnerRecord | None:
    async with node.db.session() as session:
        return await repo.get_partner_by_name(session, name)


async def test_an_invitation_answers_token_a_and_keeps_the_encoding(
    client: httpx.AsyncClient, node: Node
) -> None:
    body = {"name": "legacy", "grants": GRANTS, "raw_token": True}
    data = data_of(await client.post("/api/invitations", json=body), 201)
    assert data["name"] == "legacy"
    assert data["versions_url"] == f"{BASE_URL}/ocpi/versions"
    assert data["grants"] == GRANTS
    assert data["raw_token"] is True
    # Token A opens our versions and credentials.
    answer = await client.get("/ocpi/versions", headers=token_header(data["token"]))
    assert answer.json()["status_code"] == 1000
    record = await _stored(node, "legacy")
    assert record is not None
    assert (record.status, record.encode_token, record.encode_token_fixed) == (
        repo.PartnerStatus.PENDING,
        False,
        True,
    )
    changes = data_of(await client.get("/api/partners/legacy/grants"))["changes"]
    assert [change["reason"] for change in changes] == ["invite"]

    default = {"name": "modern", "grants": [{**GRANTS[0], "party_id": "MOD"}]}
    assert data_of(await client.post("/api/invitations", json=default), 201)["raw_token"] is False


@pytest.mark.parametrize(
    ("body", "found"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"name": "x"}', "grants"),
        (b'{"name": "x", "grants": [], "extra": 1}', "extra"),
        (
            b'{"name": "x", "grants": [{"role": "KING", "country_code": "DE", "party_id": "A"}]}',
            "KING",
        ),
        (b'{"name": "x", "grants": []}', "grant at least one role"),
        (
            b'{"name": "", "grants": [{"role": "EMSP", "country_code": "DE", "party_id": "A"}]}',
            "name",
        ),
    ],
)
async def test_an_invalid_invitation_is_refused(
    client: httpx.AsyncClient, node: Node, body: bytes, found: str
) -> None:
    message = error_of(await client.post("/api/invitations", content=body), 400, 2001)
    assert found in message
    assert await _stored(node, "x") is None


async def test_adding_a_partner_answers_our_token_once(
    client: httpx.AsyncClient, partner: FakePartner, node: Node
) -> None:
    body = {
        "name": "agreed",
        "versions_url": PARTNER_VERSIONS,
        "token": "c-token",
        "grants": GRANTS,
    }
    data = data_of(await client.post("/api/partners", json=body), 201)
    assert data["partner"]["name"] == "agreed"
    assert data["partner"]["status"] == "registered"
    assert data["partner"]["version"] == "2.2.1"
    assert data["partner"]["roles"] == [
        {"role": "EMSP", "country_code": "DE", "party_id": "ABC", "name": "agreed"}
    ]
    assert data["partner"]["endpoints"] == [{"identifier": "locations", "role": "SENDER"}]
    assert data["versions_url"] == f"{BASE_URL}/ocpi/versions"
    assert data["token_encoding"] == "base64"
    assert (data["roles_from"], data["note"]) == ("grants", None)
    assert partner.tokens_seen() == {"c-token"}
    # The partner calls us with the answered token; it is never shown again.
    answer = await client.get("/ocpi/2.2.1/credentials", headers=token_header(data["token"]))
    assert answer.json()["data"]["token"] == data["token"]
    assert data["token"] not in (await client.get("/api/partners/agreed")).text

    # The same name again: 409.
    again = {**body, "grants": [{**GRANTS[0], "party_id": "OTH"}]}
    assert "taken" in error_of(await client.post("/api/partners", json=again), 409, 2001)


async def test_adding_a_partner_that_refuses_the_token_is_a_gateway_error(
    client: httpx.AsyncClient, partner: FakePartner, node: Node
) -> None:
    partner.broken = {PARTNER_VERSIONS: httpx.Response(401)}
    body = {
        "name": "refusing",
        "versions_url": PARTNER_VERSIONS,
        "token": "c-token",
        "raw_token": True,
        "grants": GRANTS,
    }
    message = error_of(await client.post("/api/partners", json=body), 502, 3001)
    assert "refused our credentials token" in message
    assert {r.headers["authorization"] for r in partner.requests} == {"Token c-token"}
    assert await _stored(node, "refusing") is None


@pytest.mark.parametrize(
    ("changes", "found"),
    [
        ({"token": "has space"}, "token"),
        ({"versions_url": "file:///etc/passwd"}, "versions URL"),
        ({"grants": [{"role": "CPO", "country_code": "NL", "party_id": "ORM"}]}, "our own"),
        ({"token": 5}, "token"),
    ],
)
async def test_an_invalid_addition_is_refused_without_calling_anyone(
    client: httpx.AsyncClient,
    partner: FakePartner,
    node: Node,
    changes: dict[str, object],
    found: str,
) -> None:
    body = {"name": "bad", "versions_url": PARTNER_VERSIONS, "token": "c", "grants": GRANTS}
    message = error_of(await client.post("/api/partners", json=body | changes), 400, 2001)
    assert found in message
    assert partner.requests == []
    assert await _stored(node, "bad") is None
