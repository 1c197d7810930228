"""Migration 0012_token_contract on a database holding Tokens: each Token row gets its folded
contract_id (mod_sessions.md 3.1, mod_cdrs.md 3.1: a 2.1.1 Session or CDR names its Token by
``auth_id`` = ``contract_id``), read in batches, other modules' rows stay NULL; and it can be
downgraded again. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from sqlalchemy import LargeBinary, bindparam, text

from openroam._store.db import Database, upgrade_async
from openroam._store.tables import UtcDateTime
from tests.store.migrating import downgrade

# More Tokens than one batch of the migration (500) reads.
TOKENS = 1203

_INSERT = text(
    "INSERT INTO ocpi_objects (module, origin, country_code, party_id, object_id, object_type, "
    "last_updated, document, created_at) VALUES (:module, :origin, 'DE', 'MSP', :object_id, "
    ":object_type, :now, :document, :now)"
).bindparams(bindparam("now", type_=UtcDateTime()), bindparam("document", type_=LargeBinary()))


def _row(module: str, origin: int, object_id: str, document: dict[str, object]) -> dict:
    return {
        "module": module,
        "origin": origin,
        "object_id": object_id,
        "object_type": "RFID" if module == "tokens" else "",
        "now": datetime(2026, 1, 1, tzinfo=UTC),
        "document": orjson.dumps(document),
    }


async def test_existing_tokens_get_their_contract_id(database_url: str) -> None:
    db = Database.connect(database_url)
    try:
        await upgrade_async(db, "0011_reading_deviations")
        rows = [
            _row("tokens", n % 2 * 7, f"U{n}", {"uid": f"U{n}", "contract_id": f"de-msp-c{n}"})
            for n in range(TOKENS)
        ]
        rows.append(_row("locations", 0, "LOC1", {"id": "LOC1", "contract_id": "not-a-token"}))
        async with db.engine.begin() as connection:
            await connection.execute(_INSERT, rows)
        await upgrade_async(db, "0012_token_contract")
        async with db.engine.connect() as connection:
            found = dict(
                (
                    await connection.execute(
                        text("SELECT object_id, contract_id FROM ocpi_objects")
                    )
                ).all()
            )
        assert found.pop("LOC1") is None
        assert found == {f"U{n}": f"DE-MSP-C{n}" for n in range(TOKENS)}
        async with db.engine.begin() as connection:
            await connection.run_sync(downgrade, "0011_reading_deviations")
        async with db.engine.connect() as connection:
            count = await connection.execute(text("SELECT count(*) FROM ocpi_objects"))
            assert count.scalar_one() == TOKENS + 1
        await upgrade_async(db)
    finally:
        await db.dispose()
