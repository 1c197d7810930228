"""Pushes to an OCPI 2.1.1 partner (a real HTTP server checking what it receives with the 2.1.1
models), on SQLite and PostgreSQL:

* our stored 2.2.1 objects arrive as valid 2.1.1: a Location and an EVSE PATCH (mod_locations.md
  2.2 "eMSP Interface", 3.1 "Location Object", 3.2 "EVSE Object"), a Tariff (mod_tariffs.md 3.1
  "Tariff Object"), a Session with the Location it embeds (mod_sessions.md 3.1 "Session
  Object"), a CDR POSTed with its Location and Tariffs (mod_cdrs.md 2.2.2 "POST Method", 3.1
  "CDR Object"), a Token at ``{tokens}/{country_code}/{party_id}/{token_uid}`` without
  ``?type=`` (mod_tokens.md 2.1 "CPO Interface");
* with the raw token (transport_and_format.md "Request format") and no routing headers;
* a document 2.1.1 cannot express (a Credit CDR: mod_cdrs.md 3.1 has no ``credit``), or a
  Location that is not published (mod_locations.md 3.1 has no ``publish``), is not sent: its
  delivery fails at once with the reason, and a ``delivery.failed`` event says so.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import orjson
import pytest

from openroam._delivery.push import PushSettings, PushWorker
from openroam._runtime import client_factory
from openroam._services.node import Node
from openroam._store import outbox_admin
from openroam._store.db import Database
from openroam.models.v221.types import Role
from tests.api.conftest import ADMIN_TOKEN, BASE_URL, PLATFORM, api_app
from tests.api.support import cdr, credit_of, location, session, tariff, token
from tests.delivery.fake_v211 import FakeV211, fake_v211, register_v211, routing_headers

FAST = PushSettings(base_delay=0.01, max_delay=0.05, idle_sleep=0.01, max_refusals=3)
EMSP = ("DE", "MSP")


@pytest.fixture
def partner() -> Iterator[FakeV211]:
    with fake_v211() as running:
        yield running


@pytest.fixture
async def node(database: Database, partner: FakeV211) -> Node:
    built = Node.build(PLATFORM, database, lambda token, encode: None)  # type: ignore[arg-type,return-value]
    await register_v211(database, partner, "legacy", Role.EMSP, EMSP)
    return built


@pytest.fixture
async def api(node: Node) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    transport = httpx.ASGITransport(app=api_app(node))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as http:
        yield http


async def _rows(node: Node, state: str) -> list[outbox_admin.DeliveryRow]:
    async with node.db.session() as session:
        return await outbox_admin.list_deliveries(session, states=[state])


async def _drain(node: Node, seconds: float = 20) -> None:
    """Run a push worker until nothing is pending (or fail after ``seconds``)."""
    worker = PushWorker(node.db, client_factory(), FAST, node.events)
    deadline = time.monotonic() + seconds
    while await _rows(node, "pending"):
        assert time.monotonic() < deadline, await _rows(node, "pending")
        if not await worker.run_once():
            await asyncio.sleep(0.02)


async def test_our_objects_arrive_as_valid_2_1_1(
    node: Node, api: httpx.AsyncClient, partner: FakeV211
) -> None:
    assert (await api.put("/api/locations/NL/ORM/LOC1", json=location())).status_code == 201
    assert (await api.put("/api/tariffs/NL/ORM/T1", json=tariff("T1"))).status_code == 201
    await _drain(node)
    patch = {"status": "CHARGING", "last_updated": "2026-01-01T11:00:00Z"}
    assert (await api.patch("/api/locations/NL/ORM/LOC1/E1", json=patch)).status_code == 200
    stored = session("S1", emsp=EMSP, periods=2)
    assert (await api.put("/api/sessions/NL/ORM/S1", json=stored)).status_code == 201
    await node.cdrs.own_post(orjson.dumps(cdr("CDR1", token_party=EMSP)))
    await _drain(node)

    assert partner.refused == []
    assert await _rows(node, "failed") == []
    # mod_locations.md 3.1: no country_code/party_id/publish; type, not parking_type.
    sent = partner.copies[("locations", "NL/ORM/LOC1")]
    assert "country_code" not in sent
    assert "publish" not in sent
    assert sent["type"]
    assert sent["evses"][0]["status"] == "CHARGING"
    patches = partner.sent("PATCH", "/ocpi/2.1.1/emsp/locations/NL/ORM/LOC1/E1")
    assert [r.body["status"] for r in patches] == ["CHARGING"]
    # mod_tariffs.md 3.1: the price a number excluding VAT.
    assert partner.copies[("tariffs", "NL/ORM/T1")]["elements"][0]["price_components"][0][
        "price"
    ] == pytest.approx(0.25)
    # mod_sessions.md 3.1: the Location embedded, the Token named by auth_id (its contract_id).
    pushed = partner.copies[("sessions", "NL/ORM/S1")]
    assert pushed["location"]["id"] == "LOC1"
    assert [e["uid"] for e in pushed["location"]["evses"]] == ["E1"]
    assert pushed["auth_id"] == stored["cdr_token"]["contract_id"]
    assert "start_datetime" in pushed
    # mod_cdrs.md 3.1: POSTed with its Location and the Tariff its period names.
    [posted] = partner.cdrs
    assert posted["id"] == "CDR1"
    assert posted["location"]["id"] == "LOC1"
    assert [t["id"] for t in posted["tariffs"]] == ["T1"]
    assert posted["total_cost"] == pytest.approx(4.0)

    # Raw token (else HTTP 401 and nothing stored), no routing headers.
    assert routing_headers(partner.requests) == []
    assert {r.headers["authorization"] for r in partner.requests} == {
        "Token raw-token-of-the-2.1.1-partner"
    }


async def test_a_token_is_put_without_type(database: Database) -> None:
    with fake_v211() as cpo:
        node = Node.build(PLATFORM, database, lambda token, encode: None)  # type: ignore[arg-type,return-value]
        await register_v211(database, cpo, "legacy-cpo", Role.CPO, ("DE", "CPO"))
        transport = httpx.ASGITransport(app=api_app(node))
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        async with httpx.AsyncClient(
            transport=transport, base_url=BASE_URL, headers=headers
        ) as api:
            put = await api.put("/api/tokens/NL/ORM/012345678", json=token())
            assert put.status_code == 201, put.text
        await _drain(node)
    assert cpo.refused == []
    assert await _rows(node, "failed") == []
    [sent] = cpo.sent("PUT", "/ocpi/2.1.1/cpo/tokens/")
    assert (sent.path, sent.query) == ("/ocpi/2.1.1/cpo/tokens/NL/ORM/012345678", {})
    # mod_tokens.md 3.2: auth_id (2.2.1's contract_id), no country_code/party_id.
    assert sent.body["auth_id"] == token()["contract_id"]
    assert "country_code" not in sent.body


async def test_what_2_1_1_cannot_express_fails_at_once_with_the_reason(
    node: Node, api: httpx.AsyncClient, partner: FakeV211
) -> None:
    assert (await api.put("/api/locations/NL/ORM/LOC1", json=location())).status_code == 201
    original = cdr("CDR1", token_party=EMSP)
    await node.cdrs.own_post(orjson.dumps(original))
    await node.cdrs.own_post(orjson.dumps(credit_of(original)))
    await _drain(node)

    assert [c["id"] for c in partner.cdrs] == ["CDR1"]
    [failed] = await _rows(node, "failed")
    assert (failed.path, failed.attempts, failed.refusals) == ("NL/ORM/CDR1-C", 1, 1)
    assert failed.last_error is not None
    assert "Credit CDR" in failed.last_error
    assert "not sent as OCPI 2.1.1" in failed.last_error
    events = await node.events.read(types=["delivery.failed"])
    assert [e.subject for e in events] == [f"delivery:{failed.id}"]
    assert "Credit CDR" in orjson.loads(events[0].payload)["message"]

    hidden = location("LOC2", publish=False)
    assert (await api.put("/api/locations/NL/ORM/LOC2", json=hidden)).status_code == 201
    await _drain(node)
    assert ("locations", "NL/ORM/LOC2") not in partner.copies
    [unpublished] = [row for row in await _rows(node, "failed") if row.module == "locations"]
    assert unpublished.last_error is not None
    assert "not published" in unpublished.last_error
