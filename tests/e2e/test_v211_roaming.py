"""A CPO node that offers only OCPI 2.1.1 and a default eMSP node, connected on 2.1.1 (the
newest version both offer, credentials.md 3.1), keep their objects and calls working over real
HTTP: each node sends and pulls in 2.1.1 and stores in 2.2.1.

* Pull (transport_and_format.md "Pull and Push"): a Location created before the registration
  reaches the eMSP by its first pull of the CPO's 2.1.1 Locations list.
* Push: Locations, an EVSE status (a PATCH), Tariffs, a Session and a CDR from the CPO
  (mod_locations.md 2.2, mod_tariffs.md 2.2, mod_sessions.md 2.2, mod_cdrs.md 2.2.2 "POST
  Method"), a Token from the eMSP (mod_tokens.md 2.1 "CPO Interface").
* Real-time authorization (mod_tokens.md 2.2.2 "POST Method") and a START_SESSION with its
  asynchronous result (mod_commands.md 2.1.1 and 2.2.1 "POST Method").

Both backends act only through their node's backend API.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.api.support import cdr
from tests.e2e.nodes import NodeConfig, Party, admin_api, eventually, free_port, running_together
from tests.e2e.test_roaming import FAST, _location, _register, _tariff, _theirs, _token

CPO, EMSP = ("NL", "CPO"), ("DE", "MSP")


def _node(tmp: Path, name: str, party: Party, **extra: str) -> NodeConfig:
    database = f"sqlite+aiosqlite:///{tmp / f'{name}.db'}"
    return NodeConfig(name, free_port(), database, [party], {**FAST, **extra})


def _session() -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "CPO",
        "id": "S1",
        "start_date_time": "2026-01-01T10:00:00Z",
        "kwh": 1.5,
        "cdr_token": {"country_code": "DE", "party_id": "MSP", "uid": "NEVER",
                      "type": "RFID", "contract_id": "DE-MSP-CNEVER"},
        "auth_method": "WHITELIST",
        "location_id": "LOC1",
        "evse_uid": "LOC1-E1",
        "connector_id": "1",
        "currency": "EUR",
        "status": "ACTIVE",
        "last_updated": "2026-01-01T10:05:00Z",
    }  # fmt: skip


def _cdr() -> dict[str, Any]:
    """A CDR at LOC1's EVSE (2.1.1 embeds the Location with that EVSE, mod_cdrs.md 3.1)."""
    body = cdr("CDR1", CPO, EMSP, last_updated="2026-01-01T12:00:00Z")
    body["cdr_location"] |= {"evse_uid": "LOC1-E1", "evse_id": "NL*CPO*ELOC1"}
    return body


