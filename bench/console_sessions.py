"""The reads behind the console's Sessions and CDRs page, with many stored Sessions and CDRs.

    .venv/bin/python bench/console_sessions.py [--objects 100000] [--database URL]

A store (a temporary SQLite file, or ``--database``: an empty PostgreSQL database, e.g.
``postgresql+asyncpg://user:pass@127.0.0.1/scratch``, migrated here) is seeded with
``--objects`` Sessions of one partner (one in 5,000 ACTIVE, the others COMPLETED) and as many
CDRs, with the Tariff and the Location the CDRs name. Rows, each the best of 5:

* ``live sessions``: what ``/admin/sessions/live`` reads every few seconds (the Sessions whose
  document says ACTIVE or PENDING: every stored Session is looked at);
* ``CDR list, 50 with audits``: one page of ``/admin/sessions`` (the newest 50 CDRs, each
  recomputed with the Tariff held);
* ``one CDR``: a CDR's page (audit, breakdown, comparison, the audit on arrival).

The counts read are checked (20 live for 100,000 Sessions; every CDR matches its Tariff).
Nothing is asserted about time (the numbers depend on the machine).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import insert, text

from openroam._services import session_overview
from openroam._store.db import Database, upgrade_async
from openroam._store.objects import OcpiObject

PARTNER = 5
STAMP = datetime(2026, 1, 1, tzinfo=UTC)
TARIFF = {
    "country_code": "NL",
    "party_id": "CPO",
    "id": "T1",
    "currency": "EUR",
    "elements": [
        {"price_components": [{"type": "TIME", "price": 2.0, "vat": 10, "step_size": 300}]}
    ],
    "last_updated": "2026-01-01T00:00:00Z",
}
PERIODS = [
    {
        "start_date_time": "2026-01-01T08:00:00Z",
        "dimensions": [{"type": "ENERGY", "volume": 15.342}, {"type": "TIME", "volume": 1.973}],
        "tariff_id": "T1",
    }
]
CDR = {
    "country_code": "NL",
    "party_id": "CPO",
    "start_date_time": "2026-01-01T08:00:00Z",
    "end_date_time": "2026-01-01T09:58:23Z",
    "cdr_token": {
        "country_code": "DE",
        "party_id": "MSP",
        "uid": "012345678",
        "type": "RFID",
        "contract_id": "DE-MSP-C12345678",
    },
    "auth_method": "WHITELIST",
    "cdr_location": {
        "id": "LOC1",
        "address": "Stationsplein 1",
        "city": "Utrecht",
        "country": "NLD",
        "coordinates": {"latitude": "52.089000", "longitude": "5.110000"},
        "evse_uid": "E1",
        "evse_id": "NL*CPO*E1",
        "connector_id": "1",
        "connector_standard": "IEC_62196_T2",
        "connector_format": "SOCKET",
        "connector_power_type": "AC_3_PHASE",
    },
    "currency": "EUR",
    "charging_periods": PERIODS,
    "total_cost": {"excl_vat": 4.0, "incl_vat": 4.4},
    "total_energy": 15.342,
    "total_time": 1.973,
    "total_time_cost": {"excl_vat": 4.0, "incl_vat": 4.4},
    "last_updated": "2026-01-01T10:00:00Z",
}
SESSION = {
    "country_code": "NL",
    "party_id": "CPO",
    "start_date_time": "2026-01-01T08:00:00Z",
    "kwh": 15.342,
    "cdr_token": CDR["cdr_token"],
    "auth_method": "WHITELIST",
    "location_id": "LOC1",
    "evse_uid": "E1",
    "connector_id": "1",
    "currency": "EUR",
    "charging_periods": PERIODS,
    "last_updated": "2026-01-01T10:00:00Z",
}


def _row(module: str, document: dict[str, Any]) -> dict[str, Any]:
    return {
        "module": module,
        "origin": PARTNER,
        "country_code": "NL",
        "party_id": "CPO",
        "object_id": str(document["id"]).upper(),
        "object_type": "",
        "last_updated": STAMP,
        "document": orjson.dumps(document),
        "created_at": STAMP,
    }


async def _seed(db: Database, count: int) -> None:
    location = {"id": "LOC1", "time_zone": "Europe/Amsterdam"}
    async with db.session() as session, session.begin():
        await session.execute(insert(OcpiObject), [_row("tariffs", TARIFF)])
        await session.execute(insert(OcpiObject), [_row("locations", location)])
    for start in range(0, count, 5000):
        rows = []
        for number in range(start, min(count, start + 5000)):
            status = "ACTIVE" if number % 5000 == 4999 else "COMPLETED"
            rows.append(_row("sessions", SESSION | {"id": f"S{number}", "status": status}))
            rows.append(_row("cdrs", CDR | {"id": f"C{number}", "session_id": f"S{number}"}))
        async with db.session() as session, session.begin():
            await session.execute(insert(OcpiObject), rows)
    if db.engine.dialect.name == "postgresql":  # statistics, as autovacuum would gather them
        async with db.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("ANALYZE ocpi_objects"))


async def _best(what: str, call: Callable[[], Awaitable[Any]]) -> Any:
    best, result = float("inf"), None
    for _ in range(5):
        started = time.perf_counter()
        result = await call()
        best = min(best, time.perf_counter() - started)
    print(f"  {what:<28} {best * 1000:8.1f} ms")
    return result


async def _measure(db: Database, count: int) -> None:
    await _seed(db, count)
    print(f"{db.engine.dialect.name}, {count} Sessions ({count // 5000} live), {count} CDRs:")
    live = await _best("live sessions", lambda: session_overview.live_sessions(db))
    page = await _best("CDR list, 50 with audits", lambda: session_overview.cdr_page(db))
    middle = f"C{count // 2}"
    await _best("one CDR", lambda: session_overview.cdr_detail(db, PARTNER, "NL", "CPO", middle))
    if len(live) != count // 5000 or any(row.audit != "ok" for row in page.rows):
        print("  READ-BACK FAILED:", len(live), [row.audit for row in page.rows][:5])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--database", help="an empty database (default: a SQLite file)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = options.database or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        db = Database.connect(url)
        try:
            await upgrade_async(db)
            await _measure(db, options.objects)
        finally:
            await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
