"""The message log's rows (``message_log``, _store/console_tables.py): written in batches,
trimmed by age and size, read by the console.

On a SQLite file the batches go through the database's
:class:`~openroam._store.sqlite_writer.SqliteWriter` (one plain ``sqlite3`` executemany, in the
same transactions as the object writes, so the log never waits on the write lock against
them); elsewhere through SQLAlchemy. Several processes may write and trim the same table: rows
only ever get inserted, and deletes by age or id are the same whoever runs them.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import delete, func, insert, select

from openroam._store.console_tables import MessageLogEntry
from openroam._store.db import Database
from openroam._store.tables import Partner

__all__ = [
    "MessageDetail",
    "MessageFilter",
    "MessageRow",
    "MessageSummary",
    "PartnerKeys",
    "find_messages",
    "get_message",
    "insert_messages",
    "partner_keys",
    "trim_messages",
]


class MessageRow(NamedTuple):
    """One row to insert (the columns of ``message_log`` but ``id``, in order); a tuple, as
    the driver takes it."""

    at: datetime
    direction: str
    partner_id: int | None
    partner_name: str | None
    module: str | None
    method: str
    url: str
    http_status: int | None
    ocpi_status: int | None
    duration_ms: float
    request_id: str | None
    correlation_id: str | None
    request_body: bytes | None
    response_body: bytes | None
    request_bytes: int
    response_bytes: int
    size: int
    error: str | None
    response_shared_with: int | None = None


_COLUMNS = MessageRow._fields
_ROW_MARKS = "(" + ", ".join("?" for _ in _COLUMNS) + ")"

#: Rows per SqliteWriter job, and per INSERT statement: one statement of many rows is one step
#: of SQLite (sqlite3 lets go of the GIL once, not once per row, so the event loop's thread is
#: interrupted once); 18 columns x 500 rows stay below SQLite's 32,766 parameters. A job holds
#: the write lock while it runs, and object writes queue behind it: it is kept to a few MB.
_ROWS_PER_JOB = 500
_BYTES_PER_JOB = 4 * 1024 * 1024


async def insert_messages(db: Database, rows: Sequence[MessageRow]) -> list[int]:
    """Insert ``rows`` (committed on return); their ids, in order."""
    if not rows:
        return []
    writer = db.writer
    if writer is None:
        async with db.session() as session, session.begin():
            result = await session.execute(
                insert(MessageLogEntry).returning(MessageLogEntry.id, sort_by_parameter_order=True),
                [row._asdict() for row in rows],
            )
            return [int(id) for (id,) in result]
    jobs = []
    for chunk in _chunks(rows):
        values: list[object] = []
        for row in chunk:
            # The text SQLAlchemy's DateTime writes on SQLite (tables.UtcDateTime): naive UTC,
            # "2026-01-31 18:00:00.000000" (the first 26 characters of the UTC isoformat).
            values.append(row.at.astimezone(UTC).isoformat(" ", "microseconds")[:26])
            values += row[1:]
        jobs.append(writer.submit(functools.partial(_insert_rows, len(chunk), values)))
    # Submitted together, the jobs go into one transaction of the writer (one commit).
    return [id for ids in await asyncio.gather(*jobs) for id in ids]


@functools.lru_cache(maxsize=8)
def _insert_sql(count: int) -> str:
    return f"INSERT INTO message_log ({', '.join(_COLUMNS)}) VALUES " + ", ".join(
        [_ROW_MARKS] * count
    )


def _insert_rows(count: int, values: list[object], connection: sqlite3.Connection) -> list[int]:
    connection.execute(_insert_sql(count), values)
    # One writer holds the lock for the whole job: the rows got consecutive ids up to the last.
    (last,) = connection.execute("SELECT last_insert_rowid()").fetchone()
    return list(range(last - count + 1, last + 1))


def _chunks(rows: Sequence[MessageRow]) -> list[Sequence[MessageRow]]:
    chunks: list[Sequence[MessageRow]] = []
    start, size = 0, 0
    for index, row in enumerate(rows):
        size += row.size
        if index + 1 - start >= _ROWS_PER_JOB or size >= _BYTES_PER_JOB:
            chunks.append(rows[start : index + 1])
            start, size = index + 1, 0
    if start < len(rows):
        chunks.append(rows[start:])
    return chunks


async def trim_messages(db: Database, *, before: datetime, max_bytes: int) -> int:
    """Delete the rows older than ``before``, then the oldest beyond ``max_bytes`` of ``size``
    in all; the number of rows deleted."""
    entry = MessageLogEntry
    async with db.session() as session, session.begin():
        aged = await session.execute(delete(entry).where(entry.at < before))
        deleted = _count(aged)
        total = (await session.execute(select(func.coalesce(func.sum(entry.size), 0)))).scalar()
        if int(total or 0) <= max_bytes:
            return deleted
        # Newest first, the running total of size: every row from the first one beyond the cap
        # on (that row and all older ones) goes.
        running = select(
            entry.id, func.sum(entry.size).over(order_by=entry.id.desc()).label("total")
        ).subquery()
        newest_beyond = (
            select(running.c.id)
            .where(running.c.total > max_bytes)
            .order_by(running.c.id.desc())
            .limit(1)
        )
        cut = (await session.execute(newest_beyond)).scalar_one_or_none()
        if cut is not None:
            deleted += _count(await session.execute(delete(entry).where(entry.id <= cut)))
    return deleted


def _count(result: object) -> int:
    # A DELETE's CursorResult (the typing of session.execute does not say so).
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True, slots=True)
class PartnerKeys:
    """What tells a message's partner: its name (requests we answered carry it) and the token
    we call it with (requests we sent carry it)."""

    id: int
    name: str
    outgoing_token: str | None


async def partner_keys(db: Database) -> list[PartnerKeys]:
    async with db.session() as session:
        rows = await session.execute(select(Partner.id, Partner.name, Partner.outgoing_token))
        return [PartnerKeys(id, name, token) for id, name, token in rows]


@dataclass(frozen=True, slots=True)
class MessageFilter:
    """What the console's list shows: each field narrows it when set."""

    partner: str | None = None
    direction: str | None = None
    module: str | None = None
    method: str | None = None
    status_class: int | None = None
    """1 to 5: HTTP 1xx to 5xx; 0: no answer."""
    ocpi_status: int | None = None
    message_id: str | None = None
    """An X-Request-ID or X-Correlation-ID."""
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None
    """Paging: only rows older (smaller id) than this one."""


