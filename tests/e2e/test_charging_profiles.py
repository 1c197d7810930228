"""ChargingProfiles over real HTTP between a CPO node and an eMSP node: set, get and clear, each
with its result (mod_charging_profiles.asciidoc "Flow").

The eMSP's backend sends each request through its API; the CPO's backend (this test) sees the
``chargingprofile.requested`` event and reports the Charge Point's result through its API; the
result reaches the eMSP at its ``response_url``, and after the successful set the CPO pushes the
ActiveChargingProfile to the eMSP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.e2e.nodes import NodeConfig, admin_api, eventually, running_together
from tests.e2e.test_roaming import ADMIN, _register, pair

__all__ = ["pair"]

PROFILE = {
    "charging_rate_unit": "W",
    "charging_profile_period": [{"start_period": 0, "limit": 11000}],
}


def _session(session_id: str) -> dict[str, Any]:
    """A Session of the CPO for a Token of the eMSP (mod_sessions "Session object")."""
    return {
        "country_code": "NL",
        "party_id": "CPO",
        "id": session_id,
        "start_date_time": "2026-01-01T10:00:00Z",
        "kwh": 0,
        "cdr_token": {
            "country_code": "DE",
            "party_id": "MSP",
            "uid": "0123456789",
            "type": "RFID",
            "contract_id": "DE-MSP-C0123456789",
        },
        "auth_method": "WHITELIST",
        "location_id": "LOC1",
        "evse_uid": "LOC1-E1",
        "connector_id": "1",
        "currency": "EUR",
        "status": "ACTIVE",
        "last_updated": "2026-01-01T10:00:00Z",
    }


def _requested(cpo: NodeConfig, seen: set[int]) -> dict[str, Any] | None:
    events = admin_api(cpo, "GET", "events?type=chargingprofile.requested").json()["data"]
    fresh = [event["data"] for event in events if event["data"]["request_id"] not in seen]
    return fresh[0] if fresh else None


def _round_trip(
    cpo: NodeConfig, emsp: NodeConfig, method: str, path: str, seen: set[int], **report: Any
) -> dict[str, Any]:
    """One request from the eMSP, handled by the CPO's backend; the eMSP's stored request once
    its result has arrived."""
    sent = admin_api(
        emsp, method, f"partners/cpo/chargingprofiles/{path}", report.pop("body", None)
    )
    request = sent.json()["data"]
    assert request["response"] == {"result": "ACCEPTED", "timeout": 30}, request
    eventually("the CPO's event", lambda: _requested(cpo, seen) is not None)
    event = _requested(cpo, seen)
    assert event is not None
    seen.add(event["request_id"])
    admin_api(cpo, "POST", f"chargingprofiles/requests/{event['request_id']}/result", report)

    def arrived() -> bool:
        found = admin_api(emsp, "GET", f"chargingprofiles/requests/{request['id']}").json()["data"]
        return bool(found["state"] == "done")

    eventually(f"the result of {method} at the eMSP", arrived)
    data: dict[str, Any] = admin_api(
        emsp, "GET", f"chargingprofiles/requests/{request['id']}"
    ).json()["data"]
    return data | {"event": event}


def test_set_get_and_clear_with_their_results(pair: tuple[NodeConfig, NodeConfig, Path]) -> None:
    cpo, emsp, logs = pair
    with running_together((cpo, emsp), logs):
        _register(cpo, emsp)
        admin_api(cpo, "PUT", "sessions/NL/CPO/SES1", _session("SES1"))
        seen: set[int] = set()

        unknown = admin_api(emsp, "PUT", "partners/cpo/chargingprofiles/NOSUCH", PROFILE).json()
        assert unknown["data"]["response"]["result"] == "UNKNOWN_SESSION"

        done = _round_trip(cpo, emsp, "PUT", "SES1", seen, body=PROFILE, result="ACCEPTED")
        assert done["event"]["charging_profile"] == PROFILE
        assert done["result"] == {"result": "ACCEPTED"}

        # After the successful set the CPO pushes the ActiveChargingProfile.
        def pushed() -> bool:
            response = httpx.get(
                f"{emsp.base_url}/api/partners/cpo/chargingprofiles/SES1/active",
                headers={"Authorization": f"Bearer {ADMIN}"},
                timeout=10,
            )
            return response.status_code == 200

        eventually("the ActiveChargingProfile at the eMSP", pushed)
        active = admin_api(emsp, "GET", "partners/cpo/chargingprofiles/SES1/active").json()["data"]
        assert active["charging_profile"] == PROFILE

        now_active = {"start_date_time": "2026-01-01T11:00:00Z", "charging_profile": PROFILE}
        got = _round_trip(
            cpo, emsp, "GET", "SES1?duration=900", seen, result="ACCEPTED", profile=now_active
        )
        assert got["event"]["duration"] == 900
        assert got["result"] == {"result": "ACCEPTED", "profile": now_active}

        cleared = _round_trip(cpo, emsp, "DELETE", "SES1", seen, result="ACCEPTED")
        assert cleared["result"] == {"result": "ACCEPTED"}

        types = {
            event["type"] for event in admin_api(emsp, "GET", "events?limit=1000").json()["data"]
        }
        assert {
            "chargingprofile.response",
            "chargingprofile.result",
            "chargingprofile.active",
        } <= types
