"""The routing headers of every Functional request a platform sends (transport_and_format.asciidoc
"Message Routing"), to a partner that is a small real HTTP server recording them: pushes, pulls,
commands and their results, charging profiles and their results, charging preferences and
real-time authorization — peer to peer and through a Hub, where the TO party is the one behind
the Hub. The platform hosts CPO NL*ORC and eMSP NL*EMS. SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import uuid

import httpx
import orjson
import pytest
from sqlalchemy import select

from openroam._delivery.command_worker import CommandWorker, CommandWorkerSettings
from openroam._delivery.profile_worker import ProfileDeliverySettings, ProfileWorker
from openroam._delivery.pull import PullSettings, PullWorker
from openroam._delivery.push import PushSettings, PushWorker
from openroam._services.credentials import Caller
from openroam._services.dialect import dialect_of
from openroam._services.documents import ObjectPath
from openroam._services.node import Node
from openroam._services.object_specs import LOCATIONS, SESSIONS
from openroam._services.routing import routing_headers
from openroam._store import commands as command_store
from openroam._store import repositories as repo
from openroam._store.profile_tables import ProfileRequest
from openroam.client import OcpiClient
from openroam.errors import ClientError
from openroam.models.v221.charging_profiles import ChargingProfile, ChargingProfileResultType
from openroam.models.v221.commands import CommandResult, CommandResultType
from openroam.models.v221.sessions import ChargingPreferences, ProfileType
from openroam.models.v221.types import Role
from tests.api import support as objects
from tests.routing.conftest import CPO, EMSP, Register, auth
from tests.routing.recorder import Recorder, routing

FAST = PushSettings(idle_sleep=0.01, base_delay=0.01, max_delay=0.05)
HUB = ("NL", "HUB")
#: a CPO and an eMSP behind the Hub
CP2 = ("DE", "CP2")
EM2 = ("DE", "EM2")
PROFILE = {
    "charging_rate_unit": "W",
    "charging_profile_period": [{"start_period": 0, "limit": 11000}],
}


def _clients(token: str, encode_token: bool) -> OcpiClient:
    return OcpiClient(token, encode_token=encode_token, timeout=5)


async def _hub(register: Register) -> tuple[Caller, repo.PartnerRecord]:
    return await register(((Role.HUB, *HUB),), name=f"hub-{uuid.uuid4().hex[:8]}")


async def _held_from_hub(node: Node, hub: Caller) -> None:
    """A Location and a Session of CP2 (for a Token of our eMSP) relayed to us by the Hub."""
    location = objects.location("LOCH", *CP2)
    await node.roaming.receive_put(hub, LOCATIONS, ObjectPath(*CP2, "LOCH"), orjson.dumps(location))
    session = objects.session(
        "SH1", emsp=EMSP, country_code=CP2[0], party_id=CP2[1], location_id="LOCH"
    )
    await node.roaming.receive_put(hub, SESSIONS, ObjectPath(*CP2, "SH1"), orjson.dumps(session))


async def test_pushes_name_the_owner_and_the_receiving_party(
    node: Node, register: Register, partner_server: Recorder
) -> None:
    """A Location of NL*ORC goes FROM NL*ORC: to a direct eMSP TO its party, to a Hub TO the
    Hub's party (Broadcast Push). A Session goes TO the party of its cdr_token, also through
    the Hub (the party behind it)."""
    _, direct = await register(((Role.EMSP, "DE", "AAA"),), name="direct-emsp")
    _, hub = await _hub(register)
    await node.roaming.own_put(
        LOCATIONS, ObjectPath(*CPO, "LOC1"), orjson.dumps(objects.location("LOC1", *CPO))
    )
    session = objects.session("S1", emsp=EM2, country_code=CPO[0], party_id=CPO[1])
    await node.roaming.own_put(SESSIONS, ObjectPath(*CPO, "S1"), orjson.dumps(session))
    worker = PushWorker(node.db, _clients, FAST, node.events, platform=node.platform)
    for _ in range(5):
        if not await worker.run_once():
            break
    to_direct = partner_server.seen("PUT", f"/{direct.name}/receiver/locations/NL/ORC/LOC1")
    assert [r.routing() for r in to_direct] == [routing(CPO, ("DE", "AAA"))]
    to_hub = partner_server.seen("PUT", f"/{hub.name}/receiver/locations/NL/ORC/LOC1")
    assert [r.routing() for r in to_hub] == [routing(CPO, HUB)]
    session_to_hub = partner_server.seen("PUT", f"/{hub.name}/receiver/sessions/NL/ORC/S1")
    assert [r.routing() for r in session_to_hub] == [routing(CPO, EM2)]
    assert not partner_server.seen("PUT", f"/{direct.name}/receiver/sessions/")


async def test_pulls_go_from_our_receiving_party_to_the_owner_or_the_hub(
    node: Node, register: Register, partner_server: Recorder
) -> None:
    """A pull of Locations goes FROM our eMSP party TO the CPO's party, or TO the Hub (GET
    All); a pull of Tokens FROM our CPO party TO the eMSP's party."""
    _, cpo = await register(((Role.CPO, "DE", "PC1"),), name="direct-cpo")
    _, emsp = await register(((Role.EMSP, "DE", "PE1"),), name="direct-emsp2")
    _, hub = await _hub(register)
    partner_server.answer("/", [], **{"X-Total-Count": "0"})
    worker = PullWorker(node.db, node.roaming, _clients, PullSettings())
    await worker.pull(cpo, "locations", full=True)
    await worker.pull(hub, "locations", full=True)
    await worker.pull(emsp, "tokens", full=True)
    got = {r.path.split("?")[0]: r.routing() for r in partner_server.seen("GET", "/sender/")}
    assert got == {
        f"/{cpo.name}/sender/locations": routing(EMSP, ("DE", "PC1")),
        f"/{hub.name}/sender/locations": routing(EMSP, HUB),
        f"/{emsp.name}/sender/tokens": routing(CPO, ("DE", "PE1")),
    }