@dataclass(frozen=True, slots=True)
class MessageSummary:
    """A row of the list, without its bodies."""

    id: int
    at: datetime
    direction: str
    partner_id: int | None
    partner_name: str | None
    module: str | None
    method: str
    url: str
    http_status: int | None
    ocpi_status: int | None
    duration_ms: float
    request_id: str | None
    correlation_id: str | None
    request_bytes: int
    response_bytes: int
    error: str | None


@dataclass(frozen=True, slots=True)
class MessageDetail:
    summary: MessageSummary
    request_body: bytes | None
    response_body: bytes | None
    response_shared_with: int | None = None


_SUMMARY = tuple(MessageSummary.__slots__)


async def find_messages(db: Database, where: MessageFilter, limit: int) -> list[MessageSummary]:
    """The newest ``limit`` rows that ``where`` lets through, newest first."""
    table = MessageLogEntry.__table__
    query = select(*(table.c[name] for name in _SUMMARY)).order_by(table.c.id.desc()).limit(limit)
    if where.partner:
        query = query.where(table.c.partner_name == where.partner)
    if where.direction:
        query = query.where(table.c.direction == where.direction)
    if where.module:
        query = query.where(table.c.module == where.module)
    if where.method:
        query = query.where(table.c.method == where.method)
    if where.status_class == 0:
        query = query.where(table.c.http_status.is_(None))
    elif where.status_class is not None:
        low = where.status_class * 100
        query = query.where(table.c.http_status >= low, table.c.http_status < low + 100)
    if where.ocpi_status is not None:
        query = query.where(table.c.ocpi_status == where.ocpi_status)
    if where.message_id:
        query = query.where(
            (table.c.request_id == where.message_id) | (table.c.correlation_id == where.message_id)
        )
    if where.since is not None:
        query = query.where(table.c.at >= where.since)
    if where.until is not None:
        query = query.where(table.c.at < where.until)
    if where.before_id is not None:
        query = query.where(table.c.id < where.before_id)
    async with db.session() as session:
        rows = await session.execute(query)
        return [MessageSummary(*row) for row in rows]


async def get_message(db: Database, message_id: int) -> MessageDetail | None:
    table = MessageLogEntry.__table__
    query = select(
        *(table.c[name] for name in _SUMMARY),
        table.c.request_body,
        table.c.response_body,
        table.c.response_shared_with,
    ).where(table.c.id == message_id)
    async with db.session() as session:
        row = (await session.execute(query)).one_or_none()
    if row is None:
        return None
    *summary, request_body, response_body, shared_with = row
    return MessageDetail(MessageSummary(*summary), request_body, response_body, shared_with)
