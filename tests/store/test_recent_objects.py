"""Newest-first reads of Sessions and CDRs of every origin (the console's Sessions and CDRs
page), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from openroam._store import object_repo as objects
from openroam._store import recent_objects
from openroam._store.db import Database

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
PARTNER = 7  # origin of received objects; no foreign key, so no partner row is needed


async def _put(database: Database, module: str, object_id: str, origin: int, **extra: object):
    document = orjson.dumps({"id": object_id, "last_updated": "2026-01-01T12:00:00Z", **extra})
    async with database.session() as session, session.begin():
        await objects.put_object(
            session,
            module=module,
            origin=origin,
            country_code="NL",
            party_id="CPO",
            object_id=object_id,
            last_updated=T0,
            document=document,
        )


async def test_live_sessions_are_the_active_and_pending_ones_of_every_origin_newest_first(
    database: Database,
) -> None:
    statuses = [
        ("S1", objects.OWN, "ACTIVE"),
        ("S2", PARTNER, "COMPLETED"),
        ("S3", PARTNER, "PENDING"),
        ("S4", objects.OWN, "INVALID"),
        ("S5", objects.OWN, "RESERVATION"),
        ("S6", PARTNER, "ACTIVE"),
    ]
    for session_id, origin, status in statuses:
        await _put(database, "sessions", session_id, origin, status=status)
    # A CDR is no Session, whatever its document says.
    await _put(database, "cdrs", "C1", objects.OWN, status="ACTIVE")

    async with database.session() as session:
        found = await recent_objects.live_sessions(session, limit=10)
        newest = await recent_objects.live_sessions(session, limit=2)
    assert [(s.object_id, s.origin) for s in found] == [
        ("S6", PARTNER),
        ("S3", PARTNER),
        ("S1", objects.OWN),
    ]
    assert [s.object_id for s in newest] == ["S6", "S3"]


async def test_a_session_that_ends_leaves_the_live_ones(database: Database) -> None:
    await _put(database, "sessions", "S1", objects.OWN, status="ACTIVE")
    await _put(database, "sessions", "S1", objects.OWN, status="COMPLETED")
    async with database.session() as session:
        assert await recent_objects.live_sessions(session, limit=10) == []


async def test_newest_objects_by_scope_in_pages(database: Database) -> None:
    for number in range(1, 6):
        await _put(database, "cdrs", f"C{number}", PARTNER if number % 2 else objects.OWN)
    await _put(database, "sessions", "S1", objects.OWN)

    async def ids(**options: object) -> tuple[list[str], bool]:
        async with database.session() as session:
            found, more = await recent_objects.newest_objects(
                session,
                module="cdrs",
                **options,  # type: ignore[arg-type]
            )
        return [s.object_id for s in found], more

    assert await ids(limit=10) == (["C5", "C4", "C3", "C2", "C1"], False)
    assert await ids(limit=2) == (["C5", "C4"], True)
    assert await ids(limit=2, offset=2) == (["C3", "C2"], True)
    assert await ids(limit=2, offset=4) == (["C1"], False)
    assert await ids(scope="own", limit=10) == (["C4", "C2"], False)
    assert await ids(scope="received", limit=10) == (["C5", "C3", "C1"], False)
    assert await ids(origins=[PARTNER], limit=1) == (["C5"], True)
    assert await ids(origins=[99], limit=10) == ([], False)
