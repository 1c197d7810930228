"""eMSP side: sending commands, their CommandResponse, the CommandResult at our response_url, and
TIMEOUT (mod_commands.asciidoc "Sender Interface", "CommandResponse Object"). SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from openroam._server.app import create_app
from openroam._services.node import Node
from openroam._store.db import Database
from openroam.errors import ClientError, InvalidOrMissingParameters, NotFound
from openroam.models.v221.types import Role
from tests.api.command_support import FakePartner, no_partner_calls, ok, recorder, start_session
from tests.api.conftest import ADMIN_TOKEN, PLATFORM, RegisterPartner, api_app
from tests.api.support import data_of, error_of
from tests.server.support import token_header

ENDPOINTS = (("credentials", "SENDER"), ("commands", "RECEIVER"))
ACCEPTED = {"result": "ACCEPTED", "timeout": 5}


@pytest.fixture
def cpo() -> FakePartner:
    return FakePartner()


@pytest.fixture
def node(database: Database, cpo: FakePartner) -> Node:
    return Node.build(PLATFORM, database, no_partner_calls, command_api=cpo.factory())


@pytest.fixture
async def partner_token(register_partner: RegisterPartner) -> str:
    caller = await register_partner(
        name="cpo", roles=((Role.CPO, "DE", "CPO"),), endpoints=ENDPOINTS
    )
    return caller.token


def _command() -> dict[str, Any]:
    return {k: v for k, v in start_session().items() if k != "response_url"}


async def _post_result(node: Node, token: str, url: str, result: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app(node))
    async with httpx.AsyncClient(transport=transport, headers=token_header(token)) as http:
        return await http.post(url, json=result)


async def test_send_stores_the_response_then_the_result(
    node: Node, cpo: FakePartner, partner_token: str
) -> None:
    cpo.answers.append(ok(ACCEPTED))
    responses = recorder(node, "command.response")
    results = recorder(node, "command.result")
    sent = await node.command_sender.send("cpo", "START_SESSION", _command())
    [request] = cpo.requests
    assert str(request.url) == "https://partner.example.com/ocpi/2.2.1/commands/START_SESSION"
    body = cpo.bodies()[0]
    # "Sender Interface": a response_url unique for this command, on our commands interface.
    response_url = f"{PLATFORM.public_url}/ocpi/2.2.1/sender/commands/START_SESSION/{sent['id']}"
    assert body["response_url"] == response_url
    assert sent["response"] == ACCEPTED
    assert sent["state"] == "pending"
    deadline = datetime.fromisoformat(sent["deadline"].replace("Z", "+00:00"))
    assert timedelta(0) < deadline - datetime.now(UTC) <= timedelta(seconds=5)
    assert responses[0].data["response"] == ACCEPTED
    # The CPO POSTs the CommandResult to exactly that URL (mod_commands Sender "POST Method").
    answer = await _post_result(node, partner_token, response_url, {"result": "ACCEPTED"})
    assert answer.status_code == 200
    assert answer.json()["status_code"] == 1000
    assert results[0].data == {"id": sent["id"], "side": "sent", "type": "START_SESSION",
                               "partner": "cpo", "result": {"result": "ACCEPTED"},
                               "late": False}  # fmt: skip
    stored = await node.commands.get(sent["id"])
    assert stored is not None
    assert (stored["state"], stored["result"]) == ("done", {"result": "ACCEPTED"})
    # Nothing is left to time out.
    assert await node.commands.expire(now=datetime.now(UTC) + timedelta(minutes=5)) == []


async def test_result_from_another_partner_or_for_an_unknown_command_is_404(
    node: Node, cpo: FakePartner, partner_token: str, register_partner: RegisterPartner
) -> None:
    cpo.answers.append(ok(ACCEPTED))
    sent = await node.command_sender.send("cpo", "START_SESSION", _command())
    url = f"{PLATFORM.public_url}/ocpi/2.2.1/sender/commands/START_SESSION/{sent['id']}"
    other = await register_partner(name="other", roles=((Role.CPO, "BE", "OTH"),))
    for token, target in ((other.token, url), (partner_token, url[:-4] + "0000")):
        answer = await _post_result(node, token, target, {"result": "ACCEPTED"})
        assert answer.status_code == 404
    invalid = await _post_result(node, partner_token, url, {"result": "MAYBE"})
    assert invalid.json()["status_code"] == 2001


async def test_no_result_within_the_timeout_is_timeout_and_a_late_one_is_kept(
    node: Node, cpo: FakePartner, partner_token: str
) -> None:
    cpo.answers.append(ok(ACCEPTED))
    results = recorder(node, "command.result")
    sent = await node.command_sender.send("cpo", "START_SESSION", _command())
    later = datetime.now(UTC) + timedelta(seconds=6)
    # Several processes check at once (PostgreSQL: SKIP LOCKED): decided once.
    decided = await asyncio.gather(*(node.commands.expire(now=later) for _ in range(3)))
    assert sorted(len(uids) for uids in decided) == [0, 0, 1]
    assert [e.data["result"]["result"] for e in results] == ["TIMEOUT"]
    assert results[0].data["timed_out"] is True
    url = f"{PLATFORM.public_url}/ocpi/2.2.1/sender/commands/START_SESSION/{sent['id']}"
    await _post_result(node, partner_token, url, {"result": "REJECTED"})
    assert results[1].data["late"] is True
    assert results[1].data["result"] == {"result": "REJECTED"}


async def test_a_rejection_awaits_no_result_and_errors_are_kept(
    node: Node, cpo: FakePartner, partner_token: str
) -> None:
    cpo.answers.append(ok({"result": "REJECTED", "timeout": 5}))
    sent = await node.command_sender.send("cpo", "START_SESSION", _command())
    assert (sent["state"], sent["response"]["result"]) == ("done", "REJECTED")
    # Unknown Location: 2003 (with REJECTED in data) is an error answer.
    cpo.answers.append(ok({"result": "REJECTED", "timeout": 5}, status_code=2003))
    unlock = {"location_id": "X", "evse_uid": "E", "connector_id": "1"}
    sent = await node.command_sender.send("cpo", "UNLOCK_CONNECTOR", unlock)
    assert sent["state"] == "done"
    assert sent["response_error"].startswith("2003")
    assert await node.commands.expire(now=datetime.now(UTC) + timedelta(minutes=5)) == []


async def test_the_command_is_validated_before_it_is_sent(
    node: Node, cpo: FakePartner, partner_token: str, register_partner: RegisterPartner
) -> None:
    with pytest.raises(InvalidOrMissingParameters, match="response_url"):
        await node.command_sender.send("cpo", "START_SESSION", start_session())
    with pytest.raises(InvalidOrMissingParameters, match="location_id"):
        await node.command_sender.send("cpo", "START_SESSION", {"token": _command()["token"]})
    with pytest.raises(InvalidOrMissingParameters, match="command type"):
        await node.command_sender.send("cpo", "SELF_DESTRUCT", _command())
    with pytest.raises(NotFound):
        await node.command_sender.send("nobody", "START_SESSION", _command())
    await register_partner(name="plain", roles=((Role.CPO, "BE", "PLN"),))
    with pytest.raises(ClientError, match="no Commands Receiver"):
        await node.command_sender.send("plain", "START_SESSION", _command())
    assert cpo.requests == []


async def test_backend_api_sends_and_shows_commands(
    node: Node, cpo: FakePartner, partner_token: str
) -> None:
    cpo.answers.append(ok(ACCEPTED))
    transport = httpx.ASGITransport(app=api_app(node))
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with httpx.AsyncClient(transport=transport, base_url=PLATFORM.public_url,
                                 headers=headers) as api:  # fmt: skip
        sent = data_of(
            await api.post(
                "/api/commands/START_SESSION", params={"partner": "cpo"}, json=_command()
            ),
            201,
        )
        assert sent["response"] == ACCEPTED
        shown = data_of(await api.get(f"/api/commands/{sent['id']}"))
        assert shown["id"] == sent["id"]
        listed = data_of(await api.get("/api/commands", params={"side": "sent"}))
        assert [c["id"] for c in listed] == [sent["id"]]
        error_of(await api.get("/api/commands/nope"), 404, 2000)
        error_of(await api.post("/api/commands/START_SESSION", params={"partner": "cpo"},
                                content=b"{"), 400, 2001)  # fmt: skip
        error_of(
            await api.post("/api/commands/nope/result", json={"result": "ACCEPTED"}), 404, 2000
        )
