"""Connecting a real node to platforms no one here wrote (docs/connecting.md), over real HTTP.

* A legacy eMSP registers with our CPO node sending its tokens raw (as many 2.1.1/2.2 platforms
  do) and refuses Base64-encoded ones: our callbacks during its registration, the pushes and
  pulls afterwards all carry its token raw (transport_and_format.asciidoc "Authorization
  header").
* A CPO that knows only a token agreed out of band (no credentials module, no registration):
  ``openroam partners add`` discovers its endpoints with that token and pulls from it; the token
  it printed lets the partner call us.

The node runs as ``openroam serve`` (a subprocess on SQLite); the partners are threads of the test.
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import httpx

from openroam._store import repositories as repo
from openroam._store.db import Database
from tests.e2e.nodes import NodeConfig, Party, admin_api, eventually, free_port, running
from tests.e2e.ocpi_partner import ocpi_partner

ADMIN = "e2e-admin-token"


def _node(tmp_path: Path, name: str, party: Party) -> NodeConfig:
    return NodeConfig(
        name=name,
        port=free_port(),
        database_url=f"sqlite+aiosqlite:///{tmp_path / f'{name}.db'}",
        parties=[party],
        extra={"OPENROAM_ADMIN_TOKEN": ADMIN, "OPENROAM_PUSH_MAX_DELAY": "1"},
    )


def _line(output: str, label: str) -> str:
    line = next(line for line in output.splitlines() if line.startswith(label))
    return line.split(":", 1)[1].strip()


async def _stored_partner(node: NodeConfig, name: str) -> repo.PartnerRecord:
    db = Database.connect(node.database_url)
    try:
        async with db.session() as session:
            record = await repo.get_partner_by_name(session, name)
    finally:
        await db.dispose()
    assert record is not None
    return record


def _tariff(country_code: str, party_id: str, tariff_id: str) -> dict[str, Any]:
    return {
        "country_code": country_code,
        "party_id": party_id,
        "id": tariff_id,
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0.3, "step_size": 1}]}],
        "last_updated": "2026-01-01T10:00:00Z",
    }


def _token(uid: str) -> dict[str, Any]:
    return {
        "country_code": "DE",
        "party_id": "LEG",
        "uid": uid,
        "type": "RFID",
        "contract_id": f"DE-LEG-{uid}",
        "issuer": "Legacy eMSP",
        "valid": True,
        "whitelist": "ALWAYS",
        "last_updated": "2026-01-01T10:00:00Z",
    }


def test_a_partner_registering_with_a_raw_token_is_called_raw(tmp_path: Path) -> None:
    node = _node(tmp_path, "cpo", Party("NL", "AAA", "CPO", "A Charging"))
    legacy_roles = [
        {
            "role": "EMSP",
            "business_details": {"name": "Legacy"},
            "party_id": "LEG",
            "country_code": "DE",
        }
    ]
    modules = {"tariffs": "RECEIVER", "tokens": "SENDER"}
    with (
        running(node, tmp_path),
        ocpi_partner(raw=True, modules=modules, credentials_roles=legacy_roles) as legacy,
    ):
        legacy.objects["tokens"] = [_token("RAW-1")]
        token_a = _line(
            node.cli("invite", "legacy", "--role", "EMSP", "--party", "DE*LEG").stdout, "token A:"
        )

        # The legacy platform registers as its operator makes it: token A sent raw.
        ours = {"Authorization": f"Token {token_a}"}
        versions = httpx.get(node.versions_url, headers=ours, timeout=10).json()
        assert versions["status_code"] == 1000
        details = httpx.get(versions["data"][0]["url"], headers=ours, timeout=10).json()
        credentials_url = next(
            e["url"] for e in details["data"]["endpoints"] if e["identifier"] == "credentials"
        )
        token_b = "legacy-token-b"
        legacy.tokens.add(token_b)  # it accepts our callbacks with B while its POST is open
        posted = httpx.post(
            credentials_url,
            json={"token": token_b, "url": legacy.versions_url, "roles": legacy_roles},
            headers=ours,
            timeout=30,
        ).json()
        assert posted["status_code"] == 1000, posted
        token_c = posted["data"]["token"]

        record = asyncio.run(_stored_partner(node, "legacy"))
        assert record.status == repo.PartnerStatus.REGISTERED
        assert (record.encode_token, record.encode_token_fixed) == (False, False)
        # It calls us raw from now on, too.
        raw_c = {"Authorization": f"Token {token_c}"}
        assert httpx.get(node.versions_url, headers=raw_c, timeout=10).json()["status_code"] == 1000

        # A push: our backend writes a Tariff, the node PUTs it to the legacy eMSP.
        admin_api(node, "PUT", "tariffs/NL/AAA/T1", _tariff("NL", "AAA", "T1")).json()
        eventually("the Tariff pushed", lambda: "tariffs/NL/AAA/T1" in legacy.pushed)
        # A pull: its Tokens.
        pulled = node.cli("pull", "legacy", "--module", "tokens")
        assert "tokens from legacy: " in pulled.stdout, pulled.stdout
        assert "failed" not in pulled.stdout, pulled.stdout
        tokens = admin_api(node, "GET", "partners/legacy/tokens").json()
        assert [token["uid"] for token in tokens["data"]] == ["RAW-1"]

        calls = legacy.calls_from_node()
        paths = {call.path.partition("?")[0] for call in calls}
        assert {
            "/ocpi/versions",
            "/ocpi/2.2.1",
            "/ocpi/2.2.1/tariffs/NL/AAA/T1",
            "/ocpi/2.2.1/tokens",
        } <= paths
        # Every call our node made carried token B raw: the legacy platform refused nothing.
        assert {call.authorization for call in calls} == {f"Token {token_b}"}

        # An operator who knows the partner wants raw tokens says so; that holds whatever the
        # partner's own calls carry.
        invited = node.cli("invite", "other", "--raw-token", "--role", "EMSP", "--party", "DE*OTH")
        assert _line(invited.stdout, "tokens:") == "sent raw (--raw-token)"
        other = asyncio.run(_stored_partner(node, "other"))
        assert (other.encode_token, other.encode_token_fixed) == (False, True)


def test_partners_add_connects_with_an_agreed_token_and_pulls(tmp_path: Path) -> None:
    node = _node(tmp_path, "emsp", Party("DE", "EMS", "EMSP", "E Mobility"))
    agreed = "agreed-token-c-0123456789"
    with (
        running(node, tmp_path),
        ocpi_partner(raw=False, tokens={agreed}, modules={"tariffs": "SENDER"}) as cpo,
    ):
        cpo.objects["tariffs"] = [_tariff("NL", "CPX", "T1"), _tariff("NL", "CPX", "T2")]
        grant = ("--role", "CPO", "--party", "NL*CPX")
        versions = ("--versions-url", cpo.versions_url)

        # A token the partner does not know: refused readably, nothing stored.
        wrong = node.cli(
            "partners", "add", "cpo-x", *versions, "--token", "guess", *grant, check=False
        )
        assert wrong.returncode == 1
        assert "refused our credentials token" in wrong.stdout
        assert "cpo-x" not in node.cli("partners").stdout
        # Base64 first (2.2.1), then once raw: a 2.1.1 partner expects it so, and its version is
        # not known before its versions are read (transport_and_format.md "Authorization header").
        tried = [call.authorization for call in cpo.calls_from_node()]
        assert tried == [cpo.header("guess"), "Token guess"]
        cpo.requests.clear()

        added = node.cli("partners", "add", "cpo-x", *versions, "--token", agreed, *grant)
        assert "connected" in added.stdout
        assert "tariffs SENDER" in added.stdout
        assert "CPO NL*CPX (from the grants)" in added.stdout
        ours = _line(added.stdout, "token:")
        assert _line(added.stdout, "versions URL:") == node.versions_url

        pulled = node.cli("pull", "cpo-x", "--module", "tariffs")
        assert "tariffs from cpo-x: " in pulled.stdout, pulled.stdout
        assert "failed" not in pulled.stdout, pulled.stdout
        tariffs = admin_api(node, "GET", "partners/cpo-x/tariffs").json()
        assert sorted(tariff["id"] for tariff in tariffs["data"]) == ["T1", "T2"]
        assert {call.authorization for call in cpo.calls_from_node()} == {cpo.header(agreed)}

        # The partner calls us with the token we printed (Base64, as OCPI 2.2.1 asks); token C is
        # ours to send, not a token to call us with.
        header = {"Authorization": "Token " + base64.b64encode(ours.encode()).decode()}
        assert (
            httpx.get(node.versions_url, headers=header, timeout=10).json()["status_code"] == 1000
        )
        tokens = httpx.get(f"{node.base_url}/ocpi/2.2.1/sender/tokens", headers=header, timeout=10)
        assert tokens.json()["status_code"] == 1000
        refused = httpx.get(
            node.versions_url, headers={"Authorization": cpo.header(agreed)}, timeout=10
        )
        assert refused.status_code == 401
        record = asyncio.run(_stored_partner(node, "cpo-x"))
        assert record.status == repo.PartnerStatus.REGISTERED
        assert record.outgoing_token == agreed
