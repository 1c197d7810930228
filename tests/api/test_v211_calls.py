"""Calls to an OCPI 2.1.1 partner beyond pushes and pulls, against a real HTTP server that checks
them with the 2.1.1 models and takes the raw token only; SQLite and PostgreSQL.

* eMSP side, mod_commands.md 2.1.1 "POST Method": START_SESSION goes out as a 2.1.1 StartSession
  whose ``response_url`` is our 2.1.1 eMSP Commands endpoint (2.2 "eMSP Interface"); the 2.1.1
  CommandResponse answer is read, and the CPO's asynchronous 2.1.1 CommandResponse posted there
  becomes the command's result. CANCEL_RESERVATION (not in 4.2 "CommandType enum") and a
  RESERVE_NOW whose ``reservation_id`` is not an int (3.2) are refused before anything is sent.
* CPO side, mod_commands.md 2.2.1 "POST Method": the result our backend reports for a 2.1.1
  eMSP's command is POSTed to its ``response_url`` as a 2.1.1 CommandResponse.
* CPO side, mod_tokens.md 2.2.2 "POST Method" and 3.1 "AuthorizationInfo Object": real-time
  authorization asks ``{tokens}/{token_uid}/authorize?type=…`` with a 2.1.1 LocationReferences
  and no routing headers; the 2.1.1 answer (allowed, blocked) is read with the Token we hold.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import orjson
import pytest

from openroam._delivery.command_worker import CommandWorker, CommandWorkerSettings
from openroam._runtime import client_factory
from openroam._server.app import create_app
from openroam._services.documents import ObjectPath
from openroam._services.node import Node
from openroam._services.object_specs import LOCATIONS
from openroam._services.realtime import DecidedBy
from openroam._store.db import Database
from openroam.errors import ClientError
from openroam.models.v221.commands import CommandResult, CommandResultType
from openroam.models.v221.tokens import AllowedType, LocationReferences
from openroam.models.v221.types import Role
from tests.api.command_support import recorder
from tests.api.conftest import BASE_URL, PLATFORM
from tests.api.support import location, token
from tests.delivery.fake_v211 import FakeV211, fake_v211, register_v211, routing_headers

FAST = CommandWorkerSettings(base_delay=0.01, max_delay=0.01, idle_sleep=0.01)


@pytest.fixture
def partner() -> Iterator[FakeV211]:
    with fake_v211() as running:
        yield running


@pytest.fixture
async def node(database: Database) -> Node:
    factory = client_factory()
    built = Node.build(
        PLATFORM,
        database,
        factory,  # type: ignore[arg-type]
        command_api=factory,
        authorize_factory=factory,
    )
    await built.roaming.own_put(
        LOCATIONS, ObjectPath("NL", "ORM", "LOC1"), orjson.dumps(location())
    )
    return built


@pytest.fixture
async def ocpi(node: Node) -> AsyncIterator[httpx.AsyncClient]:
    """Our OCPI server, as the 2.1.1 partner calls it (headers per test)."""
    transport = httpx.ASGITransport(app=create_app(node))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield http


def _as(name: str) -> dict[str, str]:
    """The raw token a 2.1.1 partner ``name`` (``register_v211``) calls us with."""
    return {"Authorization": f"Token token-c-{name}"}


def _v211_token(uid: str, whitelist: str = "NEVER") -> dict[str, Any]:
    """A 2.1.1 Token (mod_tokens.md 3.2)."""
    return {
        "uid": uid,
        "type": "RFID",
        "auth_id": f"DE-MSP-{uid}",
        "issuer": "the 2.1.1 eMSP",
        "valid": True,
        "whitelist": whitelist,
        "last_updated": "2026-01-01T10:00:00Z",
    }


async def test_start_session_to_a_2_1_1_cpo_and_its_result(
    node: Node, partner: FakeV211, ocpi: httpx.AsyncClient
) -> None:
    await register_v211(node.db, partner, "legacy-cpo", Role.CPO, ("DE", "CPO"))
    command = {"token": token(), "location_id": "L1", "evse_uid": "E1", "connector_id": "1"}
    sent = await node.command_sender.send("legacy-cpo", "START_SESSION", command)

    assert partner.refused == []
    [(kind, body)] = partner.commands
    assert kind == "START_SESSION"
    # 2.1.1 starts on the EVSE: no connector_id; the Token as 2.1.1 (auth_id).
    assert "connector_id" not in body
    assert body["token"]["auth_id"] == token()["contract_id"]
    url = f"{BASE_URL}/ocpi/2.1.1/emsp/commands/START_SESSION/{sent['id']}"
    assert body["response_url"] == url
    assert sent["state"] == "pending"
    assert sent["response"]["result"] == "ACCEPTED"
    assert routing_headers(partner.requests) == []

    # The CPO posts the Charge Point's answer, a 2.1.1 CommandResponse, to the response_url.
    posted = await ocpi.post(
        url.removeprefix(BASE_URL), json={"result": "ACCEPTED"}, headers=_as("legacy-cpo")
    )
    assert posted.status_code == 200, posted.text
    assert posted.json()["status_code"] == 1000
    done = await node.commands.get(sent["id"])
    assert done is not None
    assert (done["state"], done["result"]["result"]) == ("done", "ACCEPTED")


async def test_commands_2_1_1_cannot_carry_are_refused_before_sending(
    node: Node, partner: FakeV211
) -> None:
    await register_v211(node.db, partner, "legacy-cpo", Role.CPO, ("DE", "CPO"))
    with pytest.raises(ClientError, match=r"2\.1\.1 has no CANCEL_RESERVATION"):
        await node.command_sender.send("legacy-cpo", "CANCEL_RESERVATION", {"reservation_id": "1"})
    # mod_commands.md 3.2: reservation_id is an int in 2.1.1.
    reserve = {
        "token": token(),
        "expiry_date": "2030-01-01T10:00:00Z",
        "reservation_id": "R1",
        "location_id": "L1",
    }
    with pytest.raises(ClientError, match="reservation_id"):
        await node.command_sender.send("legacy-cpo", "RESERVE_NOW", reserve)
    assert partner.requests == []
    assert await node.commands.list() == []


async def test_a_result_is_posted_to_a_2_1_1_emsp_as_a_command_response(
    node: Node, partner: FakeV211, ocpi: httpx.AsyncClient
) -> None:
    await register_v211(node.db, partner, "legacy-emsp", Role.EMSP, ("DE", "MSP"))
    received = recorder(node, "command.received")
    command = {
        "response_url": f"{partner.emsp('commands')}/START_SESSION/7",
        "token": _v211_token("UID1"),
        "location_id": "LOC1",
        "evse_uid": "E1",
    }
    answer = await ocpi.post(
        "/ocpi/2.1.1/cpo/commands/START_SESSION", json=command, headers=_as("legacy-emsp")
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"] == {"result": "ACCEPTED"}
    [event] = received
    failed = CommandResult(result=CommandResultType.EVSE_OCCUPIED)
    await node.command_receiver.report_result(event.data["id"], failed)

    worker = CommandWorker(node.commands, node.db, client_factory(), FAST)
    assert await worker.run_once() == 1
    assert partner.refused == []
    # mod_commands.md 4.1: 2.1.1 has no EVSE_OCCUPIED; the nearest is REJECTED.
    assert partner.results == [("START_SESSION", "7", {"result": "REJECTED"})]
    stored = await node.commands.get(event.data["id"])
    assert stored is not None
    assert stored["delivery"]["state"] == "delivered"


async def test_real_time_authorization_at_a_2_1_1_emsp(
    node: Node, partner: FakeV211, ocpi: httpx.AsyncClient
) -> None:
    await register_v211(node.db, partner, "legacy-emsp", Role.EMSP, ("DE", "MSP"))
    for uid in ("UID1", "UID2"):
        put = await ocpi.put(
            f"/ocpi/2.1.1/cpo/tokens/DE/MSP/{uid}",
            json=_v211_token(uid),
            headers=_as("legacy-emsp"),
        )
        assert put.status_code in (200, 201), put.text
        assert put.json()["status_code"] == 1000, put.text
    partner.allowed = {"UID1": "ALLOWED", "UID2": "BLOCKED", "UID3": "ALLOWED"}
    where = LocationReferences(location_id="LOC1", evse_uids=["E1"])

    allowed = await node.realtime.check("UID1", "RFID", where)
    assert (allowed.allowed, allowed.decided_by) == (AllowedType.ALLOWED, DecidedBy.EMSP)
    info = allowed.authorization_info
    assert info is not None
    assert (info.token.uid, info.token.country_code, info.token.party_id) == ("UID1", "DE", "MSP")
    assert info.location == where

    blocked = await node.realtime.check("UID2", "RFID", where)
    assert (blocked.allowed, blocked.decided_by) == (AllowedType.BLOCKED, DecidedBy.EMSP)

    # Not held: asked of the eMSP named; the Token described by what was asked. 2.1.1 has no
    # APP_USER (mod_tokens.md 4.3): asked as OTHER.
    unheld = await node.realtime.check("UID3", "APP_USER", where, token_party=("DE", "MSP"))
    assert (unheld.allowed, unheld.decided_by) == (AllowedType.ALLOWED, DecidedBy.EMSP)
    assert unheld.authorization_info is not None
    described = unheld.authorization_info.token
    assert (described.uid, described.type, described.party_id) == ("UID3", "APP_USER", "MSP")

    asked = partner.sent("POST", "/ocpi/2.1.1/emsp/tokens/")
    assert [(r.path, r.query, r.body) for r in asked] == [
        (
            f"/ocpi/2.1.1/emsp/tokens/{uid}/authorize",
            {"type": kind},
            {"location_id": "LOC1", "evse_uids": ["E1"]},
        )
        for uid, kind in (("UID1", "RFID"), ("UID2", "RFID"), ("UID3", "OTHER"))
    ]
    assert partner.refused == []
    assert routing_headers(partner.requests) == []
