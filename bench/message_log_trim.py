"""How long the node's own writes wait while the message log is trimmed.

    .venv/bin/python bench/message_log_trim.py [--messages 1000000] [--beyond 0.1]

A SQLite store holds ``--messages`` logged messages (300 bytes each), and the size cap is set so
that the oldest ``--beyond`` share of them must go. While ``trim_messages`` runs, a loop submits
an empty job to the database's writer every 5 ms (as an object write would: each job waits for
the write lock): the slowest and the median wait, and how long the trim took. The bare baseline
is the same loop for as long with no trim running; the ratio is the slowest wait during the trim
over the slowest without it. Nothing is asserted: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import median

from _nodes import seed_locations, sqlite_url

from openroam._store import message_log as store
from openroam._store.db import Database

_URL = "/ocpi/2.2.1/sender/locations?limit=50"
_SIZE = 300


def _fill(path: Path, count: int) -> None:
    """``count`` messages, one every millisecond up to now, of ``_SIZE`` bytes each."""
    now = int(time.time() * 1_000_000)
    columns = ", ".join(store.MessageRow._fields)
    marks = ", ".join("?" for _ in store.MessageRow._fields)
    connection = sqlite3.connect(path)
    with connection:
        connection.executemany(
            f"INSERT INTO message_log ({columns}) VALUES ({marks})",
            (_message(now - (count - n) * 1000, n) for n in range(count)),
        )
    connection.close()


def _message(at_micros: int, n: int) -> tuple[object, ...]:
    """A GET page we answered, as ``store.MessageRow`` orders its values."""
    return store.MessageRow(
        at_micros=at_micros,
        direction="in",
        partner_id=None,
        partner_name="emsp",
        module="locations",
        method="GET",
        url=_URL,
        http_status=200,
        ocpi_status=1000,
        duration_ms=5.0,
        request_id=f"request-{n}",
        correlation_id=f"correlation-{n}",
        request_body=None,
        response_body=None,
        request_bytes=0,
        response_bytes=50_000,
        size=_SIZE,
        error=None,
        answer_key=None,
        shared_answer_key=None,
    )


async def _writes_while(db: Database, work: asyncio.Future[object]) -> list[float]:
    """Seconds each writer job waited, one every 5 ms, until ``work`` is done."""
    waits: list[float] = []
    while not work.done():
        started = time.perf_counter()
        await db.writer.submit(lambda connection: None)  # type: ignore[union-attr]
        waits.append(time.perf_counter() - started)
        await asyncio.sleep(0.005)
    return waits


async def _measure(path: Path, cap: int) -> None:
    db = Database.connect(sqlite_url(path))
    try:
        started = time.perf_counter()
        trim = asyncio.ensure_future(
            store.trim_messages(db, before=datetime.now(UTC) - timedelta(days=7), max_bytes=cap)
        )
        during = await _writes_while(db, trim)
        took = time.perf_counter() - started
        deleted = trim.result()
        idle = asyncio.ensure_future(asyncio.sleep(took))
        alone = await _writes_while(db, idle)
    finally:
        await db.dispose()
    print(f"trim: {deleted:,} messages deleted in {took * 1000:,.0f} ms")
    print(f"{'a write waited':<28} {'slowest ms':>10} {'median ms':>10} {'writes':>7}")
    for label, waits in (("while trimming", during), ("bare: no trim", alone)):
        print(
            f"{label:<28} {max(waits) * 1000:>10.1f} {median(waits) * 1000:>10.2f} {len(waits):>7}"
        )
    print(f"  the slowest wait while trimming: {max(during) / max(alone):.1f}x the bare one")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--beyond", type=float, default=0.1, help="share beyond the size cap")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="openroam-bench-") as tmp:
        path = Path(tmp) / "node.db"
        seed_locations(path, 10)
        started = time.perf_counter()
        _fill(path, args.messages)
        print(f"{args.messages:,} messages stored in {time.perf_counter() - started:.1f} s")
        cap = int(args.messages * (1 - args.beyond)) * _SIZE
        asyncio.run(_measure(path, cap))


if __name__ == "__main__":
    main()
