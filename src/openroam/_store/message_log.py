"""The message log's rows (``message_log``, _store/console_tables.py): written in batches,
trimmed by age and size, read by the console.

On a SQLite file the batches go through the database's
:class:`~openroam._store.sqlite_writer.SqliteWriter` (plain ``sqlite3``, many rows per
statement, in the same transactions as the object writes, so the log never waits on the write
lock against them); elsewhere through SQLAlchemy. Several processes may write and trim the same
table: rows only ever get inserted, and deletes by age or id are the same whoever runs them.

A row arrives as a plain tuple in :class:`MessageRow`'s order, made when the message was
captured, and is written as it is (no work per row in Python on SQLite): this keeps the log's
cost on a busy node to a few percent (docs/console.md "Message log").
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate, chain
from operator import itemgetter
from typing import Any, Literal, NamedTuple

from sqlalchemy import delete, func, insert, select

from openroam._store.console_tables import MessageLogEntry
from openroam._store.db import Database
from openroam._store.tables import Partner

__all__ = [
    "MessageDetail",
    "MessageFilter",
    "MessageRow",
    "MessageSummary",
    "MessagesLost",
    "PartnerKeys",
    "SharedAnswer",
    "find_messages",
    "get_message",
    "insert_messages",
    "partner_keys",
    "shared_answer",
    "trim_messages",
]


class MessageRow(NamedTuple):
    """The values of one row to insert, in order: the columns of ``message_log`` but ``id``.
    The rows given to
    :func:`insert_messages` are plain tuples of these (the garbage collector stops tracking a
    tuple of plain values: thousands wait in the log's buffer); this class names the places."""

    at_micros: int
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
    answer_key: int | None
    shared_answer_key: int | None


_COLUMNS = MessageRow._fields
_WIDTH = len(_COLUMNS)
_PARTNER_ID = MessageRow._fields.index("partner_id")
_size_of = itemgetter(MessageRow._fields.index("size"))

#: Rows per SqliteWriter job, and per INSERT statement: one statement of many rows is one step
#: of SQLite (sqlite3 lets go of the GIL once, not once per row, so the event loop's thread is
#: interrupted once); 20 columns x 500 rows stay below SQLite's 32,766 parameters. A job holds
#: the write lock while it runs, and object writes queue behind it: it is kept to a few MB.
_ROWS_PER_JOB = 500
_BYTES_PER_JOB = 4 * 1024 * 1024

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(moment: datetime) -> int:
    """``moment`` (aware) as whole microseconds since the epoch: how ``message_log`` keeps time."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _moment(at_micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=at_micros)


class MessagesLost(Exception):
    """Some rows given to :func:`insert_messages` could not be written (the others were)."""

    def __init__(self, lost: int, cause: BaseException) -> None:
        super().__init__(f"{lost} message log rows not written: {cause!r}")
        self.lost = lost
        self.cause = cause


async def insert_messages(db: Database, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (:class:`MessageRow`'s values; committed on return).

    A row whose partner was deleted since it was captured (its ``partner_id`` refers to no
    partner any more) keeps the partner's name, without the id. Raises :class:`MessagesLost`
    when some rows could not be written."""
    if not rows:
        return
    writer = db.writer
    if writer is None:
        await _insert_with_sqlalchemy(db, rows)
        return
    chunks = _chunks(rows)
    # Submitted together, the jobs go into one transaction of the writer (one commit); each is
    # a savepoint of its own.
    outcomes = await asyncio.gather(
        *(
            writer.submit(
                functools.partial(_insert_rows, len(chunk), list(chain.from_iterable(chunk)))
            )
            for chunk in chunks
        ),
        return_exceptions=True,
    )
    failed = [
        (len(chunk), outcome)
        for chunk, outcome in zip(chunks, outcomes, strict=True)
        if isinstance(outcome, BaseException)
    ]
    if failed:
        raise MessagesLost(sum(count for count, _ in failed), failed[0][1])


_ROW_MARKS = "(" + ", ".join("?" for _ in _COLUMNS) + ")"


@functools.lru_cache(maxsize=8)
def _insert_sql(count: int) -> str:
    return f"INSERT INTO message_log ({', '.join(_COLUMNS)}) VALUES " + ", ".join(
        [_ROW_MARKS] * count
    )


def _insert_rows(count: int, values: list[object], connection: sqlite3.Connection) -> None:
    try:
        connection.execute(_insert_sql(count), values)
    except sqlite3.IntegrityError:
        # A partner deleted since its message was captured (the foreign key refuses its id).
        known = {id for (id,) in connection.execute("SELECT id FROM partners")}
        values[_PARTNER_ID::_WIDTH] = [
            id if id in known else None for id in values[_PARTNER_ID::_WIDTH]
        ]
        connection.execute(_insert_sql(count), values)


def _chunks(rows: Sequence[tuple[Any, ...]]) -> list[Sequence[tuple[Any, ...]]]:
    """``rows`` in runs of at most :data:`_ROWS_PER_JOB` rows and :data:`_BYTES_PER_JOB`
    bytes of bodies (or one row, when it alone has more)."""
    # The running total of the rows' body bytes: each run's end found by bisection, no loop
    # over the rows in Python.
    ends = list(accumulate(map(_size_of, rows)))
    chunks: list[Sequence[tuple[Any, ...]]] = []
    start = 0
    while start < len(rows):
        spent = ends[start - 1] if start else 0
        end = max(start + 1, bisect_right(ends, spent + _BYTES_PER_JOB, lo=start))
        end = min(end, start + _ROWS_PER_JOB)
        chunks.append(rows[start:end])
        start = end
    return chunks


async def _insert_with_sqlalchemy(db: Database, rows: Sequence[tuple[Any, ...]]) -> None:
    values = [dict(zip(_COLUMNS, row, strict=True)) for row in rows]
    try:
        async with db.session() as session, session.begin():
            await session.execute(insert(MessageLogEntry), values)
    except Exception:
        # A partner deleted since its message was captured: once more with the ids that are.
        async with db.session() as session, session.begin():
            known = set((await session.execute(select(Partner.id))).scalars())
            for value in values:
                if value["partner_id"] not in known:
                    value["partner_id"] = None
            try:
                await session.execute(insert(MessageLogEntry), values)
            except Exception as error:
                raise MessagesLost(len(values), error) from error


async def trim_messages(db: Database, *, before: datetime, max_bytes: int) -> int:
    """Delete the rows older than ``before``, then the oldest beyond ``max_bytes`` of ``size``
    in all; the number of rows deleted.

    The size is summed over the whole table, so it is read outside any write transaction, and
    rows are deleted :data:`_TRIM_STEP` at a time, oldest first, a transaction each: on SQLite
    the write lock is never held for a scan or a long delete, so the object writes queued behind
    it wait a few milliseconds, not seconds. What the scan finds is the id the cap falls at:
    deleting up to it is right whoever else trims meanwhile (the rows after it are the newest
    that fit, and more rows only come after them)."""
    entry = MessageLogEntry
    deleted = await _delete_in_steps(db, "at_micros", micros(before))
    async with db.session() as session:
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
        deleted += await _delete_in_steps(db, "id", cut + 1)
    return deleted


#: Rows deleted per transaction when trimming (tens of milliseconds of the write lock).
_TRIM_STEP = 5_000


async def _delete_in_steps(db: Database, column: Literal["at_micros", "id"], below: int) -> int:
    """Delete the rows whose ``column`` (indexed: no step scans the table) is below ``below``,
    lowest first, :data:`_TRIM_STEP` per transaction; how many.

    On a SQLite file each step is a job of the database's writer, queued with the object
    writes: between two steps they go first. (From a connection of its own, the steps would
    take the write lock again and again while the writer's busy handler sleeps longer each
    time: the object writes would wait for the whole trim after all.)"""
    entry = MessageLogEntry
    order = entry.at_micros if column == "at_micros" else entry.id
    oldest = select(entry.id).where(order < below).order_by(order).limit(_TRIM_STEP)
    statement = delete(entry).where(entry.id.in_(oldest))
    sql = (
        f"DELETE FROM message_log WHERE id IN (SELECT id FROM message_log WHERE {column} < ? "
        f"ORDER BY {column} LIMIT {_TRIM_STEP})"
    )
    deleted = 0
    while True:
        if db.writer is not None:
            step = await db.writer.submit(
                lambda connection: int(connection.execute(sql, (below,)).rowcount)
            )
        else:
            async with db.session() as session, session.begin():
                step = _count(await session.execute(statement))
        deleted += step
        if step < _TRIM_STEP:
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
    """A row with its bodies as stored; ``shared_answer_key``: the ``answer_key`` of the
    message whose stored answer this one's started with (``response_body`` is then None)."""

    summary: MessageSummary
    request_body: bytes | None
    response_body: bytes | None
    shared_answer_key: int | None = None


@dataclass(frozen=True, slots=True)
class SharedAnswer:
    """The message that stores an answer others refer to, and that answer as stored."""

    message_id: int
    response_body: bytes | None


def _summary_columns() -> list[Any]:
    table = MessageLogEntry.__table__
    # ``at`` is kept as microseconds (column ``at_micros``).
    return [table.c.at_micros if name == "at" else table.c[name] for name in _SUMMARY]


def _summary(values: Sequence[Any]) -> MessageSummary:
    id, at_micros, *rest = values
    return MessageSummary(id, _moment(at_micros), *rest)


_SUMMARY = tuple(MessageSummary.__slots__)


async def find_messages(db: Database, where: MessageFilter, limit: int) -> list[MessageSummary]:
    """The newest ``limit`` rows that ``where`` lets through, newest first."""
    table = MessageLogEntry.__table__
    query = select(*_summary_columns()).order_by(table.c.id.desc()).limit(limit)
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
        query = query.where(table.c.at_micros >= micros(where.since))
    if where.until is not None:
        query = query.where(table.c.at_micros < micros(where.until))
    if where.before_id is not None:
        query = query.where(table.c.id < where.before_id)
    async with db.session() as session:
        rows = await session.execute(query)
        return [_summary(row) for row in rows]


async def get_message(db: Database, message_id: int) -> MessageDetail | None:
    table = MessageLogEntry.__table__
    query = select(
        *_summary_columns(),
        table.c.request_body,
        table.c.response_body,
        table.c.shared_answer_key,
    ).where(table.c.id == message_id)
    async with db.session() as session:
        row = (await session.execute(query)).one_or_none()
    if row is None:
        return None
    *summary, request_body, response_body, shared_key = row
    return MessageDetail(_summary(summary), request_body, response_body, shared_key)


async def shared_answer(db: Database, answer_key: int) -> SharedAnswer | None:
    """The message whose answer is stored under ``answer_key``; None when it is no longer kept."""
    table = MessageLogEntry.__table__
    query = (
        select(table.c.id, table.c.response_body)
        .where(table.c.answer_key == answer_key)
        .order_by(table.c.id)
        .limit(1)
    )
    async with db.session() as session:
        row = (await session.execute(query)).one_or_none()
    return None if row is None else SharedAnswer(row[0], row[1])