async def test_commands_through_a_hub_go_to_the_owner_of_the_held_location(
    node: Node, ocpi: httpx.AsyncClient, register: Register, partner_server: Recorder
) -> None:
    """A START_SESSION at a Location the Hub relayed from CP2 goes FROM NL*EMS TO CP2, which is
    kept; its result is taken FROM CP2 only. A STOP_SESSION of a session we do not hold has
    no known CPO through a Hub: refused before sending (409) unless the backend names it."""
    hub_caller, hub = await _hub(register)
    await _held_from_hub(node, hub_caller)
    partner_server.answer(f"/{hub.name}/receiver/commands", {"result": "ACCEPTED", "timeout": 30})
    token = objects.token("012345678", country_code=EMSP[0], party_id=EMSP[1])
    start = {"token": token, "location_id": "LOCH"}
    sent = await node.command_sender.send(hub.name, "START_SESSION", start)
    assert sent["response_error"] is None, sent
    [posted] = partner_server.seen("POST", f"/{hub.name}/receiver/commands/START_SESSION")
    assert posted.routing() == routing(EMSP, CP2)
    async with node.db.session() as session:
        record = await command_store.get_command(session, sent["id"])
    assert record is not None
    assert record.counterparty == "DE/CP2"

    result_url = posted.json()["response_url"].removeprefix("https://node.example.com")
    result = {"result": "ACCEPTED"}
    wrong = await ocpi.post(result_url, json=result, headers=auth(hub_caller, from_=("DE", "CP9")))
    assert (wrong.status_code, wrong.json()["status_code"]) == (404, 2000)
    right = await ocpi.post(result_url, json=result, headers=auth(hub_caller, from_=CP2))
    assert right.json()["status_code"] == 1000, right.text

    with pytest.raises(ClientError) as refused:
        await node.command_sender.send(hub.name, "STOP_SESSION", {"session_id": "UNKNOWN"})
    assert refused.value.http_status == 409
    assert len(partner_server.seen("POST", "/receiver/commands/STOP_SESSION")) == 0
    await node.command_sender.send(
        hub.name, "STOP_SESSION", {"session_id": "UNKNOWN"}, target=("DE", "CP3")
    )
    [stop] = partner_server.seen("POST", "/receiver/commands/STOP_SESSION")
    assert stop.routing() == routing(EMSP, ("DE", "CP3"))
    # A Session we hold tells its CPO.
    await node.command_sender.send(hub.name, "STOP_SESSION", {"session_id": "SH1"})
    assert partner_server.seen("POST", "/receiver/commands/STOP_SESSION")[-1].routing() == (
        routing(EMSP, CP2)
    )


async def test_command_results_go_to_the_requester_behind_the_hub(
    node: Node, ocpi: httpx.AsyncClient, register: Register, partner_server: Recorder
) -> None:
    """A command the Hub forwards FROM EM2 is kept with EM2 as its requester; our result goes
    FROM our CPO party TO EM2."""
    hub_caller, _ = await _hub(register)
    await node.roaming.own_put(
        LOCATIONS, ObjectPath(*CPO, "LOC1"), orjson.dumps(objects.location("LOC1", *CPO))
    )
    token = objects.token("012345678", country_code=EM2[0], party_id=EM2[1])
    command = {
        "token": token,
        "location_id": "LOC1",
        "response_url": f"{partner_server.url}/results/1",
    }
    answer = await ocpi.post(
        "/ocpi/2.2.1/receiver/commands/START_SESSION",
        json=command,
        headers=auth(hub_caller, from_=EM2, to=CPO),
    )
    assert answer.json()["data"]["result"] == "ACCEPTED", answer.text
    [received] = await node.commands.list(side="received")
    async with node.db.session() as session:
        record = await command_store.get_command(session, received["id"])
    assert record is not None
    assert record.counterparty == "DE/EM2"
    await node.command_receiver.report_result(
        received["id"], CommandResult(result=CommandResultType.ACCEPTED)
    )
    worker = CommandWorker(
        node.commands, node.db, _clients, CommandWorkerSettings(), platform=node.platform
    )
    await worker.run_once()
    [result] = partner_server.seen("POST", "/results/1")
    assert result.routing() == routing(CPO, EM2)


