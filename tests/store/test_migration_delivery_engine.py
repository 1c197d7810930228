"""Migration 0008_delivery_engine on a database with queued deliveries: each row gets the key
of its object, so the order per object holds for rows queued before the upgrade; and it can be
downgraded again. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, text

from openroam._store.db import Database, upgrade_async
from openroam._store.tables import UtcDateTime
from tests.store.migrating import downgrade

# The timestamp bound as the tables bind it: text on SQLite (Python 3.12 deprecates sqlite3's own
# datetime adapter), timestamptz on PostgreSQL.
_NOW = bindparam("now", type_=UtcDateTime())


async def test_queued_rows_get_their_object_key(database_url: str) -> None:
    db = Database.connect(database_url)
    try:
        await upgrade_async(db, "0007_partner_grants")
        now = datetime(2026, 1, 1, tzinfo=UTC)
        async with db.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO partners (name, status, encode_token, created_at, updated_at) "
                    "VALUES ('p', 'registered', true, :now, :now)"
                ).bindparams(_NOW),
                {"now": now},
            )
            for path in ("nl/orm/loc1/E1", "NL/ORM/T1", "DE/MSP/012?type=RFID"):
                await connection.execute(
                    text(
                        "INSERT INTO deliveries (partner_id, module, method, path, state, "
                        "attempts, next_attempt_at, revision, created_at) VALUES "
                        "(1, 'm', 'PUT', :path, 'pending', 0, :now, 0, :now)"
                    ).bindparams(_NOW),
                    {"path": path, "now": now},
                )
        await upgrade_async(db, "0008_delivery_engine")
        async with db.engine.connect() as connection:
            keys = (
                await connection.execute(text("SELECT object_key FROM deliveries ORDER BY id"))
            ).scalars()
            assert list(keys) == ["m:NL/ORM/LOC1", "m:NL/ORM/T1", "m:DE/MSP/012?type=RFID"]
        async with db.engine.begin() as connection:
            await connection.run_sync(downgrade, "0007_partner_grants")
        async with db.engine.connect() as connection:
            count = await connection.execute(text("SELECT count(*) FROM deliveries"))
            assert count.scalar_one() == 3
        await upgrade_async(db)
    finally:
        await db.dispose()