def test_a_2_1_1_connection_pushes_pulls_authorizes_and_commands(tmp_path: Path) -> None:
    cpo = _node(
        tmp_path,
        "cpo",
        Party(*CPO, "CPO", "Old Charging"),
        OPENROAM_OCPI_VERSIONS=json.dumps(["2.1.1"]),
    )
    emsp = _node(tmp_path, "emsp", Party(*EMSP, "EMSP", "MSP Mobility"))
    with running_together((cpo, emsp), tmp_path):
        admin_api(cpo, "PUT", "locations/NL/CPO/LOC0", _location("LOC0"))
        _register(cpo, emsp)
        assert admin_api(emsp, "GET", "partners/cpo").json()["data"]["version"] == "2.1.1"

        # Pulled: LOC0 existed before the registration; stored as 2.2.1 at the eMSP.
        eventually("LOC0 pulled by the eMSP", lambda: len(_theirs(emsp, "cpo", "locations")) == 1)
        [pulled] = _theirs(emsp, "cpo", "locations")
        assert (pulled["country_code"], pulled["party_id"], pulled["id"]) == ("NL", "CPO", "LOC0")
        assert pulled["publish"] is True

        # Pushed by the CPO: a Location, its EVSE status, a Tariff.
        admin_api(cpo, "PUT", "locations/NL/CPO/LOC1", _location("LOC1"))
        admin_api(cpo, "PUT", "tariffs/NL/CPO/T1", _tariff("T1", 0.3))
        eventually("LOC1 at the eMSP", lambda: len(_theirs(emsp, "cpo", "locations")) == 2)
        eventually("T1 at the eMSP", lambda: len(_theirs(emsp, "cpo", "tariffs")) == 1)
        admin_api(cpo, "PUT", "locations/NL/CPO/LOC1/LOC1-E1/status", {"status": "CHARGING"})

        def charging() -> bool:
            by_id = {loc["id"]: loc for loc in _theirs(emsp, "cpo", "locations")}
            return by_id["LOC1"]["evses"][0]["status"] == "CHARGING"

        eventually("LOC1's EVSE CHARGING at the eMSP", charging)
        [tariff] = _theirs(emsp, "cpo", "tariffs")
        assert tariff["elements"][0]["price_components"][0]["price"] == 0.3

        # Pushed by the eMSP: a Token the CPO authorizes in real time only.
        admin_api(emsp, "PUT", "tokens/DE/MSP/NEVER", _token("NEVER") | {"whitelist": "NEVER"})
        eventually("the Token at the CPO", lambda: len(_theirs(cpo, "emsp", "tokens")) == 1)
        [held] = _theirs(cpo, "emsp", "tokens")
        assert (held["uid"], held["contract_id"]) == ("NEVER", "DE-MSP-CNEVER")
        ask = {"token_uid": "NEVER", "location_id": "LOC1", "evse_uids": ["LOC1-E1"]}
        verdict = admin_api(cpo, "POST", "authorize", ask).json()["data"]
        assert (verdict["allowed"], verdict["decided_by"]) == ("ALLOWED", "emsp"), verdict
        assert verdict["authorization_info"]["token"]["uid"] == "NEVER"

        # A command from the eMSP; the CPO's backend reports the result.
        command = {"token": _token("NEVER"), "location_id": "LOC1", "evse_uid": "LOC1-E1"}
        sent = admin_api(emsp, "POST", "commands/START_SESSION?partner=cpo", command).json()["data"]
        assert sent["response"]["result"] == "ACCEPTED", sent
        url = sent["command"]["response_url"]
        assert url.startswith(f"{emsp.base_url}/ocpi/2.1.1/emsp/commands/START_SESSION/")
        received = admin_api(cpo, "GET", "commands?side=received").json()["data"]
        [uid] = [c["id"] for c in received if c["command"]["response_url"] == url]
        admin_api(cpo, "POST", f"commands/{uid}/result", {"result": "ACCEPTED"})

        def result() -> Any:
            found = admin_api(emsp, "GET", f"commands/{sent['id']}").json()["data"]
            return (found["result"] or {}).get("result")

        eventually("the command's result at the eMSP", lambda: result() == "ACCEPTED")

        # A Session and a CDR of the eMSP's Token.
        admin_api(cpo, "PUT", "sessions/NL/CPO/S1", _session())
        admin_api(cpo, "POST", "cdrs", _cdr())
        eventually("S1 at the eMSP", lambda: len(_theirs(emsp, "cpo", "sessions")) == 1)
        eventually("CDR1 at the eMSP", lambda: len(_theirs(emsp, "cpo", "cdrs")) == 1)
        [session] = _theirs(emsp, "cpo", "sessions")
        assert (session["location_id"], session["cdr_token"]["contract_id"]) == (
            "LOC1",
            "DE-MSP-CNEVER",
        )
        [received_cdr] = _theirs(emsp, "cpo", "cdrs")
        assert received_cdr["total_cost"]["excl_vat"] == 4.0

        failed = admin_api(cpo, "GET", "deliveries?state=failed").json()["data"]
        assert failed == []