async def test_charging_profiles_both_ways_through_a_hub(
    node: Node, ocpi: httpx.AsyncClient, register: Register, partner_server: Recorder
) -> None:
    """Sender: a profile for a session held from CP2 goes FROM NL*EMS TO CP2. Receiver: a
    request the Hub forwards FROM EM2 for our session of EM2's Token is answered, and its
    result goes TO EM2; FROM another party behind the Hub, the session is unknown."""
    hub_caller, hub = await _hub(register)
    await _held_from_hub(node, hub_caller)
    partner_server.answer(
        f"/{hub.name}/receiver/chargingprofiles", {"result": "ACCEPTED", "timeout": 30}
    )
    profile = ChargingProfile.model_validate_json(orjson.dumps(PROFILE))
    await node.profiles.set(hub.name, "SH1", profile)
    [put] = partner_server.seen("PUT", f"/{hub.name}/receiver/chargingprofiles/SH1")
    assert put.routing() == routing(EMSP, CP2)
    with pytest.raises(ClientError):
        await node.profiles.get(hub.name, "NOT-HELD", 60)

    session = objects.session("S5", emsp=EM2, country_code=CPO[0], party_id=CPO[1])
    await node.roaming.own_put(SESSIONS, ObjectPath(*CPO, "S5"), orjson.dumps(session))
    query = {"duration": "60", "response_url": f"{partner_server.url}/profile-results/1"}
    url = "/ocpi/2.2.1/receiver/chargingprofiles/S5"
    other = await ocpi.get(url, params=query, headers=auth(hub_caller, from_=("DE", "EM9")))
    assert other.json()["data"]["result"] == "UNKNOWN_SESSION"
    answer = await ocpi.get(url, params=query, headers=auth(hub_caller, from_=EM2, to=CPO))
    assert answer.json()["data"]["result"] == "ACCEPTED", answer.text
    async with node.db.session() as db_session:
        stmt = select(ProfileRequest).where(
            ProfileRequest.direction == "received", ProfileRequest.state == "waiting"
        )
        [accepted] = (await db_session.scalars(stmt)).all()
    assert accepted.counterparty == "DE/EM2"
    request_id = accepted.id
    await node.profile_receiver.report_result(request_id, ChargingProfileResultType.ACCEPTED)
    worker = ProfileWorker(node.db, _clients, ProfileDeliverySettings(), platform=node.platform)
    await worker.run_once()
    [result] = partner_server.seen("POST", "/profile-results/1")
    assert result.routing() == routing(CPO, EM2)


async def test_preferences_and_realtime_authorization_through_a_hub(
    node: Node, register: Register, partner_server: Recorder
) -> None:
    """Charging preferences go FROM our eMSP party TO the CPO of the held Session; a real-time
    authorization of a Token of a party behind the Hub goes FROM our CPO party TO that party,
    through the Hub (no partner registered it)."""
    hub_caller, hub = await _hub(register)
    await _held_from_hub(node, hub_caller)
    partner_server.answer(f"/{hub.name}/sender/sessions", "ACCEPTED")
    preferences = ChargingPreferences(profile_type=ProfileType.GREEN)
    await node.preferences.send(hub.name, "SH1", preferences)
    [put] = partner_server.seen("PUT", "/sender/sessions/SH1/charging_preferences")
    assert put.routing() == routing(EMSP, CP2)

    token = objects.token("TOK9", country_code=EM2[0], party_id=EM2[1])
    partner_server.answer(f"/{hub.name}/sender/tokens", {"allowed": "ALLOWED", "token": token})
    verdict = await node.realtime.check("TOK9", "RFID", token_party=EM2)
    assert str(verdict.allowed) == "ALLOWED", verdict.message
    [asked] = partner_server.seen("POST", "/sender/tokens/TOK9/authorize")
    assert asked.routing() == routing(CPO, EM2)


async def test_a_v211_partner_gets_no_routing_headers(register: Register) -> None:
    """OCPI 2.1.1 has no message routing: the dialect drops the headers."""
    _, partner = await register(((Role.EMSP, "DE", "OLD"),))
    headers = routing_headers(CPO, ("DE", "OLD"))
    assert dialect_of(partner).routing_headers(headers) == headers
    old = dataclasses.replace(partner, version="2.1.1")
    assert dialect_of(old).routing_headers(headers) == {}
