"""Charging preferences through the backend API (mod_sessions "Set: Charging Preferences"): the
CPO reads what a partner eMSP set; the eMSP sends them to the CPO partner's Sessions Sender
endpoint. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from openroam._api.python import Backend
from openroam._services.credentials import PartnerApi
from openroam._services.node import Node
from openroam._store.db import Database
from openroam.models.v221.sessions import ChargingPreferences, ChargingPreferencesResponse
from openroam.models.v221.tokens import ProfileType
from openroam.models.v221.types import Role
from tests.api.conftest import ADMIN_TOKEN, BASE_URL, PLATFORM, RegisterPartner, api_app
from tests.api.support import error_of, evse, location, session

PREFERENCES = {"profile_type": "CHEAP", "energy_need": 12.5}


@dataclass
class RecordingSessionsApi:
    """Stands in for the CPO partner's platform: records the call, answers NOT_POSSIBLE."""

    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    #: the routing headers of each call
    headers: list[dict[str, str]] = field(default_factory=list)

    async def put_charging_preferences(
        self,
        sessions_url: str,
        session_id: str,
        preferences: ChargingPreferences,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> ChargingPreferencesResponse:
        self.calls.append((sessions_url, session_id, preferences.to_dict()))
        self.headers.append(dict(headers or {}))
        return ChargingPreferencesResponse.NOT_POSSIBLE

    async def aclose(self) -> None:
        return None


async def test_backend_sends_charging_preferences_to_the_cpo_sender(
    database: Database, register_partner: RegisterPartner
) -> None:
    """eMSP side: PUT /api/partners/{name}/sessions/{id}/charging_preferences goes to the
    partner's Sessions *Sender* endpoint (mod_sessions: the eMSP writes to the data owner's
    interface) and answers with the CPO's response value; a body that is not
    ChargingPreferences → 2001; a partner without that endpoint → 404."""
    recording = RecordingSessionsApi()

    def factory(token: str, encode_token: bool) -> PartnerApi:
        return recording  # type: ignore[return-value]

    node = Node.build(PLATFORM, database, factory)
    cpo = await register_partner(
        roles=((Role.CPO, "DE", "CPO"),), endpoints=(("sessions", "SENDER"),)
    )
    plain = await register_partner(roles=((Role.CPO, "BE", "CPO"),))
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    transport = httpx.ASGITransport(app=api_app(node))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as api:
        route = f"/api/partners/{cpo.partner_name}/sessions/S1/charging_preferences"
        response = await api.put(route, json=PREFERENCES)
        assert response.status_code == 200, response.text
        assert response.json() == {"data": "NOT_POSSIBLE"}
        bad = await api.put(route, json={"profile_type": "TURBO"})
        assert "profile_type" in error_of(bad, 400, 2001)
        other = f"/api/partners/{plain.partner_name}/sessions/S1/charging_preferences"
        error_of(await api.put(other, json=PREFERENCES), 404, 2000)
    sessions_url = "https://partner.example.com/ocpi/2.2.1/sessions"
    assert recording.calls == [(sessions_url, "S1", PREFERENCES)]
    # transport_and_format "Message Routing": FROM our eMSP party, TO the partner's CPO party.
    assert recording.headers == [
        {
            "OCPI-from-country-code": "NL",
            "OCPI-from-party-id": "ORM",
            "OCPI-to-country-code": "DE",
            "OCPI-to-party-id": "CPO",
        }
    ]
    answer = await Backend(node).send_charging_preferences(
        cpo.partner_name, "S2", ChargingPreferences(profile_type=ProfileType.GREEN)
    )
    assert answer is ChargingPreferencesResponse.NOT_POSSIBLE
    assert recording.calls[-1] == (sessions_url, "S2", {"profile_type": "GREEN"})


async def test_charging_preferences_to_a_2_1_1_cpo_are_refused_before_sending(
    database: Database, register_partner: RegisterPartner
) -> None:
    """mod_sessions.md 2.1 "CPO Interface" (2.1.1): the Sessions Sender has GET only; charging
    preferences do not exist in 2.1.1. Sending them to a 2.1.1 CPO is refused with HTTP 409
    naming the version, and nothing reaches the partner."""
    recording = RecordingSessionsApi()

    def factory(token: str, encode_token: bool) -> PartnerApi:
        return recording  # type: ignore[return-value]

    node = Node.build(PLATFORM, database, factory)
    cpo = await register_partner(
        roles=((Role.CPO, "DE", "CPO"),), endpoints=(("sessions", "SENDER"),), version="2.1.1"
    )
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    transport = httpx.ASGITransport(app=api_app(node))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as api:
        route = f"/api/partners/{cpo.partner_name}/sessions/S1/charging_preferences"
        assert "2.1.1" in error_of(await api.put(route, json=PREFERENCES), 409, 2000)
    assert recording.calls == []


async def test_backend_reads_the_preferences_a_partner_set(
    client: httpx.AsyncClient, node: Node, register_partner: RegisterPartner
) -> None:
    """CPO side: GET /api/sessions/{cc}/{pid}/{id}/charging_preferences returns what the eMSP
    PUT on our Sender interface (404 before any was set)."""
    capable = evse(capabilities=["CHARGING_PREFERENCES_CAPABLE"])
    await client.put("/api/locations/NL/ORM/LOC1", json=location(evses=[capable]))
    await client.put("/api/sessions/NL/ORM/S1", json=session(emsp=("DE", "MSP")))
    route = "/api/sessions/NL/ORM/S1/charging_preferences"
    assert (await client.get(route)).status_code == 404
    emsp = await register_partner(roles=((Role.EMSP, "DE", "MSP"),))
    answer = await node.preferences.receive(emsp, "S1", orjson.dumps(PREFERENCES))
    assert answer is ChargingPreferencesResponse.ACCEPTED
    assert (await client.get(route)).json() == {"data": PREFERENCES}
    stored = await Backend(node).get_charging_preferences("NL", "ORM", "s1")
    assert stored.profile_type is ProfileType.CHEAP
