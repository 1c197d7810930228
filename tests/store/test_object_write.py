"""One read-merge-write of an object with its outbox rows (_store/object_write.py), on SQLite (the
group-committing SqliteWriter) and PostgreSQL (a transaction per write, the row FOR UPDATE)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select

from openroam._store import repositories as repo
from openroam._store.db import Database, upgrade_async
from openroam._store.object_write import Merged, Notify, ObjectWrite, write_object
from openroam._store.objects import Delivery
from openroam._store.sqlite_writer import SqliteWriter
from openroam.models.v221.types import Role

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _counter(stored: bytes | None) -> Merged:
    """A document counting its writes."""
    count = orjson.loads(stored)["count"] + 1 if stored is not None else 1
    return Merged(orjson.dumps({"count": count}), T0 + timedelta(seconds=count), stored is None)


def _write(object_id: str, merge=_counter, notify: bool = True) -> ObjectWrite:
    return ObjectWrite(
        "locations",
        0,
        "NL",
        "ORM",
        object_id,
        "",
        merge,
        Notify("PATCH", f"NL/ORM/{object_id}", ("status",)) if notify else None,
    )


async def _partner(
    database: Database, name: str, endpoints: tuple[tuple[str, str], ...], registered: bool = True
) -> int:
    async with database.session() as session, session.begin():
        grants = [repo.Grant(Role.EMSP, "DE", "MSP")]
        record = await repo.create_invitation(session, name, name + "-a", grants)
        if registered:
            await repo.save_registration(
                session,
                record.id,
                versions_url="https://partner.example.com/versions",
                version="2.2.1",
                roles=[repo.PartnerRoleRecord(Role.EMSP, "DE", "MSP", {"name": name})],
                endpoints=[repo.EndpointRecord(m, r, f"https://x/{m}") for m, r in endpoints],
                incoming_token=name + "-c",
                outgoing_token=name + "-b",
            )
    return record.id


async def _deliveries(database: Database) -> list[tuple[int, str, int]]:
    async with database.session() as session:
        rows = await session.execute(select(Delivery.partner_id, Delivery.path, Delivery.revision))
    return sorted(tuple(row) for row in rows)


async def _document(database: Database, object_id: str) -> bytes | None:
    async with database.session() as session:
        found = await repo.get_object(session, "locations", 0, "NL", "ORM", object_id)
    return None if found is None else found.document


async def test_writes_are_stored_and_delivered_to_registered_receivers_only(
    database: Database,
) -> None:
    receiver = await _partner(database, "receiver", (("locations", "RECEIVER"),))
    await _partner(database, "sender", (("locations", "SENDER"),))
    await _partner(database, "tariffs", (("tariffs", "RECEIVER"),))
    await _partner(database, "invited", (), registered=False)

    first = await write_object(database, _write("LOC1"))
    second = await write_object(database, _write("LOC1"))

    assert first is not None
    assert first.created
    assert second is not None
    assert not second.created
    assert await _document(database, "LOC1") == b'{"count":2}'
    # The second change joined the pending row (docs/architecture.md, Delivery).
    assert await _deliveries(database) == [(receiver, "NL/ORM/LOC1", 1)]


async def test_a_partner_registered_since_the_last_write_gets_the_next_one(
    database: Database,
) -> None:
    # No list of receivers is kept between writes: another process may register a partner.
    await write_object(database, _write("LOC1"))
    assert await _deliveries(database) == []
    receiver = await _partner(database, "receiver", (("locations", "RECEIVER"),))
    await write_object(database, _write("LOC1"))
    assert await _deliveries(database) == [(receiver, "NL/ORM/LOC1", 0)]


async def test_a_write_merge_leaves_alone_is_not_stored_nor_delivered(database: Database) -> None:
    await _partner(database, "receiver", (("locations", "RECEIVER"),))
    assert await write_object(database, _write("LOC1", merge=lambda stored: None)) is None
    assert await _document(database, "LOC1") is None
    assert await _deliveries(database) == []


class Refused(Exception):
    pass


def _refuse(stored: bytes | None) -> Merged:
    raise Refused


async def test_concurrent_writes_all_persist_and_a_failing_one_fails_alone(
    database: Database,
) -> None:
    receiver = await _partner(database, "receiver", (("locations", "RECEIVER"),))
    writes = [_write(f"LOC{n}") for n in range(40)]
    writes[17] = _write("LOC17", merge=_refuse)
    results = await asyncio.gather(
        *(write_object(database, write) for write in writes), return_exceptions=True
    )

    assert isinstance(results[17], Refused)
    assert all(isinstance(r, Merged) for n, r in enumerate(results) if n != 17)
    assert await _document(database, "LOC17") is None
    for n in (0, 16, 18, 39):
        assert await _document(database, f"LOC{n}") == b'{"count":1}'
    expected = sorted((receiver, f"NL/ORM/LOC{n}", 0) for n in range(40) if n != 17)
    assert await _deliveries(database) == expected


async def test_concurrent_writes_of_one_object_each_see_the_last(database: Database) -> None:
    # Read-merge-write: each merge sees the document the previous write stored (SQLite: one
    # writer; PostgreSQL: the row is read FOR UPDATE).
    await write_object(database, _write("LOC1", notify=False))
    await asyncio.gather(*(write_object(database, _write("LOC1", notify=False)) for _ in range(24)))
    assert await _document(database, "LOC1") == b'{"count":25}'


async def test_concurrent_creations_of_one_object_see_each_other(database: Database) -> None:
    # The object does not exist yet, so there is no row to lock: exactly one write may see "new"
    # (PostgreSQL serialises them on an advisory lock on the identity), and none is lost.
    results = await asyncio.gather(
        *(write_object(database, _write("NEW1", notify=False)) for _ in range(12))
    )
    assert sum(1 for merged in results if merged is not None and merged.created) == 1
    assert await _document(database, "NEW1") == b'{"count":12}'


@pytest.fixture
async def sqlite_file(tmp_path: Path) -> Path:
    path = tmp_path / "writer.db"
    db = Database.connect(f"sqlite+aiosqlite:///{path}")
    await upgrade_async(db)
    await db.dispose()
    return path


async def test_sqlite_writer_commits_a_batch_with_one_savepoint_per_job(sqlite_file: Path) -> None:
    writer = SqliteWriter(str(sqlite_file))

    def insert(name: str):
        def job(connection):
            connection.execute(
                "INSERT INTO partners (name, status, encode_token, created_at, "
                "updated_at) VALUES (?, 'pending', 1, '2026-01-01', '2026-01-01')",
                (name,),
            )
            return name

        return job

    try:
        # The same name twice: the second INSERT fails on the unique name, inside its savepoint.
        jobs = [insert("a"), insert("b"), insert("a"), insert("c")]
        results = await asyncio.gather(*(writer.submit(j) for j in jobs), return_exceptions=True)
    finally:
        await writer.close()
    assert results[:2] == ["a", "b"]
    assert results[3] == "c"
    assert "UNIQUE" in str(results[2])
    db = Database.connect(f"sqlite+aiosqlite:///{sqlite_file}")
    try:
        async with db.session() as session:
            names = [p.name for p in await repo.list_partners(session)]
    finally:
        await db.dispose()
    assert names == ["a", "b", "c"]
