"""Commands over real HTTP between a CPO node and an eMSP node: for each command type the
accepted path with the asynchronous result, the rejected path, and the timeout path
(mod_commands.asciidoc "Flow").

Both backends act only through their node's backend API: the eMSP sends commands with
``POST /api/commands/{type}``; the CPO's backend finds them in ``GET /api/commands`` (it could
equally take the ``command.received`` webhook) and reports results with
``POST /api/commands/{id}/result``. The CPO node promises a 6 s timeout but gives its backend
10 s, so the timeout path shows both sides: the eMSP decides TIMEOUT at 6 s, then the CPO POSTs
FAILED at 10 s, which the eMSP keeps as a late result. (Short, but far above the second or so a
result takes to travel; the timeout path is sent first so its wait overlaps the other paths.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.nodes import NodeConfig, Party, admin_api, eventually, free_port, running_together
from tests.e2e.test_roaming import ADMIN, _location, _register, _token

CPO_SETTINGS = {
    "OPENROAM_ADMIN_TOKEN": ADMIN,
    "OPENROAM_PUSH_MAX_DELAY": "1",
    "OPENROAM_COMMANDS__TIMEOUT": "6",
    "OPENROAM_COMMANDS__BACKEND_TIMEOUT": "10",
}
TIMEOUT = 6
TOKEN = _token("0123456789")


def _commands() -> dict[str, dict[str, Any]]:
    return {
        "START_SESSION": {"token": TOKEN, "location_id": "LOC1", "evse_uid": "LOC1-E1",
                          "connector_id": "1"},
        "STOP_SESSION": {"session_id": "S1"},
        "RESERVE_NOW": {"token": TOKEN, "expiry_date": "2030-01-01T10:00:00Z",
                        "reservation_id": "R1", "location_id": "LOC1"},
        "CANCEL_RESERVATION": {"reservation_id": "R1"},
        "UNLOCK_CONNECTOR": {"location_id": "LOC1", "evse_uid": "LOC1-E1", "connector_id": "1"},
    }  # fmt: skip


def _session() -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "CPO",
        "id": "S1",
        "start_date_time": "2026-01-01T10:00:00Z",
        "kwh": 0,
        "cdr_token": {"country_code": "DE", "party_id": "MSP", "uid": "0123456789",
                      "type": "RFID", "contract_id": "DE-MSP-C0123456789"},
        "auth_method": "COMMAND",
        "location_id": "LOC1",
        "evse_uid": "LOC1-E1",
        "connector_id": "1",
        "currency": "EUR",
        "status": "ACTIVE",
        "last_updated": "2026-01-01T10:00:00Z",
    }  # fmt: skip


@pytest.fixture
def pair(tmp_path: Path, database_url: str) -> tuple[NodeConfig, NodeConfig, Path]:
    cpo = NodeConfig(
        "cpo",
        free_port(),
        database_url,
        [Party("NL", "CPO", "CPO", "CPO Charging")],
        CPO_SETTINGS,
    )
    emsp = NodeConfig(
        "emsp",
        free_port(),
        f"sqlite+aiosqlite:///{tmp_path / 'emsp.db'}",
        [Party("DE", "MSP", "EMSP", "MSP Mobility")],
        {"OPENROAM_ADMIN_TOKEN": ADMIN},
    )
    return cpo, emsp, tmp_path


def _send(emsp: NodeConfig, kind: str) -> dict[str, Any]:
    sent: dict[str, Any] = admin_api(
        emsp, "POST", f"commands/{kind}?partner=cpo", _commands()[kind]
    ).json()["data"]
    return sent


def _received(cpo: NodeConfig, sent: dict[str, Any]) -> str:
    """The CPO's id of a command the eMSP sent (matched by its unique response_url)."""
    url = sent["command"]["response_url"]
    for command in admin_api(cpo, "GET", "commands?side=received&limit=1000").json()["data"]:
        if command["command"]["response_url"] == url:
            return str(command["id"])
    raise AssertionError(f"the CPO has no command with response_url {url}")


def _command(emsp: NodeConfig, uid: str) -> dict[str, Any]:
    found: dict[str, Any] = admin_api(emsp, "GET", f"commands/{uid}").json()["data"]
    return found


def _results(emsp: NodeConfig, uid: str) -> list[dict[str, Any]]:
    path = f"events?type=command.result&subject=command:{uid}"
    return [event["data"] for event in admin_api(emsp, "GET", path).json()["data"]]


def test_every_command_type_accepted_rejected_and_timed_out(
    pair: tuple[NodeConfig, NodeConfig, Path],
) -> None:
    cpo, emsp, logs = pair
    with running_together((cpo, emsp), logs):
        _register(cpo, emsp)
        admin_api(cpo, "PUT", "locations/NL/CPO/LOC1", _location("LOC1"))
        admin_api(cpo, "PUT", "sessions/NL/CPO/S1", _session())
        paths: dict[str, dict[str, dict[str, Any]]] = {"late": {}, "ok": {}, "no": {}}
        for path, result in (("late", None), ("ok", "ACCEPTED"), ("no", "REJECTED")):
            for kind in _commands():
                sent = paths[path][kind] = _send(emsp, kind)
                # The CPO's CommandResponse, with the timeout it promised (mod_commands).
                assert sent["response"] == {"result": "ACCEPTED", "timeout": TIMEOUT}, sent
                if result is not None:
                    # The CPO's backend reports the Charge Point's result.
                    uid = _received(cpo, sent)
                    admin_api(cpo, "POST", f"commands/{uid}/result", {"result": result})
        for path, result in (("ok", "ACCEPTED"), ("no", "REJECTED")):
            for kind, sent in paths[path].items():
                eventually(
                    f"{kind} {result} at the eMSP",
                    lambda s=sent, r=result: _command(emsp, s["id"])["result"] == {"result": r},
                )
                assert _results(emsp, sent["id"])[0]["late"] is False
        # Timeout path: the eMSP decides TIMEOUT after 6 s; the CPO's FAILED comes at 10 s.
        for kind, sent in paths["late"].items():
            eventually(
                f"{kind} TIMEOUT then FAILED at the eMSP",
                lambda s=sent: (
                    [r["result"]["result"] for r in _results(emsp, s["id"])]
                    == ["TIMEOUT", "FAILED"]
                ),
            )
            timed_out, late = _results(emsp, sent["id"])
            assert (timed_out["timed_out"], late["late"]) == (True, True)

        # Rejected by the CPO itself, synchronously: unknown Location (2003 + REJECTED) and
        # unknown Session (UNKNOWN_SESSION).
        unknown = _commands()["UNLOCK_CONNECTOR"] | {"location_id": "NOPE"}
        sent = admin_api(emsp, "POST", "commands/UNLOCK_CONNECTOR?partner=cpo", unknown).json()[
            "data"
        ]
        assert sent["response"] is None
        assert sent["response_error"].startswith("2003")
        sent = admin_api(
            emsp, "POST", "commands/STOP_SESSION?partner=cpo", {"session_id": "S9"}
        ).json()["data"]
        assert (sent["state"], sent["response"]["result"]) == ("done", "UNKNOWN_SESSION")

        # The CLI sends the same way.
        cli = emsp.cli("command", "unlock-connector", "cpo", "--location", "LOC1", "--evse",
                       "LOC1-E1", "--connector", "1", "--wait", "0")  # fmt: skip
        assert "response: ACCEPTED" in cli.stdout
