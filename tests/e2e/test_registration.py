"""Two real nodes register with each other over HTTP (credentials.asciidoc "Registration"),
then rotate their tokens (credentials PUT) and unregister (credentials DELETE).

Node A (a CPO) is the initiator: it registers with node B (an eMSP) using the token A that B's
operator created with ``openroam invite``. Node A keeps its data in SQLite; node B runs once on
SQLite and once on PostgreSQL.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from openroam._store import repositories as repo
from openroam._store.db import Database
from tests.e2e.nodes import NodeConfig, Party, free_port, running_together


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


def _get(url: str, token: str) -> httpx.Response:
    return httpx.get(url, headers=_auth(token), timeout=10)


async def _partner(node: NodeConfig, name: str) -> repo.PartnerRecord:
    db = Database.connect(node.database_url)
    try:
        async with db.session() as session:
            record = await repo.get_partner_by_name(session, name)
    finally:
        await db.dispose()
    assert record is not None, f"{node.name} has no partner {name!r}"
    return record


@pytest.fixture
def nodes(tmp_path: Path, database_url: str) -> Iterator[tuple[NodeConfig, NodeConfig]]:
    cpo = NodeConfig(
        name="node-a",
        port=free_port(),
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'a.db'}",
        parties=[Party("NL", "AAA", "CPO", "A Charging")],
    )
    emsp = NodeConfig(
        name="node-b",
        port=free_port(),
        database_url=database_url,
        parties=[Party("DE", "BBB", "EMSP", "B Mobility")],
    )
    with running_together((cpo, emsp), tmp_path):
        yield cpo, emsp


#: What node A grants node B when it registers with it (the CLI's --role/--party).
AS_B = ("--role", "EMSP", "--party", "DE*BBB")


def _token_a(output: str) -> str:
    line = next(line for line in output.splitlines() if line.startswith("token A:"))
    return line.split(":", 1)[1].strip()


async def test_register_rotate_and_unregister_between_two_real_nodes(
    nodes: tuple[NodeConfig, NodeConfig],
) -> None:
    cpo, emsp = nodes
    credentials_a = f"{cpo.base_url}/ocpi/2.2.1/credentials"
    credentials_b = f"{emsp.base_url}/ocpi/2.2.1/credentials"

    # A wrong token A: registration fails readably, nothing is registered.
    refused = cpo.cli("register", emsp.versions_url, "--token", "not-a-token", *AS_B, check=False)
    assert refused.returncode == 1
    assert "refused our credentials token" in refused.stdout

    # Step 0: B's operator invites A; the invitation prints B's versions URL and token A.
    invitation = emsp.cli("invite", "node-a", "--role", "CPO", "--party", "NL*AAA").stdout
    assert emsp.versions_url in invitation
    token_a = _token_a(invitation)
    assert _get(emsp.versions_url, token_a).status_code == 200
    assert "pending" in emsp.cli("partners").stdout

    # Steps 1-8: A registers with B through the CLI.
    registered = cpo.cli(
        "register", emsp.versions_url, "--token", token_a, "--name", "node-b", *AS_B
    )
    assert "registered" in registered.stdout

    at_a = await _partner(cpo, "node-b")
    at_b = await _partner(emsp, "node-a")
    assert at_a.status == at_b.status == repo.PartnerStatus.REGISTERED
    assert at_a.version == at_b.version == "2.2.1"
    # Both sides store each other's endpoints and roles.
    # Each stores the other's version details: an eMSP receives Locations, Tariffs, Sessions and
    # CDRs and sends Tokens and Commands; a CPO does the opposite.
    base_a, base_b = f"{cpo.base_url}/ocpi/2.2.1", f"{emsp.base_url}/ocpi/2.2.1"
    assert {(e.identifier, e.role, e.url) for e in at_a.endpoints} == {
        ("credentials", "SENDER", credentials_b),
        ("locations", "RECEIVER", f"{base_b}/receiver/locations"),
        ("tariffs", "RECEIVER", f"{base_b}/receiver/tariffs"),
        ("tokens", "SENDER", f"{base_b}/sender/tokens"),
        ("cdrs", "RECEIVER", f"{base_b}/receiver/cdrs"),
        ("sessions", "RECEIVER", f"{base_b}/receiver/sessions"),
        ("commands", "SENDER", f"{base_b}/sender/commands"),
        ("chargingprofiles", "SENDER", f"{base_b}/sender/chargingprofiles"),
        # mod_hub_client_info: every platform takes a Hub's ClientInfo (docs/hub.md)
        ("hubclientinfo", "RECEIVER", f"{base_b}/receiver/hubclientinfo"),
    }
    assert {(e.identifier, e.role, e.url) for e in at_b.endpoints} == {
        ("credentials", "SENDER", credentials_a),
        ("locations", "SENDER", f"{base_a}/sender/locations"),
        ("tariffs", "SENDER", f"{base_a}/sender/tariffs"),
        ("tokens", "RECEIVER", f"{base_a}/receiver/tokens"),
        ("sessions", "SENDER", f"{base_a}/sender/sessions"),
        ("cdrs", "SENDER", f"{base_a}/sender/cdrs"),
        ("commands", "RECEIVER", f"{base_a}/receiver/commands"),
        ("chargingprofiles", "RECEIVER", f"{base_a}/receiver/chargingprofiles"),
        ("hubclientinfo", "RECEIVER", f"{base_a}/receiver/hubclientinfo"),
    }
    assert [(r.role, r.country_code, r.party_id) for r in at_a.roles] == [("EMSP", "DE", "BBB")]
    assert [(r.role, r.country_code, r.party_id) for r in at_b.roles] == [("CPO", "NL", "AAA")]
    listing = cpo.cli("partners").stdout
    assert "node-b" in listing
    assert "registered" in listing
    assert "EMSP DE*BBB" in listing
    token_c, token_b = at_a.outgoing_token, at_b.outgoing_token
    assert token_c
    assert token_b
    assert len({token_a, token_b, token_c}) == 3

    # Token A no longer works; C works at B, B works at A; GET credentials answers on both sides.
    assert _get(emsp.versions_url, token_a).status_code == 401
    answer_b = _get(credentials_b, token_c)
    assert answer_b.status_code == 200
    assert answer_b.json()["status_code"] == 1000
    assert answer_b.json()["data"]["token"] == token_c
    assert answer_b.json()["data"]["url"] == emsp.versions_url
    assert answer_b.json()["data"]["roles"][0]["party_id"] == "BBB"
    answer_a = _get(credentials_a, token_b)
    assert answer_a.json()["status_code"] == 1000
    assert answer_a.json()["data"]["roles"][0]["party_id"] == "AAA"

    # Token rotation (credentials PUT): both old tokens stop working, the new ones work.
    assert "rotated" in cpo.cli("rotate-token", "node-b").stdout
    new_c = (await _partner(cpo, "node-b")).outgoing_token
    new_b = (await _partner(emsp, "node-a")).outgoing_token
    assert new_c
    assert new_b
    assert new_c != token_c
    assert new_b != token_b
    assert _get(credentials_b, token_c).status_code == 401
    assert _get(credentials_a, token_b).status_code == 401
    assert _get(credentials_b, new_c).json()["status_code"] == 1000
    assert _get(credentials_a, new_b).json()["status_code"] == 1000

    # Unregistering (credentials DELETE): every token stops working on both sides.
    assert "unregistered" in cpo.cli("unregister", "node-b").stdout
    assert _get(credentials_b, new_c).status_code == 401
    assert _get(credentials_a, new_b).status_code == 401
    assert (await _partner(cpo, "node-b")).status == repo.PartnerStatus.UNREGISTERED
    assert (await _partner(emsp, "node-a")).status == repo.PartnerStatus.UNREGISTERED
