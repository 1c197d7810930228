"""Migration 0015_message_answer_keys on a message log written before it: each message keeps
its time (to the microsecond), and an answer shared by id is still shown for the messages that
shared it; downgraded again, the same. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import LargeBinary, bindparam, text

from openroam._services.message_log import message_detail
from openroam._store.db import Database, upgrade_async
from openroam._store.tables import UtcDateTime
from tests.store.migrating import downgrade

AT = datetime(2026, 12, 7, 23, 59, 58, 123456, tzinfo=UTC)
PAGE = b'{"data":[{"id":"L1"}'

_INSERT = text(
    "INSERT INTO message_log (id, at, direction, method, url, duration_ms, request_id, "
    "response_body, request_bytes, response_bytes, size, response_shared_with) VALUES "
    "(:id, :at, 'in', 'GET', '/ocpi/2.2.1/sender/locations', 1.5, :request_id, :body, 0, 900, "
    ":size, :shared)"
).bindparams(bindparam("at", type_=UtcDateTime()), bindparam("body", type_=LargeBinary()))


async def _shown(db: Database, message_id: int) -> tuple[datetime, bytes | None, int | None]:
    detail = await message_detail(db, None, message_id)
    assert detail is not None
    return detail.summary.at, detail.response_body, detail.response_shared_with


async def test_times_and_shared_answers_are_kept_both_ways(database_url: str) -> None:
    db = Database.connect(database_url)
    try:
        await upgrade_async(db, "0014_console")
        async with db.engine.begin() as connection:
            await connection.execute(
                _INSERT,
                [
                    {"id": 1, "at": AT, "request_id": "first", "body": PAGE, "size": 20,
                     "shared": None},
                    {"id": 2, "at": AT, "request_id": "again", "body": None, "size": 0,
                     "shared": 1},
                    {"id": 3, "at": AT, "request_id": "orphan", "body": None, "size": 0,
                     "shared": 99},
                ],
            )  # fmt: skip
        await upgrade_async(db, "0015_message_answer_keys")
        assert await _shown(db, 1) == (AT, PAGE, None)
        assert await _shown(db, 2) == (AT, PAGE, 1)
        # It referred to a message trimmed since: shown as shared, no longer kept.
        orphan = await message_detail(db, None, 3)
        assert orphan is not None
        assert (orphan.answer_shared, orphan.response_body) == (True, None)

        async with db.engine.begin() as connection:
            await connection.run_sync(downgrade, "0014_console")
            rows = await connection.execute(
                text("SELECT id, at, response_shared_with FROM message_log ORDER BY id")
            )
            found = [(id, shared) for id, _at, shared in rows]
            at = await connection.scalar(
                text("SELECT at FROM message_log WHERE id = 1").columns(at=UtcDateTime())
            )
        assert found == [(1, None), (2, 1), (3, None)]
        assert at == AT
        await upgrade_async(db)
    finally:
        await db.dispose()
