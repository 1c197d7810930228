"""Own CDRs go to the eMSP they belong to, as a POST, through the outbox (mod_cdrs "Push model",
"POST Method", "Response Headers"; docs/architecture.md "CDRs"). SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import orjson
import pytest

from openroam._delivery.push import PushSettings, PushWorker
from openroam._services.documents import ObjectPath
from openroam._services.node import Node
from openroam._services.object_specs import CDRS
from openroam._store import outbox
from openroam.client._base import OcpiHttpClient
from openroam.errors import ClientError, NotFound
from openroam.models.v221.types import Role
from tests.api.conftest import RegisterPartner
from tests.api.support import cdr
from tests.api.test_delivery import _queued

ENDPOINT = "https://partner.example.com/ocpi/2.2.1/cdrs"
STORED_AT = "https://partner.example.com/ocpi/2.2.1/cdrs/stored/17"
FAST = PushSettings(base_delay=0.01, max_delay=0.01, idle_sleep=0.01)


def _answer(status: int = 201, location: str | None = STORED_AT) -> httpx.Response:
    envelope = {"status_code": 1000, "timestamp": "2026-01-01T10:00:00Z"}
    headers = {"Location": location} if location is not None else {}
    return httpx.Response(status, json=envelope, headers=headers)


class Receiver:
    """The eMSP's CDRs endpoint: answers in turn from ``answers``, records every request."""

    def __init__(self, *answers: httpx.Response) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def factory(self) -> Callable[[str, bool], OcpiHttpClient]:
        def handle(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return self.answers.pop(0)

        transport = httpx.MockTransport(handle)
        return lambda token, encode: OcpiHttpClient(token, encode_token=encode, transport=transport)


async def _emsps(register_partner: RegisterPartner) -> tuple[int, int]:
    """Two eMSP partners with a CDRs Receiver endpoint; the first registered DE/MSP."""
    endpoints = (("credentials", "SENDER"), ("cdrs", "RECEIVER"))
    first = await register_partner(roles=((Role.EMSP, "DE", "MSP"),), endpoints=endpoints)
    second = await register_partner(roles=((Role.EMSP, "BE", "OTH"),), endpoints=endpoints)
    return first.partner_id, second.partner_id


async def _deliver(node: Node, receiver: Receiver, rounds: int = 1) -> None:
    worker = PushWorker(node.db, receiver.factory(), FAST)
    for _ in range(rounds):
        await worker.run_once()
        await asyncio.sleep(0.05)


async def test_own_cdr_is_posted_to_the_emsp_of_its_token_only(
    node: Node, register_partner: RegisterPartner
) -> None:
    # mod_cdrs "Push model": "A CPO is not required to send all CDRs to all eMSPs, it is allowed
    # to only send CDRs to the eMSP that a CDR is relevant to"; CdrToken.country_code/party_id
    # name that eMSP. "POST Method": the POST goes to the endpoint itself; never a PUT/PATCH.
    mine, _other = await _emsps(register_partner)
    body = cdr(token_party=("de", "msp"))
    posted = await node.cdrs.own_post(orjson.dumps(body))
    assert posted.receivers == (mine,)
    queued = await _queued(node)
    assert [(d.partner_id, d.module, d.method, d.path) for d in queued] == [
        (mine, "cdrs", "POST", "NL/ORM/CDR1")
    ]

    receiver = Receiver(_answer())
    async with node.db.session() as session, session.begin():
        await outbox.release_deliveries(session, [queued[0].id], not_before=queued[0].created_at)
    await _deliver(node, receiver)
    [request] = receiver.requests
    assert (request.method, str(request.url)) == ("POST", ENDPOINT)
    assert orjson.loads(request.content) == body


async def test_a_cdr_is_immutable_once_stored(
    node: Node, register_partner: RegisterPartner
) -> None:
    # mod_cdrs "Flow and Lifecycle": a CDR "cannot be changed or replaced once sent"; a
    # correction is a Credit CDR with a new id ("Credit CDRs").
    await _emsps(register_partner)
    body = cdr(token_party=("DE", "MSP"))
    await node.cdrs.own_post(orjson.dumps(body))
    for again in (body, body | {"total_energy": 16}):
        with pytest.raises(ClientError, match="Credit CDR") as refused:
            await node.cdrs.own_post(orjson.dumps(again))
        assert refused.value.http_status == 409
    assert len(await _queued(node)) == 1
    stored = await node.roaming.read(0, CDRS, ObjectPath("NL", "ORM", "CDR1"))
    assert orjson.loads(stored) == body


async def test_own_cdr_of_a_foreign_owner_is_refused(node: Node) -> None:
    with pytest.raises(NotFound):
        await node.cdrs.own_post(orjson.dumps(cdr(owner=("DE", "XXX"))))


async def test_post_is_retried_after_a_failure_and_the_location_is_kept(
    node: Node, register_partner: RegisterPartner
) -> None:
    # docs/spec-decisions.md "Failed pushes and results are retried": a failed POST is retried
    # with back-off until it is
    # answered; mod_cdrs "Response Headers": the answer's Location is kept per CDR.
    mine, _ = await _emsps(register_partner)
    await node.cdrs.own_post(orjson.dumps(cdr(token_party=("DE", "MSP"))))
    path = ObjectPath("NL", "ORM", "CDR1")
    down = httpx.Response(503, text="down for maintenance")
    receiver = Receiver(down, _answer())
    await _deliver(node, receiver, rounds=1)
    assert await node.cdrs.receipts(path) == []
    await _deliver(node, receiver, rounds=3)
    assert [r.method for r in receiver.requests] == ["POST", "POST"]
    [receipt] = await node.cdrs.receipts(path)
    assert (receipt.partner_id, receipt.location) == (mine, STORED_AT)
    assert await _queued(node) == []


async def test_an_answer_without_location_is_delivered_and_kept_as_none(
    node: Node, register_partner: RegisterPartner
) -> None:
    # The header is required (mod_cdrs "Response Headers"), but the CDR was stored: POSTing it
    # again would be pointless, so the delivery is done and the missing URL recorded as None.
    mine, _ = await _emsps(register_partner)
    await node.cdrs.own_post(orjson.dumps(cdr(token_party=("DE", "MSP"))))
    await _deliver(node, Receiver(_answer(location=None)))
    [receipt] = await node.cdrs.receipts(ObjectPath("NL", "ORM", "CDR1"))
    assert (receipt.partner_id, receipt.location) == (mine, None)
