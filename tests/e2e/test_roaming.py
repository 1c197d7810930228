"""A CPO node and an eMSP node keep Locations, Tariffs and Tokens equal over real HTTP, also
across an outage of the eMSP, with no manual step (transport_and_format.asciidoc "Pull and
Push", "Offline behaviour").

Objects are written only through each node's backend API, as a party's own systems would. Push
delivery (the outbox worker inside ``openroam serve``) carries each change; after the eMSP was down,
retries and pull-sync bring both sides back to the same state with no manual step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.nodes import (
    NodeConfig,
    Party,
    admin_api,
    eventually,
    free_port,
    running,
    running_together,
)

ADMIN = "e2e-admin-token"
FAST = {
    "OPENROAM_ADMIN_TOKEN": ADMIN,
    # Short waits so the test converges in seconds; the mechanisms are the production ones.
    "OPENROAM_PUSH_MAX_DELAY": "1",
    "OPENROAM_PULL_INTERVAL": "3",
}


def _location(location_id: str, status: str = "AVAILABLE", stamp: str = "2026-01-01T10:00:00Z"):
    return {
        "country_code": "NL",
        "party_id": "CPO",
        "id": location_id,
        "publish": True,
        "address": "Stationsplein 1",
        "city": "Utrecht",
        "country": "NLD",
        "coordinates": {"latitude": "52.089444", "longitude": "5.110278"},
        "time_zone": "Europe/Amsterdam",
        "evses": [
            {
                "uid": f"{location_id}-E1",
                "status": status,
                "connectors": [
                    {
                        "id": "1",
                        "standard": "IEC_62196_T2",
                        "format": "SOCKET",
                        "power_type": "AC_3_PHASE",
                        "max_voltage": 230,
                        "max_amperage": 32,
                        "last_updated": stamp,
                    }
                ],
                "last_updated": stamp,
            }
        ],
        "last_updated": stamp,
    }


def _tariff(tariff_id: str, price: float) -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "CPO",
        "id": tariff_id,
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": price, "step_size": 1}]}],
        "last_updated": "2026-01-01T10:00:00Z",
    }


def _token(uid: str) -> dict[str, Any]:
    return {
        "country_code": "DE",
        "party_id": "MSP",
        "uid": uid,
        "type": "RFID",
        "contract_id": f"DE-MSP-C{uid}",
        "issuer": "MSP Mobility",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": "2026-01-01T10:00:00Z",
    }


def _own(node: NodeConfig, module: str) -> list[Any]:
    return sorted(admin_api(node, "GET", f"{module}?limit=1000").json()["data"], key=str)


def _theirs(node: NodeConfig, partner: str, module: str) -> list[Any]:
    response = httpx.get(
        f"{node.base_url}/api/partners/{partner}/{module}?limit=1000",
        headers={"Authorization": f"Bearer {ADMIN}"},
        timeout=10,
    )
    if response.status_code != 200:
        return []
    return sorted(response.json()["data"], key=str)


@pytest.fixture
def pair(tmp_path: Path, database_url: str) -> tuple[NodeConfig, NodeConfig, Path]:
    cpo = NodeConfig(
        "cpo",
        free_port(),
        f"sqlite+aiosqlite:///{tmp_path / 'cpo.db'}",
        [Party("NL", "CPO", "CPO", "CPO Charging")],
        FAST,
    )
    emsp = NodeConfig(
        "emsp", free_port(), database_url, [Party("DE", "MSP", "EMSP", "MSP Mobility")], FAST
    )
    return cpo, emsp, tmp_path


def _grants(node: NodeConfig) -> list[str]:
    """``--role R --party CC*PID`` for each of the node's parties: what its partner grants it."""
    return [
        arg
        for party in node.parties
        for arg in ("--role", party.role, "--party", f"{party.country_code}*{party.party_id}")
    ]


def _register(cpo: NodeConfig, emsp: NodeConfig) -> None:
    # The invitation through the CPO's backend API (POST /api/invitations, as `openroam invite`
    # does; that command is run in test_registration): one process start less per test.
    grants = [
        {"role": party.role, "country_code": party.country_code, "party_id": party.party_id}
        for party in emsp.parties
    ]
    invitation = admin_api(cpo, "POST", "invitations", {"name": "emsp", "grants": grants}).json()
    token = invitation["data"]["token"]
    emsp.cli("register", cpo.versions_url, "--token", token, "--name", "cpo", *_grants(cpo))


def test_cpo_and_emsp_converge_by_push_and_after_an_outage(
    pair: tuple[NodeConfig, NodeConfig, Path],
) -> None:
    cpo, emsp, logs = pair
    with running_together((cpo, emsp), logs) as nodes:
        _register(cpo, emsp)

        # A Location created through the CPO's backend API appears at the eMSP.
        admin_api(cpo, "PUT", "locations/NL/CPO/LOC1", _location("LOC1"))
        eventually("LOC1 at the eMSP", lambda: len(_theirs(emsp, "cpo", "locations")) == 1)

        # An EVSE status change arrives (as a PATCH of the EVSE).
        admin_api(cpo, "PUT", "locations/NL/CPO/LOC1/LOC1-E1/status", {"status": "CHARGING"})
        eventually(
            "LOC1's EVSE CHARGING at the eMSP",
            lambda: _theirs(emsp, "cpo", "locations")[0]["evses"][0]["status"] == "CHARGING",
        )

        # A token created at the eMSP reaches the CPO.
        admin_api(emsp, "PUT", "tokens/DE/MSP/0123456789?type=RFID", _token("0123456789"))
        eventually("the token at the CPO", lambda: len(_theirs(cpo, "emsp", "tokens")) == 1)
        nodes.stop(emsp)

        # The eMSP is down: several changes are made at the CPO meanwhile.
        admin_api(
            cpo, "PUT", "locations/NL/CPO/LOC2", _location("LOC2", stamp="2026-01-02T10:00:00Z")
        )
        admin_api(cpo, "PUT", "locations/NL/CPO/LOC1/LOC1-E1/status", {"status": "AVAILABLE"})
        admin_api(cpo, "PUT", "tariffs/NL/CPO/T1", _tariff("T1", 0.25))
        admin_api(
            cpo,
            "PUT",
            "tariffs/NL/CPO/T1",
            _tariff("T1", 0.30) | {"last_updated": "2026-01-03T00:00:00Z"},
        )

        # The eMSP comes back; without any manual step both sides end equal.
        with running(emsp, logs):
            for module in ("locations", "tariffs"):
                eventually(
                    f"{module} equal on both sides",
                    lambda module=module: _own(cpo, module) == _theirs(emsp, "cpo", module),
                )
            eventually(
                "tokens equal on both sides",
                lambda: _own(emsp, "tokens") == _theirs(cpo, "emsp", "tokens"),
            )
            assert [loc["id"] for loc in _own(cpo, "locations")] == ["LOC1", "LOC2"]
            assert (
                _theirs(emsp, "cpo", "tariffs")[0]["elements"][0]["price_components"][0]["price"]
                == 0.3
            )
