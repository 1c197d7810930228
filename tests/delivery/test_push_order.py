"""The push worker against a real (fake) partner (docs/architecture.md "Delivery";
docs/spec-decisions.md "Failed pushes and results are retried"), on SQLite and PostgreSQL:

* an object the partner refuses never holds back another object (the head-of-line probe);
* a permanent refusal (OCPI 2xxx) is tried ``max_refusals`` times, then the row is ``failed``
  with the partner's answer and a ``delivery.failed`` event; a later change of the object is
  still delivered, and supersedes the failed row;
* a transient failure (HTTP 503) is retried past that bound until it is delivered;
* an operator lists, retries and skips rows through the backend API.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from openroam._delivery.push import PushSettings, PushWorker
from openroam._delivery.retry import is_permanent
from openroam._runtime import client_factory
from openroam._services.node import Node
from openroam._store import outbox_admin
from tests.api.conftest import ADMIN_TOKEN, BASE_URL, PLATFORM, api_app
from tests.api.support import tariff
from tests.delivery.fake_partner import FakePartner, fake_partner, register

FAST = PushSettings(base_delay=0.01, max_delay=0.05, idle_sleep=0.01, max_refusals=3)


@pytest.fixture
def partner() -> Iterator[FakePartner]:
    with fake_partner() as running:
        yield running


@pytest.fixture
async def node(database, partner: FakePartner) -> Node:  # type: ignore[no-untyped-def]
    built = Node.build(PLATFORM, database, lambda token, encode: None)  # type: ignore[arg-type,return-value]
    await register(database, partner, "fake", ["tariffs"])
    return built


@pytest.fixture
async def api(node: Node) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    transport = httpx.ASGITransport(app=api_app(node))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as http:
        yield http


async def _pending(node: Node) -> list[outbox_admin.DeliveryRow]:
    async with node.db.session() as session:
        return await outbox_admin.list_deliveries(session, states=["pending"])


async def _drain(worker: PushWorker, node: Node, seconds: float = 20) -> None:
    """Run the worker until nothing is pending (or fail after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while await _pending(node):
        assert time.monotonic() < deadline, await _pending(node)
        if not await worker.run_once():
            await asyncio.sleep(0.02)


async def test_a_refused_object_never_holds_back_another(
    node: Node, api: httpx.AsyncClient, partner: FakePartner
) -> None:
    partner.refuse.add("BAD")
    worker = PushWorker(node.db, client_factory(), FAST, node.events)
    assert (await api.put("/api/tariffs/NL/ORM/BAD", json=tariff("BAD"))).status_code == 201
    assert (await api.put("/api/tariffs/NL/ORM/GOOD", json=tariff("GOOD"))).status_code == 201
    # One round: both objects are attempted; the refusal of BAD does not stop GOOD.
    assert await worker.run_once() == 2
    assert set(partner.copy_of("tariffs")) == {"NL/ORM/GOOD"}
    await _drain(worker, node)

    bad_sends = [r for r in partner.received if r.key == "NL/ORM/BAD"]
    assert len(bad_sends) == 3  # max_refusals, then failed
    failed = (await api.get("/api/deliveries", params={"state": "failed"})).json()["data"]
    assert [(row["path"], row["state"], row["refusals"]) for row in failed] == [
        ("NL/ORM/BAD", "failed", 3)
    ]
    assert failed[0]["last_error"] == "HTTP 200, status_code 2001, refused by the fake partner"
    events = await node.events.read(types=["delivery.failed"])
    assert [e.subject for e in events] == [f"delivery:{failed[0]['id']}"]

    # A later change of the failed object is delivered (the partner accepts it now) and
    # supersedes the failed row: nothing accepted is lost.
    partner.refuse.clear()
    changed = tariff("BAD", last_updated="2026-06-01T00:00:00Z")
    assert (await api.put("/api/tariffs/NL/ORM/BAD", json=changed)).status_code == 200
    await _drain(worker, node)
    assert partner.copy_of("tariffs")["NL/ORM/BAD"]["last_updated"] == "2026-06-01T00:00:00Z"
    row = (await api.get("/api/deliveries", params={"state": "superseded"})).json()["data"]
    assert [r["id"] for r in row] == [failed[0]["id"]]


async def test_transient_failures_are_retried_past_the_bound(
    node: Node, api: httpx.AsyncClient, partner: FakePartner
) -> None:
    partner.unavailable["DOWN"] = 5  # HTTP 503 without an envelope, five times
    worker = PushWorker(node.db, client_factory(), FAST, node.events)
    assert (await api.put("/api/tariffs/NL/ORM/DOWN", json=tariff("DOWN"))).status_code == 201
    await _drain(worker, node)
    assert set(partner.copy_of("tariffs")) == {"NL/ORM/DOWN"}
    assert len(partner.received) == 6
    done = (await api.get("/api/deliveries", params={"state": "delivered"})).json()["data"]
    assert [(r["state"], r["refusals"]) for r in done] == [("delivered", 0)]


async def test_operators_retry_and_skip(
    node: Node, api: httpx.AsyncClient, partner: FakePartner
) -> None:
    partner.refuse.update({"A", "B"})
    worker = PushWorker(node.db, client_factory(), FAST, node.events)
    for tariff_id in ("A", "B"):
        await api.put(f"/api/tariffs/NL/ORM/{tariff_id}", json=tariff(tariff_id))
    await _drain(worker, node)
    listed = await api.get("/api/deliveries", params={"partner": "fake", "state": "failed"})
    first, second = listed.json()["data"]

    # Retry: the partner takes it now; the row is sent again in the object's current state.
    partner.refuse.clear()
    retried = await api.post(f"/api/deliveries/{first['id']}/retry")
    assert retried.status_code == 200, retried.text
    assert retried.json()["data"]["state"] == "pending"
    assert "retried by the backend API" in retried.json()["data"]["note"]
    await _drain(worker, node)
    assert set(partner.copy_of("tariffs")) == {"NL/ORM/A"}
    again = await api.post(f"/api/deliveries/{first['id']}/retry")
    assert again.status_code == 409  # delivered

    # Skip: recorded in the row and as an event, never silent.
    skipped = await api.post(f"/api/deliveries/{second['id']}/skip", params={"reason": "wrong"})
    assert skipped.status_code == 200, skipped.text
    data = skipped.json()["data"]
    assert (data["state"], data["note"].endswith(": wrong")) == ("skipped", True)
    events = await node.events.read(types=["delivery.skipped"])
    assert [e.subject for e in events] == [f"delivery:{second['id']}"]
    assert (await api.post(f"/api/deliveries/{second['id']}/skip")).status_code == 409
    assert (await api.post("/api/deliveries/999999/skip")).status_code == 404
    assert (await api.get("/api/deliveries", params={"partner": "nobody"})).status_code == 404


def test_answers_are_classified_transient_or_permanent() -> None:
    """docs/spec-decisions.md "Failed pushes and results are retried"."""
    assert is_permanent(200, 2001)  # an OCPI refusal
    assert is_permanent(404, 2003)
    assert is_permanent(404, None)  # a 404 page without an envelope
    assert is_permanent(400, None)
    for status in (401, 408, 429):  # our token, later, slow down
        assert not is_permanent(status, None)
    assert not is_permanent(None, None)  # no answer
    assert not is_permanent(503, None)
    assert not is_permanent(500, 2001)
    assert not is_permanent(200, 3000)
    assert not is_permanent(301, None)  # a redirect (not followed)
