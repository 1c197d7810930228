"""Sessions a CPO partner PUTs and PATCHes to our Receiver give session.started, .updated and
.ended (once), recorded with the change, in order per Session (docs/backend-api.md "Events and
webhooks"). SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest_asyncio

from openroam._services.events import Event, session_subject
from openroam._store.db import Database
from tests.api.support import charging_period
from tests.server.roaming_support import Roaming, open_roaming
from tests.server.support import FakePartner, envelope_of
from tests.server.test_sessions import theirs, url

T1, T2, T3, T4 = (f"2026-01-01T1{hour}:00:00Z" for hour in (1, 2, 3, 4))


@pytest_asyncio.fixture(loop_scope="session")
async def roaming(database: Database, partner: FakePartner) -> AsyncIterator[Roaming]:
    async with open_roaming(database, partner) as setup:
        yield setup


async def events_of(roaming: Roaming, session_id: str) -> list[tuple[str, int, dict[str, Any]]]:
    subject = session_subject(*roaming.partner_cpo, session_id)
    listed = await roaming.node.events.read(subject=subject, limit=1000)
    return [(e.type, e.sequence, orjson.loads(e.payload)) for e in listed]


async def test_a_partner_session_gives_started_updated_ended(roaming: Roaming) -> None:
    called: list[Event] = []

    async def callback(event: Event) -> None:
        if event.subject == session_subject(*roaming.partner_cpo, "S1"):
            called.append(event)

    unsubscribe = roaming.node.events.subscribe("*", callback)
    try:
        envelope_of(await roaming.put(url(roaming), theirs(roaming)), 201, 1000)
        added = charging_period("2026-01-01T10:30:00Z", 5)
        patch = {"kwh": 6, "charging_periods": [added], "last_updated": T1}
        envelope_of(await roaming.patch(url(roaming), patch), 200, 1000)
        end = {"status": "COMPLETED", "end_date_time": T2, "last_updated": T2}
        envelope_of(await roaming.patch(url(roaming), end), 200, 1000)
        cost = {"total_cost": {"excl_vat": 1.5}, "last_updated": T3}
        envelope_of(await roaming.patch(url(roaming), cost), 200, 1000)
    finally:
        unsubscribe()
    listed = await events_of(roaming, "S1")
    assert [(kind, sequence) for kind, sequence, _ in listed] == [
        ("session.started", 1),
        ("session.updated", 2),
        ("session.ended", 3),
        ("session.updated", 4),  # ended once: a later change is an update
    ]
    # Each carries the whole Session after its change, and the partner it came from.
    _, _, updated = listed[1]
    assert updated["session"]["charging_periods"] == [added]
    assert updated["partner_id"] == roaming.partner_id
    assert listed[2][2]["session"]["status"] == "COMPLETED"
    assert [(e.type, e.sequence) for e in called] == [(k, s) for k, s, _ in listed]


async def test_stale_and_repeated_writes_give_no_event(roaming: Roaming) -> None:
    body = theirs(roaming, "S2", last_updated=T2)
    envelope_of(await roaming.put(url(roaming, "S2"), body), 201, 1000)
    envelope_of(await roaming.put(url(roaming, "S2"), body), 200, 1000)  # a retry: no change
    older = theirs(roaming, "S2", kwh=3, last_updated=T1)
    envelope_of(await roaming.put(url(roaming, "S2"), older), 200, 1000)  # stale: ignored
    assert [kind for kind, _, _ in await events_of(roaming, "S2")] == ["session.started"]


async def test_a_session_first_seen_ended_gives_started_then_ended(roaming: Roaming) -> None:
    done = theirs(roaming, "S3", status="COMPLETED", end_date_time=T4, last_updated=T4)
    envelope_of(await roaming.put(url(roaming, "S3"), done), 201, 1000)
    kinds = [kind for kind, _, _ in await events_of(roaming, "S3")]
    assert kinds == ["session.started", "session.ended"]


async def test_a_refused_write_gives_no_event(roaming: Roaming) -> None:
    envelope_of(await roaming.patch(url(roaming, "S4"), {"kwh": 1, "last_updated": T1}), 404, 2000)
    bad = theirs(roaming, "S4", kwh="lots")
    envelope_of(await roaming.put(url(roaming, "S4"), bad), 200, 2001)
    assert await events_of(roaming, "S4") == []
