"""The Hub's still-alive check and ``last_seen_at`` (mod_hub_client_info.asciidoc "Still alive
check", "Another Party goes OFFLINE"), on SQLite and PostgreSQL, with the parties' platforms as
small real HTTP servers; and the catch-up pull of a node that starts
(transport_and_format.asciidoc "Offline behaviour").

* a registered party silent for ``hub_liveness_seconds`` is asked for its versions; when that
  fails it is OFFLINE, the others are told, and it is told nothing while it is OFFLINE;
* when its versions answer again it is CONNECTED: the others are told, it gets every other
  party's ClientInfo, and a pull from it is due now;
* any authenticated request of an OFFLINE party brings it back at once; ``last_seen_at`` is
  written at most once per ``min(10 s, hub_liveness_seconds / 4)`` per serving process;
* a node whose workers start pulls every partner at once, incrementally.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from openroam._config import Settings
from openroam._delivery.liveness import LivenessSettings, LivenessWorker
from openroam._runtime import client_factory, running_workers
from openroam._server.app import create_app
from openroam._services import hub_clients
from openroam._services.node import Node
from openroam._store import sync_state
from openroam._store.db import Database
from openroam._store.records import Grant
from openroam._store.tables import Partner
from openroam.models.v221.types import Role
from tests.api.conftest import PLATFORM
from tests.hub.clientinfo_partner import Party, Seen, party_platform
from tests.hub.test_client_info_hub import (
    HUB,
    HUB_URL,
    ROUTING,
    auth,
    connect,
    hub_node,
    partner,
    pending,
    push_all,
)

LIVENESS = LivenessSettings(liveness_seconds=60, timeout=2)


@pytest.fixture
def emsp() -> Iterator[Party]:
    with party_platform(f"emsp-{uuid.uuid4().hex}", "EMSP", "NL", "EM1") as party:
        yield party


@pytest.fixture
def cpo() -> Iterator[Party]:
    with party_platform(f"cpo-{uuid.uuid4().hex}", "CPO", "NL", "CP1") as party:
        party.modules["locations"] = "SENDER"
        yield party


@pytest.fixture
async def hub(database: Database) -> Node:
    return hub_node(database)


@pytest.fixture
async def ocpi(hub: Node) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(hub))
    async with httpx.AsyncClient(transport=transport, base_url=HUB_URL) as http:
        yield http


async def silent_since(hub: Node, name: str, seconds: float) -> None:
    """The partner was last heard from ``seconds`` ago."""
    record = await partner(hub, name)
    async with hub.db.session() as session, session.begin():
        await session.execute(
            update(Partner)
            .where(Partner.id == record.id)
            .values(last_seen_at=datetime.now(UTC) - timedelta(seconds=seconds))
        )


async def test_a_silent_party_that_does_not_answer_is_offline_until_it_answers_again(
    hub: Node, emsp: Party, cpo: Party
) -> None:
    await connect(hub, emsp, "emsp1", Role.EMSP, "NL", "EM1")
    await connect(hub, cpo, "cpo1", Role.CPO, "NL", "CP1")
    await push_all(hub)
    worker = LivenessWorker(hub.db, HUB, client_factory(), LIVENESS)
    # Both were heard from just now (their registration): nobody is asked.
    assert await worker.run_once() == 0

    cpo.down = True
    await silent_since(hub, "cpo1", 61)
    asked = len(_versions_gets(cpo))
    assert await worker.run_once() == 1
    [check] = _versions_gets(cpo)[asked:]
    assert check.headers["authorization"] == auth(cpo.token)["Authorization"]
    assert not any(name in check.headers for name in ROUTING)
    cpo1 = await partner(hub, "cpo1")
    assert cpo1.connection_status == "OFFLINE"
    # The others are told; nothing is queued to the OFFLINE party ("Do not queue").
    assert await pending(hub) == [("emsp1", "NL/CP1")]
    await hub.credentials.invite("cpo2", grants=[Grant(Role.CPO, "DE", "CP2")])
    assert await pending(hub) == [("emsp1", "DE/CP2"), ("emsp1", "NL/CP1")]
    await push_all(hub)
    assert emsp.client_infos()["NL/CP1"]["status"] == "OFFLINE"
    # Still silent and still down: asked again, nothing changes.
    assert await worker.run_once() == 1
    assert await pending(hub) == []

    cpo.down = False
    assert await worker.run_once() == 1
    back = await partner(hub, "cpo1")
    assert back.connection_status == "CONNECTED"
    assert back.last_seen_at is not None
    assert back.last_seen_at > datetime.now(UTC) - timedelta(seconds=5)
    assert await pending(hub) == [
        ("cpo1", "DE/CP2"),
        ("cpo1", "NL/EM1"),
        ("emsp1", "NL/CP1"),
    ]
    async with hub.db.session() as session:
        state = await sync_state.get_sync_state(session, back.id, "locations")
    assert state is not None
    assert state.next_pull_at is not None
    assert state.next_pull_at <= datetime.now(UTC)
    await push_all(hub)
    assert emsp.client_infos()["NL/CP1"]["status"] == "CONNECTED"
    assert {key: info["status"] for key, info in cpo.client_infos().items()} == {
        "NL/EM1": "CONNECTED",
        "DE/CP2": "PLANNED",
    }
    # Heard from again: not silent any more.
    assert await worker.run_once() == 0


def _versions_gets(party: Party) -> list[Seen]:
    with party.lock:
        return [s for s in party.seen if s.method == "GET" and s.path == "/ocpi/versions"]


async def test_an_offline_party_that_calls_is_connected_and_last_seen_is_throttled(
    hub: Node, ocpi: httpx.AsyncClient, emsp: Party, cpo: Party
) -> None:
    token = await connect(hub, emsp, "emsp1", Role.EMSP, "NL", "EM1")
    await connect(hub, cpo, "cpo1", Role.CPO, "NL", "CP1")
    emsp1 = await partner(hub, "emsp1")
    async with hub.db.session() as session, session.begin():
        await hub_clients.record_connection(session, HUB, emsp1.id, "OFFLINE")
    await silent_since(hub, "emsp1", 600)
    await push_all(hub)

    answer = await ocpi.get("/ocpi/2.2.1/sender/hubclientinfo", headers=auth(token))
    assert answer.json()["status_code"] == 1000
    seen = await partner(hub, "emsp1")
    assert seen.connection_status == "CONNECTED"
    assert seen.last_seen_at is not None
    assert seen.last_seen_at > datetime.now(UTC) - timedelta(seconds=5)
    # The others hear of it; the party itself gets the others' ClientInfo.
    assert await pending(hub) == [("cpo1", "NL/EM1"), ("emsp1", "NL/CP1")]

    # Within min(10 s, 60 s / 4) the next requests write nothing.
    for _ in range(3):
        await ocpi.get("/ocpi/2.2.1/sender/hubclientinfo", headers=auth(token))
    assert (await partner(hub, "emsp1")).last_seen_at == seen.last_seen_at
    assert hub_clients.seen_interval(60) == 10
    assert hub_clients.seen_interval(4) == 1


async def test_a_node_that_is_not_a_hub_checks_nobody(database: Database) -> None:
    node = Node.build(PLATFORM, database, client_factory())
    worker = LivenessWorker(node.db, node.platform, client_factory(), LIVENESS)
    assert await worker.run_once() == 0
    assert node.credentials.seen is None


async def test_a_starting_node_pulls_every_partner_at_once(database: Database, cpo: Party) -> None:
    """transport_and_format "Offline behaviour": pushes sent while the node was down are lost
    to it; when its workers start, every partner's next pull is due at once (incremental)."""
    node = Node.build(PLATFORM, database, client_factory())
    await connect(node, cpo, "cpo1", Role.CPO, "NL", "CP1")
    cpo1 = await partner(node, "cpo1")
    later = datetime.now(UTC) + timedelta(hours=1)
    async with node.db.session() as session, session.begin():
        await sync_state.save_sync_state(
            session,
            cpo1.id,
            "locations",
            watermark=datetime(2026, 1, 1, tzinfo=UTC),
            last_full_sync_at=datetime(2026, 1, 1, tzinfo=UTC),
            last_pull_at=datetime(2026, 1, 1, tzinfo=UTC),
            next_pull_at=later,
        )
    settings = Settings.model_construct()
    async with running_workers(node, settings):
        deadline = time.monotonic() + 10
        while not cpo.requests("GET", "/locations") and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    [pull] = cpo.requests("GET", "/locations")
    assert "date_from=2026-01-01T00" in pull.path.replace("%3A", ":"), pull.path
