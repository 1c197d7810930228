"""Writing a batch of received objects (_store/object_batch.py), on SQLite and PostgreSQL: more
objects than fit in one statement on SQLite's writer, stale protection inside the statement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
from sqlalchemy import select

from openroam._store.db import Database
from openroam._store.object_batch import NewObject, write_newer_objects
from openroam._store.object_sql import T

PARTNER = 7
START = datetime(2026, 1, 1, tzinfo=UTC)


def _objects(count: int, *, hours: int = 0, city: str = "Utrecht") -> list[NewObject]:
    return [
        NewObject(
            "nl",
            "cpo",
            f"loc{number}",
            "",
            START + timedelta(hours=hours, seconds=number),
            orjson.dumps({"id": f"LOC{number}", "city": city}),
        )
        for number in range(count)
    ]


async def _stored(database: Database) -> list[tuple[str, bytes]]:
    async with database.session() as session:
        rows = await session.execute(
            select(T.c.object_id, T.c.document).where(T.c.origin == PARTNER).order_by(T.c.pk)
        )
        return [(row.object_id, row.document) for row in rows]


async def test_a_batch_larger_than_one_statement_is_written_whole_and_in_order(
    database: Database,
) -> None:
    # 450 objects: three statements of at most 200 rows on SQLite's writer.
    batch = _objects(450)
    assert await write_newer_objects(database, "locations", PARTNER, batch) == 450
    stored = await _stored(database)
    assert [object_id for object_id, _ in stored] == [f"LOC{n}" for n in range(450)]

    # Again, unchanged: nothing is written, and nothing counted.
    assert await write_newer_objects(database, "locations", PARTNER, batch) == 0
    # Newer versions of every other object: exactly those are written, in place.
    newer = _objects(450, hours=1, city="Amersfoort")[::2]
    assert await write_newer_objects(database, "locations", PARTNER, newer) == 225
    after = await _stored(database)
    assert [object_id for object_id, _ in after] == [f"LOC{n}" for n in range(450)]
    cities = [orjson.loads(document)["city"] for _, document in after]
    assert cities == ["Amersfoort" if n % 2 == 0 else "Utrecht" for n in range(450)]


async def test_without_replace_a_stored_object_stays_even_if_newer(database: Database) -> None:
    # CDRs never change once stored (mod_cdrs "Flow and Lifecycle").
    assert await write_newer_objects(database, "cdrs", PARTNER, _objects(3), replace=False) == 3
    newer = _objects(4, hours=1, city="Amersfoort")
    assert await write_newer_objects(database, "cdrs", PARTNER, newer, replace=False) == 1
    async with database.session() as session:
        rows = await session.execute(select(T.c.document).where(T.c.module == "cdrs"))
        cities = sorted(orjson.loads(row.document)["city"] for row in rows)
    assert cities == ["Amersfoort", "Utrecht", "Utrecht", "Utrecht"]
