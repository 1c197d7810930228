"""Charging preferences (mod_sessions "Set: Charging Preferences", "PUT Method" of the Sender
interface, "ChargingPreferencesResponse"): an eMSP partner PUTs the driver's preferences for one
of our Sessions at ``/sender/sessions/{session_id}/charging_preferences``; the eMSP side sends
them with the client. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio

from openroam._store.db import Database
from openroam.client import OcpiClient
from openroam.errors import InvalidOrMissingParameters
from openroam.models.v221.sessions import ChargingPreferences, ChargingPreferencesResponse
from openroam.models.v221.tokens import ProfileType
from openroam.models.v221.types import Role
from tests.server.roaming_support import (
    SQLITE_ONLY,
    Roaming,
    location,
    open_roaming,
    sender_url,
    session,
    unique_party_id,
)
from tests.server.support import FakePartner, envelope_of

PREFERENCES = {"profile_type": "FAST", "departure_time": "2026-01-01T18:00:00Z", "energy_need": 20}


@pytest_asyncio.fixture(loop_scope="session")
async def roaming(database: Database, partner: FakePartner) -> AsyncIterator[Roaming]:
    async with open_roaming(database, partner) as setup:
        await setup.own_put(
            "locations",
            location(setup.cpo, "LOC1", evses=[_evse("E1", capable=True), _evse("E2", False)]),
        )
        yield setup


def _evse(uid: str, capable: bool) -> dict[str, Any]:
    from tests.api.support import evse

    capabilities = ["CHARGING_PREFERENCES_CAPABLE"] if capable else ["RFID_READER"]
    return evse(uid, capabilities=capabilities)


def url(session_id: str = "S1") -> str:
    return sender_url("sessions", session_id, "charging_preferences")


async def test_mod_sessions_charging_preferences_are_accepted_and_stored(
    roaming: Roaming,
) -> None:
    """mod_sessions "PUT Method" (Sender): the answer's data is a ChargingPreferencesResponse
    value; the preferences are kept for the backend; a finished Session → NOT_POSSIBLE."""
    await roaming.own_put("sessions", session(roaming.cpo, roaming.partner_emsp, "S1"))
    response = await roaming.put(url(), PREFERENCES)
    assert envelope_of(response, 200, 1000)["data"] == "ACCEPTED"
    stored = await roaming.node.preferences.stored(*roaming.cpo, "s1")
    assert orjson.loads(stored) == PREFERENCES
    ended = session(roaming.cpo, roaming.partner_emsp, "S2", status="COMPLETED")
    await roaming.own_put("sessions", ended)
    assert envelope_of(await roaming.put(url("S2"), PREFERENCES), 200, 1000)["data"] == (
        "NOT_POSSIBLE"
    )


async def test_mod_sessions_charging_preferences_for_a_non_capable_evse_is_404_2001(
    roaming: Roaming,
) -> None:
    """mod_sessions "ChargingPreferencesResponse": an EVSE without CHARGING_PREFERENCES_CAPABLE
    → HTTP 404 + OCPI 2001; an EVSE we do not know has no such capability either."""
    for session_id, evse_uid in (("S1", "E2"), ("S2", "NOPE")):
        document = session(roaming.cpo, roaming.partner_emsp, session_id, evse_uid=evse_uid)
        await roaming.own_put("sessions", document)
        body = envelope_of(await roaming.put(url(session_id), PREFERENCES), 404, 2001)
        assert "CHARGING_PREFERENCES_CAPABLE" in body["status_message"]


async def test_mod_sessions_charging_preferences_only_for_the_callers_sessions(
    roaming: Roaming,
) -> None:
    """_services.addressing: an eMSP sets preferences only for Sessions of its own drivers; for
    another eMSP's Session, as for an unknown one → 404 (and nothing is stored)."""
    other_party = ("DE", unique_party_id())
    _, other_auth = await roaming.register([(Role.EMSP, other_party)])
    await roaming.own_put("sessions", session(roaming.cpo, other_party, "B1"))
    envelope_of(await roaming.put(url("B1"), PREFERENCES), 404, 2000)
    envelope_of(await roaming.put(url("NOPE"), PREFERENCES), 404, 2000)
    assert envelope_of(await roaming.put(url("B1"), PREFERENCES, other_auth), 200, 1000)


@SQLITE_ONLY
async def test_mod_sessions_charging_preferences_body_is_validated(roaming: Roaming) -> None:
    """mod_sessions "ChargingPreferences Object": profile_type is required and a ProfileType →
    2001; a body that is not JSON → HTTP 400 + 2001."""
    await roaming.own_put("sessions", session(roaming.cpo, roaming.partner_emsp, "S1"))
    for bad in ({}, {"profile_type": "TURBO"}, {"profile_type": "FAST", "energy_need": "20"}):
        envelope_of(await roaming.put(url(), bad), 200, 2001)
    response = await roaming.client.put(url(), content=b"{", headers=roaming.auth)
    envelope_of(response, 400, 2001)


async def test_mod_sessions_client_sends_charging_preferences(roaming: Roaming) -> None:
    """The eMSP side's client call against our Sender: the answer value comes back typed; a
    non-capable EVSE raises the 2001 error."""
    await roaming.own_put(
        "sessions",
        session(roaming.cpo, roaming.partner_emsp, "S1"),
        session(roaming.cpo, roaming.partner_emsp, "S2", evse_uid="E2"),
    )
    token = roaming.auth["Authorization"].removeprefix("Token ")
    transport = httpx.ASGITransport(app=roaming.client._transport.app)  # type: ignore[attr-defined]
    preferences = ChargingPreferences(profile_type=ProfileType.GREEN)
    endpoint = f"{roaming.client.base_url}{sender_url('sessions')}"
    async with OcpiClient(token, encode_token=False, transport=transport) as client:
        answer = await client.put_charging_preferences(endpoint, "S1", preferences)
        assert answer is ChargingPreferencesResponse.ACCEPTED
        with pytest.raises(InvalidOrMissingParameters):
            await client.put_charging_preferences(endpoint, "S2", preferences)
