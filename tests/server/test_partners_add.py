"""A connection from a token C agreed out of band (``CredentialsService.add_partner``, the service
of ``openroam partners add`` and ``POST /api/partners``; docs/connecting.md).

No credentials handshake: the node GETs the partner's versions and 2.2.1 details with token C
(versions.asciidoc), stores the endpoints, C as the token it sends, the grants, and a token of
its own for the partner, which works at once. The partner's roles come from its credentials GET
when it offers one (each must be granted), else from the grants. Every failure stores nothing.
Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import socket
import uuid

import httpx
import pytest

from openroam._services.credentials import Connected
from openroam._services.node import Node
from openroam._store import repositories as repo
from openroam._store.records import Grant
from openroam.errors import (
    InvalidOrMissingParameters,
    OcpiError,
    UnableToUseClientApi,
    UnsupportedVersion,
)
from openroam.models.v221.types import Role
from tests.server.conftest import partner_grants
from tests.server.support import (
    CREDENTIALS,
    PARTNER,
    PARTNER_CREDENTIALS,
    PARTNER_VERSIONS,
    FakePartner,
    envelope,
    envelope_of,
    partner_credentials,
    partner_party,
    token_header,
    unique_party_id,
)

LOCATIONS_SENDER = {"identifier": "locations", "role": "SENDER", "url": f"{PARTNER}/2.2.1/loc"}
CREDENTIALS_SENDER = {"identifier": "credentials", "role": "SENDER", "url": PARTNER_CREDENTIALS}


def _name() -> str:
    return f"agreed-{uuid.uuid4().hex}"


async def _stored(node: Node, name: str) -> repo.PartnerRecord | None:
    async with node.db.session() as session:
        return await repo.get_partner_by_name(session, name)


async def _add(
    node: Node, name: str, token: str = "agreed-token-c", **options: object
) -> Connected:
    grants = options.pop("grants", partner_grants())
    return await node.credentials.add_partner(
        name,
        PARTNER_VERSIONS,
        token,
        grants=grants,
        **options,  # type: ignore[arg-type]
    )


async def test_a_partner_without_credentials_gets_the_granted_roles(
    client: httpx.AsyncClient, partner: FakePartner, node: Node
) -> None:
    partner.endpoints = [LOCATIONS_SENDER]
    name = _name()
    connected = await _add(node, name)
    record = connected.partner
    assert (record.status, record.version) == (repo.PartnerStatus.REGISTERED, "2.2.1")
    assert record.outgoing_token == "agreed-token-c"
    assert (record.encode_token, record.encode_token_fixed) == (True, False)
    assert [(e.identifier, e.role, e.url) for e in record.endpoints] == [
        ("locations", "SENDER", LOCATIONS_SENDER["url"])
    ]
    assert connected.roles_from == "grants"
    assert connected.note is None
    assert [(str(r.role), r.country_code, r.party_id) for r in record.roles] == [
        ("EMSP", *partner_party())
    ]
    assert record.grants == tuple(partner_grants())
    # Versions and details, each with token C, Base64-encoded (OCPI 2.2.1).
    assert [str(r.url) for r in partner.requests] == [PARTNER_VERSIONS, f"{PARTNER}/2.2.1"]
    assert partner.tokens_seen() == {"agreed-token-c"}
    async with node.db.session() as session:
        changes = await repo.grant_changes(session, record.id)
    assert [change.reason for change in changes] == ["add"]

    # The token printed for the partner works at once, on every module it is granted.
    ours = connected.token
    assert ours != "agreed-token-c"
    body = envelope_of(await client.get(CREDENTIALS, headers=token_header(ours)), 200, 1000)
    assert body["data"]["token"] == ours
    sender = await client.get("/ocpi/2.2.1/sender/locations", headers=token_header(ours))
    envelope_of(sender, 200, 1000)


async def test_a_partner_with_credentials_names_its_roles(partner: FakePartner, node: Node) -> None:
    partner.broken = {
        PARTNER_CREDENTIALS: httpx.Response(200, json=envelope(partner_credentials("c")))
    }
    connected = await _add(node, _name())
    assert connected.roles_from == "credentials"
    [role] = connected.partner.roles
    assert (str(role.role), role.country_code, role.party_id) == ("EMSP", *partner_party())
    assert role.business_details == {"name": "Partner eMSP"}
    assert str(partner.requests[-1].url) == PARTNER_CREDENTIALS
    assert partner.requests[-1].method == "GET"


async def test_a_failing_credentials_get_falls_back_to_the_grants(
    partner: FakePartner, node: Node
) -> None:
    # FakePartner answers its credentials URL with 404 + 2000 unless told otherwise.
    connected = await _add(node, _name())
    assert connected.roles_from == "grants"
    assert connected.note is not None
    assert PARTNER_CREDENTIALS in connected.note
    assert len(connected.partner.roles) == 1


async def test_roles_the_partner_names_must_be_granted(partner: FakePartner, node: Node) -> None:
    other = partner_credentials("c")
    other["roles"][0]["party_id"] = unique_party_id()
    partner.broken = {PARTNER_CREDENTIALS: httpx.Response(200, json=envelope(other))}
    name = _name()
    with pytest.raises(InvalidOrMissingParameters, match="not granted"):
        await _add(node, name)
    assert await _stored(node, name) is None


async def test_a_raw_token_is_sent_raw_and_fixed(partner: FakePartner, node: Node) -> None:
    partner.endpoints = [LOCATIONS_SENDER]
    connected = await _add(node, _name(), raw_token=True)
    assert {r.headers["authorization"] for r in partner.requests} == {"Token agreed-token-c"}
    assert (connected.partner.encode_token, connected.partner.encode_token_fixed) == (False, True)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _refused(node: Node, name: str, error: type[OcpiError], **options: object) -> OcpiError:
    with pytest.raises(error) as raised:
        await _add(node, name, **options)
    assert await _stored(node, name) is None, "nothing may be stored"
    return raised.value


async def test_partner_failures_are_clear_and_store_nothing(
    partner: FakePartner, node: Node
) -> None:
    name = _name()
    partner.broken = {PARTNER_VERSIONS: httpx.Response(401)}
    refused = await _refused(node, name, UnableToUseClientApi)
    assert "refused our credentials token" in refused.message
    assert "--raw-token" in refused.message
    assert refused.http_status == 502

    partner.broken = {}
    partner.versions = [{"version": "2.0", "url": f"{PARTNER}/2.0"}]
    refused = await _refused(node, name, UnsupportedVersion)
    assert "2.0" in refused.message
    assert refused.http_status == 502

    partner.transport = None  # the real network, to a loopback port nobody listens on
    closed = f"http://127.0.0.1:{_closed_port()}/ocpi/versions"
    with pytest.raises(UnableToUseClientApi, match="could not reach the partner"):
        await node.credentials.add_partner(name, closed, "c", grants=partner_grants())
    assert await _stored(node, name) is None


async def test_operator_errors_are_refused_before_calling_the_partner(
    partner: FakePartner, node: Node
) -> None:
    partner.endpoints = [LOCATIONS_SENDER]
    taken = _name()
    await _add(node, taken)
    partner.requests.clear()
    with pytest.raises(InvalidOrMissingParameters, match="taken") as raised:
        await _add(node, taken, grants=[Grant(Role.CPO, "DE", unique_party_id())])
    assert raised.value.http_status == 409

    name = _name()
    own_party = [Grant(Role.CPO, "NL", "ORM")]
    held = partner_grants()  # the party `taken` holds now
    for grants, message in (
        (own_party, "our own parties"),
        (held, "another partner"),
        ([], "grant at least"),
    ):
        with pytest.raises(InvalidOrMissingParameters, match=message):
            await _add(node, name, grants=grants)
    fresh = [Grant(Role.CPO, "DE", unique_party_id())]
    with pytest.raises(InvalidOrMissingParameters, match="token"):
        await _add(node, name, token="with space", grants=fresh)
    with pytest.raises(InvalidOrMissingParameters, match="versions URL"):
        await node.credentials.add_partner(name, "ftp://x/versions", "c", grants=fresh)
    assert partner.requests == []
    assert await _stored(node, name) is None


async def test_an_invitation_of_the_name_is_replaced(
    client: httpx.AsyncClient, partner: FakePartner, node: Node
) -> None:
    """A pending invitation does not hold its name: adding it replaces the invitation (as a
    second invitation would), and its token A stops working."""
    partner.endpoints = [LOCATIONS_SENDER]
    name = _name()
    token_a = await node.credentials.invite(name, grants=partner_grants())
    await _add(node, name)
    envelope_of(await client.get(CREDENTIALS, headers=token_header(token_a)), 401, 2000)


async def test_unregistering_a_partner_without_credentials_forgets_it_here(
    client: httpx.AsyncClient, partner: FakePartner, node: Node
) -> None:
    partner.endpoints = [LOCATIONS_SENDER]
    name = _name()
    connected = await _add(node, name)
    partner.requests.clear()
    await node.credentials.unregister(name)
    assert partner.requests == []  # no credentials endpoint to DELETE at
    record = await _stored(node, name)
    assert record is not None
    assert record.status == repo.PartnerStatus.UNREGISTERED
    answer = await client.get(CREDENTIALS, headers=token_header(connected.token))
    envelope_of(answer, 401, 2000)


async def test_unregistering_a_partner_with_credentials_deletes_there(
    partner: FakePartner, node: Node
) -> None:
    name = _name()
    await _add(node, name)
    partner.requests.clear()
    partner.broken = {PARTNER_CREDENTIALS: httpx.Response(200, json=envelope(None))}
    await node.credentials.unregister(name)
    assert [(r.method, str(r.url)) for r in partner.requests] == [("DELETE", PARTNER_CREDENTIALS)]
    value = partner.requests[0].headers["authorization"].removeprefix("Token ")
    assert base64.b64decode(value).decode() == "agreed-token-c"
