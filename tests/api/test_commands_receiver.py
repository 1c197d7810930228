"""CPO side: the Commands Receiver interface and the results our backend reports
(mod_commands.asciidoc "Receiver Interface", "CommandResponse Object", "Flow"). SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest

from openroam._delivery.command_worker import CommandWorker, CommandWorkerSettings
from openroam._server.app import create_app
from openroam._services.commands import CommandSettings
from openroam._services.documents import ObjectPath
from openroam._services.node import Node
from openroam._services.object_specs import LOCATIONS, SESSIONS
from openroam._store.db import Database
from openroam.models.v221.commands import CommandResult, CommandResultType, CommandType
from openroam.models.v221.types import Role
from tests.api.command_support import (
    RESPONSE_URL,
    FakePartner,
    no_partner_calls,
    ok,
    recorder,
    start_session,
)
from tests.api.conftest import PLATFORM, RegisterPartner
from tests.api.support import evse, location, session
from tests.server.support import token_header

URL = "/ocpi/2.2.1/receiver/commands"
FAST = CommandWorkerSettings(base_delay=0.01, max_delay=0.01, idle_sleep=0.01)
SETTINGS = CommandSettings(
    timeout=30,
    supported=frozenset(CommandType) - {CommandType.UNLOCK_CONNECTOR},
)


@pytest.fixture
def node(database: Database) -> Node:
    return Node.build(PLATFORM, database, no_partner_calls, command_settings=SETTINGS)


@pytest.fixture
async def emsp(node: Node, register_partner: RegisterPartner) -> AsyncIterator[httpx.AsyncClient]:
    caller = await register_partner(name="emsp", roles=((Role.EMSP, "DE", "MSP"),))
    await node.roaming.own_put(
        LOCATIONS,
        ObjectPath("NL", "ORM", "LOC1"),
        orjson.dumps(
            location(evses=[evse(), evse("E2", capabilities=["START_SESSION_CONNECTOR_REQUIRED"])])
        ),
    )
    transport = httpx.ASGITransport(app=create_app(node))
    async with httpx.AsyncClient(
        transport=transport, base_url=PLATFORM.public_url, headers=token_header(caller.token)
    ) as http:
        yield http


def _envelope(response: httpx.Response, status_code: int = 1000) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["status_code"] == status_code, body
    return body


async def test_start_session_accepted_with_timeout_and_handed_to_the_backend(
    node: Node, emsp: httpx.AsyncClient
) -> None:
    # mod_commands "CommandResponse Object": result and timeout (seconds), at once.
    received = recorder(node, "command.received")
    answer = _envelope(await emsp.post(f"{URL}/START_SESSION", json=start_session()))
    assert answer["data"] == {"result": "ACCEPTED", "timeout": 30}
    assert answer["status_code"] == 1000
    [event] = received
    assert event.data["type"] == "START_SESSION"
    assert event.data["partner"] == "emsp"
    assert event.data["command"]["location_id"] == "LOC1"
    # The backend never needs the partner's response_url: openroam posts the result.
    assert "response_url" not in event.data["command"]
    stored = await node.commands.get(event.data["id"])
    assert stored is not None
    assert stored["state"] == "pending"
    assert stored["command"]["response_url"] == RESPONSE_URL


async def test_unknown_command_type_is_an_invalid_parameter(emsp: httpx.AsyncClient) -> None:
    # mod_commands "Request Parameters": command is a CommandType; anything else is an invalid
    # parameter: 2001 (status_codes.asciidoc).
    body = _envelope(await emsp.post(f"{URL}/SELF_DESTRUCT", json=start_session()), 2001)
    assert "SELF_DESTRUCT" in str(body["status_message"])


async def test_invalid_body_is_2001_with_the_path(emsp: httpx.AsyncClient) -> None:
    body = _envelope(
        await emsp.post(f"{URL}/START_SESSION", json=start_session(location_id=None)), 2001
    )
    assert "location_id" in str(body["status_message"])
    # StartSession: connector_id requires evse_uid (mod_commands "StartSession Object").
    body = _envelope(
        await emsp.post(f"{URL}/START_SESSION", json=start_session(evse_uid=None)), 2001
    )
    assert "evse_uid" in str(body["status_message"])


async def test_not_json_is_400(emsp: httpx.AsyncClient) -> None:
    response = await emsp.post(f"{URL}/START_SESSION", content=b"{not json")
    assert response.status_code == 400
    assert response.json()["status_code"] == 2001


async def test_unknown_location_is_2003_rejected(emsp: httpx.AsyncClient) -> None:
    # mod_commands "UNLOCK_CONNECTOR Unknown Location" diagram: 2003 with REJECTED.
    body = _envelope(
        await emsp.post(f"{URL}/START_SESSION", json=start_session(location_id="NOPE")), 2003
    )
    assert body["data"]["result"] == "REJECTED"
    assert body["data"]["timeout"] == 30


async def test_unknown_evse_or_connector_and_connector_required_are_rejected(
    emsp: httpx.AsyncClient,
) -> None:
    for changes in ({"evse_uid": "E9"}, {"connector_id": "9"}):
        body = _envelope(await emsp.post(f"{URL}/START_SESSION", json=start_session(**changes)))
        assert body["data"]["result"] == "REJECTED"
    # "StartSession Object": connector_id is required at an EVSE with that capability.
    command = start_session(evse_uid="E2", connector_id=None)
    body = _envelope(await emsp.post(f"{URL}/START_SESSION", json=command))
    assert body["data"]["result"] == "REJECTED"
    assert "START_SESSION_CONNECTOR_REQUIRED" in str(body["data"])


async def test_stop_of_an_unknown_session_is_unknown_session(emsp: httpx.AsyncClient) -> None:
    # mod_commands "CommandResponseType": UNKNOWN_SESSION.
    command = {"response_url": RESPONSE_URL, "session_id": "S404"}
    body = _envelope(await emsp.post(f"{URL}/STOP_SESSION", json=command))
    assert body["data"] == {"result": "UNKNOWN_SESSION", "timeout": 30}


async def test_stop_session_only_for_a_session_of_the_calling_emsp(
    node: Node, emsp: httpx.AsyncClient
) -> None:
    for session_id, owner in (("S1", ("DE", "MSP")), ("S2", ("BE", "OTH"))):
        document = session(session_id, emsp=owner)
        await node.roaming.own_put(
            SESSIONS, ObjectPath("NL", "ORM", session_id), orjson.dumps(document)
        )
    for session_id, expected in (("s1", "ACCEPTED"), ("S2", "UNKNOWN_SESSION")):
        command = {"response_url": RESPONSE_URL, "session_id": session_id}
        body = _envelope(await emsp.post(f"{URL}/STOP_SESSION", json=command))
        assert body["data"]["result"] == expected


async def test_unsupported_type_is_not_supported(emsp: httpx.AsyncClient) -> None:
    command = {"response_url": RESPONSE_URL, "location_id": "LOC1", "evse_uid": "E1",
               "connector_id": "1"}  # fmt: skip
    body = _envelope(await emsp.post(f"{URL}/UNLOCK_CONNECTOR", json=command))
    assert body["data"]["result"] == "NOT_SUPPORTED"


async def _accepted(node: Node, emsp: httpx.AsyncClient, kind: str, command: object) -> str:
    received = recorder(node, "command.received")
    answer = _envelope(await emsp.post(f"{URL}/{kind}", json=command))
    assert answer["data"] == {"result": "ACCEPTED", "timeout": 30}
    return str(received[-1].data["id"])


async def test_backend_result_is_posted_to_the_response_url_with_retries(
    node: Node, emsp: httpx.AsyncClient
) -> None:
    uid = await _accepted(node, emsp, "START_SESSION", start_session())
    result = CommandResult(result=CommandResultType.ACCEPTED)
    await node.command_receiver.report_result(uid, result)
    # The eMSP has a glitch first (HTTP 500), then takes it.
    partner = FakePartner(httpx.Response(500, text="oops"), ok())
    worker = CommandWorker(node.commands, node.db, partner.factory(), FAST)
    for _ in range(100):
        await worker.run_once()
        if len(partner.requests) == 2:
            break
        await asyncio.sleep(0.02)  # the retry waits its backoff
    assert [str(r.url) for r in partner.requests] == [RESPONSE_URL, RESPONSE_URL]
    assert partner.bodies() == [{"result": "ACCEPTED"}] * 2
    stored = await node.commands.get(uid)
    assert stored is not None
    assert stored["delivery"] == {"state": "delivered", "attempts": 1, "last_error": None}
    # Decided once: a second report is refused.
    with pytest.raises(Exception, match="decided already"):
        await node.command_receiver.report_result(uid, result)


async def test_no_backend_answer_in_time_sends_failed(node: Node, emsp: httpx.AsyncClient) -> None:
    uid = await _accepted(node, emsp, "START_SESSION", start_session())
    results = recorder(node, "command.result")
    assert await node.commands.expire() == []
    later = datetime.now(UTC) + timedelta(seconds=SETTINGS.backend_seconds + 1)
    assert await node.commands.expire(now=later) == [uid]
    assert results[0].data["result"]["result"] == "FAILED"
    partner = FakePartner()
    await CommandWorker(node.commands, node.db, partner.factory(), FAST).run_once()
    assert partner.bodies()[0]["result"] == "FAILED"
    assert str(partner.requests[0].url) == RESPONSE_URL


async def test_cpo_cancels_a_reservation_after_its_result(
    node: Node, emsp: httpx.AsyncClient
) -> None:
    # mod_commands "Reservation canceled by the CPO": CANCELED_RESERVATION to the RESERVE_NOW's
    # response_url, after that command's own result.
    reserve = {"response_url": RESPONSE_URL, "token": start_session()["token"],
               "expiry_date": "2030-01-01T10:00:00Z", "reservation_id": "R1",
               "location_id": "LOC1"}  # fmt: skip
    received = recorder(node, "command.received")
    uid = await _accepted(node, emsp, "RESERVE_NOW", reserve)
    # The backend gets a reservation id unique across eMSPs ("ReserveNow Object").
    assert received[-1].data["reservation_key"] == "DEMSP-R1"
    partner = FakePartner()
    worker = CommandWorker(node.commands, node.db, partner.factory(), FAST)
    for result in (CommandResultType.ACCEPTED, CommandResultType.CANCELED_RESERVATION):
        await node.command_receiver.report_result(uid, CommandResult(result=result))
        await worker.run_once()
    assert partner.bodies() == [{"result": "ACCEPTED"}, {"result": "CANCELED_RESERVATION"}]


async def test_a_result_the_emsp_refuses_fails_after_bounded_attempts(
    node: Node, emsp: httpx.AsyncClient
) -> None:
    """_delivery/retry.py: a permanent refusal (OCPI 2xxx) is tried max_refusals times, then the
    POST is failed with the eMSP's answer; it is not retried for ever."""
    uid = await _accepted(node, emsp, "START_SESSION", start_session())
    await node.command_receiver.report_result(uid, CommandResult(result=CommandResultType.ACCEPTED))
    partner = FakePartner(*(ok(status_code=2001) for _ in range(10)))
    worker = CommandWorker(node.commands, node.db, partner.factory(), FAST)
    for _ in range(100):
        await worker.run_once()
        stored = await node.commands.get(uid)
        assert stored is not None
        if stored["delivery"]["state"] != "pending":
            break
        await asyncio.sleep(0.02)
    assert len(partner.requests) == FAST.max_refusals == 3
    assert stored["delivery"]["state"] == "failed"
    assert stored["delivery"]["last_error"].startswith("HTTP 200, status_code 2001")
