"""Events: recorded in the transaction of their change, numbered per subject, listed in commit
order, published to Python callbacks after the commit only (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import text

from openroam._services.events import (
    Event,
    EventService,
    EventType,
    cdr_subject,
    session_subject,
)
from openroam._store.db import Database

STARTED, UPDATED, ENDED = (
    EventType.SESSION_STARTED,
    EventType.SESSION_UPDATED,
    EventType.SESSION_ENDED,
)
S1 = session_subject("NL", "EXA", "s1")


class Boom(Exception):
    pass


@pytest.fixture
def events(database: Database) -> EventService:
    return EventService(database)


async def _count(db: Database, table: str) -> int:
    async with db.session() as session:
        return int((await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


def test_subjects_fold_ids() -> None:
    assert session_subject("nl", "exa", "Abc") == "session:NL/EXA/ABC"
    assert cdr_subject("NL", "EXA", "c1") == "cdr:NL/EXA/C1"


async def test_an_event_is_recorded_with_its_data(events: EventService) -> None:
    event = await events.emit(STARTED, S1, {"session": {"id": "s1", "kwh": 0}})
    assert (event.type, event.subject, event.sequence) == ("session.started", S1, 1)
    [stored] = await events.read()
    assert stored.id == event.id
    assert stored.position == 1
    assert stored.payload == b'{"session":{"id":"s1","kwh":0}}'
    assert stored.webhook_state == "pending"


async def test_a_rolled_back_write_records_no_event(events: EventService) -> None:
    received: list[Event] = []

    async def callback(event: Event) -> None:
        received.append(event)

    events.subscribe("*", callback)

    async def failing_write() -> None:
        async with events.transaction() as session:
            await events.record(session, STARTED, S1, {"n": 1})
            raise Boom  # the change that caused the event fails after it was recorded

    with pytest.raises(Boom):
        await failing_write()
    assert await events.read() == []
    assert await _count(events.db, "events") == 0
    assert received == []
    # The subject's numbering was rolled back too: the next event is number 1.
    assert (await events.emit(STARTED, S1, {})).sequence == 1


async def test_sequence_numbers_count_per_subject(events: EventService) -> None:
    other = session_subject("NL", "EXA", "s2")
    async with events.transaction() as session:
        first = await events.record(session, STARTED, S1, {})
        second = await events.record(session, UPDATED, S1, {})
    third = await events.emit(STARTED, other, {})
    fourth = await events.emit(ENDED, S1, {})
    assert [e.sequence for e in (first, second, third, fourth)] == [1, 2, 1, 3]


async def test_concurrent_writers_of_one_subject_get_distinct_numbers(
    events: EventService,
) -> None:
    # On PostgreSQL the subject row lock serialises them; on SQLite the single writer does.
    made = await asyncio.gather(*(events.emit(UPDATED, S1, {"n": n}) for n in range(10)))
    assert sorted(e.sequence for e in made) == list(range(1, 11))
    listed = await events.read(subject=S1)
    assert [e.sequence for e in listed] == list(range(1, 11))


async def test_read_pages_by_position_and_filters(events: EventService) -> None:
    for n in range(5):
        await events.emit(STARTED if n % 2 else UPDATED, session_subject("NL", "EXA", f"s{n}"), {})
    first = await events.read(limit=2)
    rest = await events.read(after=first[-1].position or 0)
    assert [e.position for e in first + rest] == [1, 2, 3, 4, 5]
    assert [e.type for e in await events.read(types=["session.started"])] == [STARTED] * 2
    with pytest.raises(ValueError, match=r"session\.exploded"):
        await events.read(types=["session.exploded"])


async def test_a_late_commit_is_listed_after_what_was_read_before(events: EventService) -> None:
    """An event inserted first but committed last (a long transaction) is not skipped by a
    reader that has paged past events committed meanwhile."""
    if events.db.url.get_backend_name() != "postgresql":
        pytest.skip("SQLite has one writer: events commit in id order")
    slow_subject = session_subject("NL", "EXA", "slow")
    async with events.transaction() as slow:
        await events.record(slow, STARTED, slow_subject, {})
        await events.emit(STARTED, S1, {})  # inserted after, committed before
        seen = await events.read()
        assert [e.subject for e in seen] == [S1]
    late = await events.read(after=seen[-1].position or 0)
    assert [e.subject for e in late] == [slow_subject]


async def test_callbacks_run_after_commit_in_order(events: EventService) -> None:
    seen: list[tuple[str, int, int]] = []

    async def callback(event: Event) -> None:
        # After the commit: the event is readable from another session.
        listed = await events.read(subject=event.subject)
        seen.append((event.type, event.sequence, len(listed)))

    events.subscribe(STARTED, callback)
    events.subscribe(UPDATED, callback)
    async with events.transaction() as session:
        await events.record(session, STARTED, S1, {})
        await events.record(session, UPDATED, S1, {})
        await events.record(session, ENDED, S1, {})  # nobody subscribed to it
        assert seen == []  # nothing before the commit
    assert seen == [("session.started", 1, 3), ("session.updated", 2, 3)]


async def test_a_failing_callback_is_logged_and_does_not_break_the_write(
    events: EventService, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []

    async def broken(event: Event) -> None:
        raise RuntimeError("backend bug")

    async def working(event: Event) -> None:
        calls.append(event.sequence)

    events.subscribe("*", broken)
    events.subscribe(STARTED, working)
    with caplog.at_level(logging.ERROR, logger="openroam.events"):
        event = await events.emit(STARTED, S1, {})
    assert event.sequence == 1
    assert calls == [1]
    assert [e.id for e in await events.read()] == [event.id]
    assert "event callback" in caplog.text
    assert "backend bug" in caplog.text


async def test_unsubscribe_and_unknown_types(events: EventService) -> None:
    calls: list[Event] = []

    async def callback(event: Event) -> None:
        calls.append(event)

    unsubscribe = events.subscribe("session.started", callback)
    unsubscribe()
    await events.emit(STARTED, S1, {})
    assert calls == []
    with pytest.raises(ValueError, match="unknown event type"):
        events.subscribe("session.exploded", callback)
