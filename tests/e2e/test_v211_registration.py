"""OCPI 2.1.1 registration between real nodes and a foreign 2.1.1 platform, over loopback HTTP.

credentials.md 3.1 "Registration" and 3.2 "Updating to a newer version": the initiator picks the
newest version both sides offer (a node offers ``ocpi_versions``); on 2.1.1 the credentials are
flat (credentials.md 2.1), the endpoints role-less (version_information_endpoint.md "Endpoint
class") and the token goes un-encoded (transport_and_format.md "Authorization header").

Three nodes (``openroam serve`` on SQLite) are started once for the module: ``old`` offers only
2.1.1 (a CPO), ``new`` and ``other`` the default 2.2.1 and 2.1.1 (an eMSP and a CPO). The foreign
partner is a thread of the test: a 2.1.1-only eMSP that refuses Base64-encoded tokens and
role-bearing endpoints.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest

from openroam._store import repositories as repo
from openroam._store.db import Database
from tests.e2e.nodes import NodeConfig, Party, free_port, running_together
from tests.loopback import serving

ADMIN = "v211-admin-token"


def _api(node: NodeConfig, method: str, path: str, body: Any = None) -> Any:
    answer = httpx.request(
        method,
        f"{node.base_url}/api/{path}",
        headers={"Authorization": f"Bearer {ADMIN}"},
        json=body,
        timeout=30,
    )
    assert answer.status_code < 300, answer.text
    return answer.json()["data"]


def _invite(node: NodeConfig, name: str, role: str, party: str) -> str:
    """A token A (``POST /api/invitations``, as ``openroam invite``)."""
    country_code, party_id = party.split("*")
    grants = [{"role": role, "country_code": country_code, "party_id": party_id}]
    return str(_api(node, "POST", "invitations", {"name": name, "grants": grants})["token"])


def _config(tmp: Path, name: str, party: Party, versions: list[str] | None = None) -> NodeConfig:
    extra = {"OPENROAM_OCPI_VERSIONS": json.dumps(versions)} if versions else {}
    return NodeConfig(
        name=name,
        port=free_port(),
        database_url=f"sqlite+aiosqlite:///{tmp / f'{name}.db'}",
        parties=[party],
        extra={**extra, "OPENROAM_WORKER": "false", "OPENROAM_ADMIN_TOKEN": ADMIN},
    )


@dataclass
class Nodes:
    old: NodeConfig
    new: NodeConfig
    other: NodeConfig


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nodes]:
    tmp = tmp_path_factory.mktemp("v211")
    old = _config(tmp, "old", Party("NL", "OLD", "CPO", "Old Charging"), ["2.1.1"])
    new = _config(tmp, "new", Party("DE", "NEW", "EMSP", "New Mobility"))
    other = _config(tmp, "other", Party("DE", "OTH", "CPO", "Other Charging"))
    with running_together((old, new, other), tmp):
        yield Nodes(old, new, other)


async def _partner(node: NodeConfig, name: str) -> repo.PartnerRecord:
    db = Database.connect(node.database_url)
    try:
        async with db.session() as session:
            record = await repo.get_partner_by_name(session, name)
    finally:
        await db.dispose()
    assert record is not None, f"{node.name} has no partner {name!r}"
    return record


def _endpoints(record: repo.PartnerRecord) -> set[tuple[str, str, str]]:
    return {(e.identifier, e.role, e.url) for e in record.endpoints}


def _side(base: str, side: str, roles: dict[str, str]) -> set[tuple[str, str, str]]:
    url = f"{base}/ocpi/2.1.1"
    found = {(m, r, f"{url}/{side}/{m}") for m, r in roles.items()}
    return found | {("credentials", "SENDER", f"{url}/credentials")}


CPO_ROLES = {
    "locations": "SENDER",
    "tariffs": "SENDER",
    "sessions": "SENDER",
    "cdrs": "SENDER",
    "tokens": "RECEIVER",
    "commands": "RECEIVER",
}
EMSP_ROLES = {m: "RECEIVER" if r == "SENDER" else "SENDER" for m, r in CPO_ROLES.items()}


async def test_a_211_only_node_and_a_default_node_register_on_211_both_ways(
    nodes: Nodes,
) -> None:
    """credentials.md 3.1 "Registration": 2.1.1 is the newest version both offer, whichever side
    initiates; the endpoints get the roles of each side (version_information_endpoint.md
    "Endpoint class"), the tokens go raw (transport_and_format.md "Authorization header")."""
    old, new = nodes.old, nodes.new
    versions = httpx.get(new.versions_url, headers={"Authorization": "Token x"}, timeout=10)
    assert versions.status_code == 401
    token_a = _invite(new, "old", "CPO", "NL*OLD")
    listed = httpx.get(old.versions_url, headers={"Authorization": f"Token {token_a}"}, timeout=10)
    assert listed.status_code == 401  # a token of another node
    offered = httpx.get(new.versions_url, headers={"Authorization": f"Token {token_a}"}, timeout=10)
    assert [v["version"] for v in offered.json()["data"]] == ["2.2.1", "2.1.1"]

    # The 2.1.1-only node initiates.
    registered = old.cli(
        "register", new.versions_url, "--token", token_a, "--name", "new",
        "--role", "EMSP", "--party", "DE*NEW",
    )  # fmt: skip
    assert "(OCPI 2.1.1)" in registered.stdout
    at_old, at_new = await _partner(old, "new"), await _partner(new, "old")
    assert at_old.version == at_new.version == "2.1.1"
    assert at_old.token_encoding == at_new.token_encoding == "raw"
    assert _endpoints(at_new) == _side(old.base_url, "cpo", CPO_ROLES)
    assert _endpoints(at_old) == _side(new.base_url, "emsp", EMSP_ROLES)
    assert [(r.role, r.country_code, r.party_id) for r in at_new.roles] == [("CPO", "NL", "OLD")]
    assert [(r.role, r.country_code, r.party_id) for r in at_old.roles] == [("EMSP", "DE", "NEW")]
    assert _api(new, "GET", "partners/old")["version"] == "2.1.1"
    assert "OCPI 2.1.1" in new.cli("partners", "show", "old").stdout

    # GET credentials: the flat 2.1.1 object, with the token the caller holds (sent raw).
    assert at_old.outgoing_token is not None
    raw = {"Authorization": f"Token {at_old.outgoing_token}"}
    credentials = f"{new.base_url}/ocpi/2.1.1/credentials"
    answer = httpx.get(credentials, headers=raw, timeout=10).json()["data"]
    assert answer["party_id"] == "NEW"
    assert answer["token"] == at_old.outgoing_token
    assert "roles" not in answer
    # Registered already: a POST is 405 (credentials.md 1.2).
    again = httpx.post(credentials, headers=raw, json=answer, timeout=10)
    assert again.status_code == 405

    # A token rotation keeps 2.1.1 (still the newest mutual version); then unregister.
    assert "rotated" in old.cli("rotate-token", "new").stdout
    assert (await _partner(new, "old")).version == "2.1.1"
    assert "unregistered" in old.cli("unregister", "new").stdout

    # The default node initiates, with the 2.1.1-only node.
    token_a = _invite(old, "new", "EMSP", "DE*NEW")
    registered = new.cli(
        "register", old.versions_url, "--token", token_a, "--name", "old",
        "--role", "CPO", "--party", "NL*OLD",
    )  # fmt: skip
    assert "(OCPI 2.1.1)" in registered.stdout
    at_old, at_new = await _partner(old, "new"), await _partner(new, "old")
    assert at_old.version == at_new.version == "2.1.1"
    assert at_old.token_encoding == at_new.token_encoding == "raw"
    assert _endpoints(at_new) == _side(old.base_url, "cpo", CPO_ROLES)
    # The 2.1.1-only node does not serve 2.2.1 details (404 envelope).
    assert at_new.outgoing_token is not None
    refused = httpx.get(
        f"{old.base_url}/ocpi/2.2.1",
        headers={"Authorization": f"Token {at_new.outgoing_token}"},
        timeout=10,
    )
    assert refused.status_code == 404
    assert refused.json()["status_code"] == 2000


async def test_two_default_nodes_pick_221_and_a_put_moves_the_version(nodes: Nodes) -> None:
    """credentials.md 3.2 "Updating to a newer version": two default nodes register on 2.2.1; a
    PUT on the 2.1.1 credentials endpoint moves the connection to 2.1.1 (credentials.md 1.3),
    and our token rotation picks the newest mutual version, 2.2.1, again."""
    new, other = nodes.new, nodes.other
    token_a = _invite(new, "other", "CPO", "DE*OTH")
    other.cli(
        "register", new.versions_url, "--token", token_a, "--name", "new",
        "--role", "EMSP", "--party", "DE*NEW",
    )  # fmt: skip
    at_new, at_other = await _partner(new, "other"), await _partner(other, "new")
    assert at_new.version == at_other.version == "2.2.1"
    assert at_new.token_encoding == at_other.token_encoding == "base64"

    # The partner (played by the test, with other's token B) PUTs its 2.1.1 credentials.
    token_b, token_c = at_new.outgoing_token, at_other.outgoing_token
    assert token_b is not None
    assert token_c is not None
    body = {
        "token": token_b,
        "url": other.versions_url,
        "business_details": {"name": "Other Charging"},
        "party_id": "OTH",
        "country_code": "DE",
    }
    put = httpx.put(
        f"{new.base_url}/ocpi/2.1.1/credentials",
        headers={"Authorization": f"Token {token_c}"},
        json=body,
        timeout=10,
    )
    assert put.json()["status_code"] == 1000, put.text
    assert put.json()["data"]["party_id"] == "NEW"
    moved = await _partner(new, "other")
    assert moved.version == "2.1.1"
    assert moved.token_encoding == "raw"
    assert _endpoints(moved) == _side(other.base_url, "cpo", CPO_ROLES)

    # new rotates its token: the newest mutual version again.
    assert "rotated" in new.cli("rotate-token", "other").stdout
    assert (await _partner(new, "other")).version == "2.2.1"
    assert (await _partner(other, "new")).version == "2.2.1"


@dataclass
class Foreign:
    """A 2.1.1-only eMSP (NL*FAK) written by no one here."""

    base: str = ""
    accepted: set[str] = field(default_factory=lambda: {"fake-token-a"})
    #: (method, path, Authorization header, accepted)
    requests: list[tuple[str, str, str, bool]] = field(default_factory=list)
    #: what the node POSTed to our credentials endpoint
    posted: list[dict[str, Any]] = field(default_factory=list)
    callbacks: list[dict[str, Any]] = field(default_factory=list)

    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any, str | None]:
        if path == "/versions":
            return 1000, [{"version": "2.1.1", "url": f"{self.base}/2.1.1"}], None
        if path == "/v221only/versions":
            return 1000, [{"version": "2.2.1", "url": f"{self.base}/2.2.1"}], None
        if path == "/2.1.1":
            modules = ["credentials", "locations", "tariffs", "sessions", "cdrs", "tokens"]
            endpoints = [{"identifier": m, "url": f"{self.base}/2.1.1/{m}"} for m in modules]
            return 1000, {"version": "2.1.1", "endpoints": endpoints}, None
        if path == "/2.1.1/credentials" and method == "POST":
            return self._register(body)
        return 2000, None, "unknown"

    def _register(self, body: dict[str, Any]) -> tuple[int, Any, str | None]:
        self.posted.append(body)
        if "roles" in body:
            return 2001, None, "2.1.1 credentials have no roles"
        raw = {"Authorization": f"Token {body['token']}"}
        versions = httpx.get(body["url"], headers=raw, timeout=10).json()["data"]
        chosen = next(v["url"] for v in versions if v["version"] == "2.1.1")
        details = httpx.get(chosen, headers=raw, timeout=10).json()["data"]
        self.callbacks.append(details)
        if any("role" in endpoint for endpoint in details["endpoints"]):
            return 3001, None, "role-bearing endpoints are not 2.1.1"
        self.accepted.add("fake-token-c")
        return (
            1000,
            {
                "token": "fake-token-c",
                "url": f"{self.base}/versions",
                "business_details": {"name": "Foreign Mobility"},
                "party_id": "FAK",
                "country_code": "NL",
            },
            None,
        )


def _handler(foreign: Foreign) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            header = self.headers.get("Authorization") or ""
            token = header.removeprefix("Token ")
            ok = token in foreign.accepted  # raw only: a Base64-encoded token is unknown
            foreign.requests.append((self.command, self.path, header, ok))
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            if not ok:
                status, payload = 401, {"status_code": 2000, "timestamp": "2026-12-07T00:00:00Z"}
            else:
                code, data, message = foreign.answer(self.command, self.path, body)
                status = 200
                payload = {"status_code": code, "status_message": message, "data": data}
                payload["timestamp"] = "2026-12-07T00:00:00Z"
            encoded = json.dumps({k: v for k, v in payload.items() if v is not None}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(encoded)))
            self.end_headers()
            self.wfile.write(encoded)

        do_GET = do_POST = do_PUT = do_DELETE = _serve  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture(scope="module")
def foreign() -> Iterator[Foreign]:
    partner = Foreign()
    with serving(_handler(partner), poll_interval=0.05) as base:
        partner.base = base
        yield partner


async def test_registering_with_a_foreign_211_only_partner(nodes: Nodes, foreign: Foreign) -> None:
    """credentials.md 3.1 "Registration" with a 2.1.1-only eMSP: our flat credentials (2.1),
    role-less version details (version_information_endpoint.md "Endpoint class") and raw
    tokens (transport_and_format.md "Authorization header"); its endpoints stored with the
    roles of an eMSP."""
    other = nodes.other
    registered = other.cli(
        "register", f"{foreign.base}/versions", "--token", "fake-token-a", "--name", "foreign",
        "--role", "EMSP", "--party", "NL*FAK",
    )  # fmt: skip
    assert "(OCPI 2.1.1)" in registered.stdout
    record = await _partner(other, "foreign")
    assert (record.version, record.token_encoding) == ("2.1.1", "raw")
    assert record.outgoing_token == "fake-token-c"
    url = f"{foreign.base}/2.1.1"
    assert _endpoints(record) == {
        ("credentials", "SENDER", f"{url}/credentials"),
        *((m, r, f"{url}/{m}") for m, r in EMSP_ROLES.items() if m != "commands"),
    }
    assert [(r.role, r.country_code, r.party_id) for r in record.roles] == [("EMSP", "NL", "FAK")]
    # Only the first versions GET went Base64-encoded (2.2.1's default) and was refused; every
    # other call carried the token raw.
    refused = [(m, p, h) for m, p, h, ok in foreign.requests if not ok]
    encoded = base64.b64encode(b"fake-token-a").decode()
    assert refused == [("GET", "/versions", f"Token {encoded}")]
    assert all(ok for _, _, _, ok in foreign.requests[1:])
    (posted,) = foreign.posted
    assert (posted["party_id"], posted["country_code"]) == ("OTH", "DE")
    assert posted["business_details"] == {"name": "Other Charging"}
    # Our details showed the CPO side, role-less.
    (details,) = foreign.callbacks
    identifiers = {e["identifier"] for e in details["endpoints"]}
    assert identifiers == {"credentials", *CPO_ROLES}
    assert all(set(e) == {"identifier", "url"} for e in details["endpoints"])


async def test_no_mutual_version_is_3002(nodes: Nodes, foreign: Foreign) -> None:
    """credentials.md 3.1 "Registration": a partner offering only 2.2.1 and a node offering only
    2.1.1 have no version in common (status_codes.md 3002 "Unsupported version"); nothing is
    stored."""
    body = {
        "name": "v221only",
        "versions_url": f"{foreign.base}/v221only/versions",
        "token": "fake-token-a",
        "grants": [{"role": "EMSP", "country_code": "NL", "party_id": "V22"}],
    }
    answer = httpx.post(
        f"{nodes.old.base_url}/api/partners",
        headers={"Authorization": f"Bearer {ADMIN}"},
        json=body,
        timeout=30,
    )
    assert answer.status_code == 502, answer.text
    assert "No mutual OCPI version" in answer.text
    assert "3002" in answer.text
    missing = httpx.get(
        f"{nodes.old.base_url}/api/partners/v221only",
        headers={"Authorization": f"Bearer {ADMIN}"},
        timeout=10,
    )
    assert missing.status_code == 404


async def test_a_211_partner_claiming_an_ungranted_party_is_refused(
    nodes: Nodes, foreign: Foreign
) -> None:
    """credentials.md 2.1 "Credentials object": party_id and country_code name the party the
    client pushes as; one not granted to the connection is refused (2001), before any
    callback."""
    new = nodes.new
    token_a = _invite(new, "intruder", "CPO", "NL*INT")
    before = len(foreign.requests)
    claimed = {
        "token": "intruder-token-b",
        "url": f"{foreign.base}/versions",
        "business_details": {"name": "Intruder"},
        "party_id": "OLD",
        "country_code": "NL",
    }
    answer = httpx.post(
        f"{new.base_url}/ocpi/2.1.1/credentials",
        headers={"Authorization": f"Token {token_a}"},
        json=claimed,
        timeout=10,
    )
    assert answer.json()["status_code"] == 2001
    assert "NL*OLD" in answer.json()["status_message"]
    assert len(foreign.requests) == before
    assert _api(new, "GET", "partners/intruder")["status"] == "pending"


async def test_adding_a_foreign_211_partner_with_an_agreed_token(
    nodes: Nodes, foreign: Foreign
) -> None:
    """credentials.md 3.1 "Registration" skipped (a token agreed out of band, ``POST
    /api/partners``): the 2.1.1 details are read with the token raw, the endpoints stored with
    an eMSP's roles (version_information_endpoint.md "Endpoint class")."""
    # Agreed out of band: the partner knows the token whatever ran before (the fixture is shared
    # by the module's tests, which may run on other workers).
    foreign.accepted.add("fake-token-c")
    grants = [{"role": "EMSP", "country_code": "NL", "party_id": "FAK"}]
    body = {
        "name": "foreign",
        "versions_url": f"{foreign.base}/versions",
        "token": "fake-token-c",
        "grants": grants,
    }
    added = _api(nodes.old, "POST", "partners", body)
    assert added["token_encoding"] == "raw"
    assert added["partner"]["version"] == "2.1.1"
    record = await _partner(nodes.old, "foreign")
    assert ("tokens", "SENDER", f"{foreign.base}/2.1.1/tokens") in _endpoints(record)
