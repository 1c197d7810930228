"""Writing a batch of received objects in one statement, keeping only what is newer.

A pull (_delivery/pull.py) stores a partner's objects a page at a time. Per object a read, a lock
and a write would cost three round trips to the database; here a page is one
``INSERT … ON CONFLICT DO UPDATE … WHERE stored.last_updated < incoming.last_updated``
(SQLite and PostgreSQL alike), run as an executemany. The stale protection of the Receiver
interface holds inside the statement: an object that is not newer than the stored one leaves
the stored row as it is (transport_and_format.asciidoc "Client Owned Object Push": a late or
repeated message never overwrites newer data).

:func:`write_newer_objects` commits such a batch by itself. On a SQLite file it is a job of the
database's :class:`~openroam._store.sqlite_writer.SqliteWriter`: the statement's compiled text with
many value rows, run by ``sqlite3`` on the writer's thread, which costs less than half of
SQLAlchemy's execution of it (a pull of 100,000 Locations spent about 5 s there).

Objects that carry their EVSEs' statuses (``NewObject.evses``: Locations) also record, in the
same transaction, each EVSE status the batch changes (:mod:`openroam._store.evse_history`): the
stored versions are read first (one statement per chunk; locked on PostgreSQL) and only an object
the statement replaces or inserts (newer than the stored one, or new) counts.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._store import evse_history
from openroam._store.db import Database
from openroam._store.object_sql import IDENTITY_NAMES, T, sqlite_date
from openroam._store.plain_sql import plain_statement
from openroam._store.tables import utcnow
from openroam.models.common import fold_id

__all__ = ["NewObject", "put_newer_objects", "write_newer_objects"]


@dataclass(frozen=True, slots=True)
class NewObject:
    """One received object: its owner and ids as sent, its ``last_updated``, its document."""

    country_code: str
    party_id: str
    object_id: str
    object_type: str
    last_updated: datetime
    document: bytes
    #: the party a Session or CDR concerns (``object_repo.counterparty_key``), None otherwise
    counterparty: str | None = None
    #: a Token's ``contract_id`` as sent (stored folded), None for other modules
    contract_id: str | None = None
    #: a Location's EVSEs and their statuses (their changes are recorded), None otherwise
    evses: tuple[evse_history.EvseStatus, ...] | None = None


def _upsert_newer(insert: Any, conflict: dict[str, Any]) -> Any:
    incoming = insert.excluded
    return insert.on_conflict_do_update(
        **conflict,
        set_={
            "last_updated": incoming.last_updated,
            "document": incoming.document,
            "counterparty": incoming.counterparty,
            "contract_id": incoming.contract_id,
        },
        where=T.c.last_updated < incoming.last_updated,
    )


_PG_CONFLICT: dict[str, Any] = {"constraint": "uq_ocpi_objects_identity"}
_SQLITE_CONFLICT: dict[str, Any] = {"index_elements": list(IDENTITY_NAMES)}
#: (dialect, replace) → the statement; RETURNING yields a row for each insert or update
_STATEMENTS = {
    ("postgresql", True): _upsert_newer(postgresql.insert(T), _PG_CONFLICT).returning(T.c.pk),
    ("sqlite", True): _upsert_newer(sqlite.insert(T), _SQLITE_CONFLICT).returning(T.c.pk),
    ("postgresql", False): postgresql.insert(T)
    .on_conflict_do_nothing(**_PG_CONFLICT)
    .returning(T.c.pk),
    ("sqlite", False): sqlite.insert(T)
    .on_conflict_do_nothing(**_SQLITE_CONFLICT)
    .returning(T.c.pk),
}

_ROW_NAMES = (
    *IDENTITY_NAMES,
    "last_updated",
    "document",
    "counterparty",
    "contract_id",
    "created_at",
)
_BOUND_INSERT = sqlite.insert(T).values({name: bindparam(f"b_{name}") for name in _ROW_NAMES})
#: replace → the statement for the SqliteWriter (no RETURNING: sqlite3 counts changed rows)
_PLAIN_STATEMENTS = {
    True: _upsert_newer(_BOUND_INSERT, _SQLITE_CONFLICT),
    False: _BOUND_INSERT.on_conflict_do_nothing(**_SQLITE_CONFLICT),
}


def _newest_per_identity(
    module: str, origin: int, objects: Sequence[NewObject]
) -> list[tuple[NewObject, dict[str, Any]]]:
    """Each object with its row's values, once per identity."""
    # One statement cannot change a row twice (PostgreSQL refuses it): an object sent twice in
    # one batch is written once, in its newest version (the first of equals, as in a sequence
    # of single writes, where an equal timestamp does not replace).
    now = utcnow()
    rows: dict[tuple[str, str, str, str], tuple[NewObject, dict[str, Any]]] = {}
    for item in objects:
        identity = (
            fold_id(item.country_code),
            fold_id(item.party_id),
            fold_id(item.object_id),
            fold_id(item.object_type),
        )
        known = rows.get(identity)
        if known is not None and known[1]["last_updated"] >= item.last_updated:
            continue
        rows[identity] = (
            item,
            {
                "module": module,
                "origin": origin,
                "country_code": identity[0],
                "party_id": identity[1],
                "object_id": identity[2],
                "object_type": identity[3],
                "last_updated": item.last_updated,
                "document": item.document,
                "counterparty": item.counterparty,
                "contract_id": None if item.contract_id is None else fold_id(item.contract_id),
                "created_at": now,
            },
        )
    return list(rows.values())


def _identity(row: dict[str, Any]) -> evse_history.Identity:
    return (row["country_code"], row["party_id"], row["object_id"], row["object_type"])


def _tracked(rows: Sequence[tuple[NewObject, dict[str, Any]]]) -> bool:
    """Whether the batch's EVSE status changes are recorded (Locations)."""
    return any(item.evses is not None for item, _ in rows)


def _status_changes(
    rows: Sequence[tuple[NewObject, dict[str, Any]]],
    stored: dict[evse_history.Identity, tuple[Any, bytes]],
    newer: Callable[[Any, datetime], bool],
) -> list[tuple[NewObject, tuple[evse_history.StatusChange, ...]]]:
    """The EVSE status changes of the objects the batch statement writes: new ones, and those
    whose stored ``last_updated`` is older (``newer(stored, incoming)``, as its WHERE)."""
    found = []
    for item, row in rows:
        if item.evses is None:
            continue
        before = stored.get(_identity(row))
        if before is not None and not newer(before[0], item.last_updated):
            continue
        # Only a replaced object's stored document is parsed (not an unchanged one's).
        statuses = evse_history.statuses_of_document(before[1]) if before is not None else {}
        changes = evse_history.pulled_changes(statuses, item.evses, item.last_updated)
        if changes:
            found.append((item, changes))
    return found


async def put_newer_objects(
    session: AsyncSession,
    module: str,
    origin: int,
    objects: Sequence[NewObject],
    *,
    replace: bool = True,
) -> int:
    """Insert the objects that are not stored, replace those whose stored ``last_updated`` is
    older, leave the others; how many were written. Ids are matched case-insensitively and
    a replaced object keeps its ``pk`` (its place in list order). With ``replace`` false a
    stored object is never replaced (a CDR never changes, mod_cdrs "Flow and Lifecycle")."""
    pairs = _newest_per_identity(module, origin, objects)
    if not pairs:
        return 0
    changes: list[dict[str, Any]] = []
    if replace and _tracked(pairs):
        stored = await evse_history.stored_versions(
            session, module, origin, [_identity(row) for _, row in pairs]
        )
        for item, found in _status_changes(pairs, stored, lambda old, new: old < new):
            changes += evse_history.change_rows(
                origin, item.country_code, item.party_id, item.object_id, found
            )
    dialect = "postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"
    stmt = _STATEMENTS[dialect, replace]
    # RETURNING yields a row for each insert or update, none for an object left as it was.
    written = len((await session.execute(stmt, [row for _, row in pairs])).all())
    await evse_history.record_changes(session, changes)
    return written


async def write_newer_objects(
    db: Database,
    module: str,
    origin: int,
    objects: Sequence[NewObject],
    *,
    replace: bool = True,
) -> int:
    """:func:`put_newer_objects` in a transaction of its own, committed when this returns."""
    if db.writer is None:
        async with db.session() as session, session.begin():
            return await put_newer_objects(session, module, origin, objects, replace=replace)
    plain = plain_statement(_PLAIN_STATEMENTS[replace])
    pairs = _newest_per_identity(module, origin, objects)
    rows = [
        plain.parameters({f"b_{name}": value for name, value in row.items()}) for _, row in pairs
    ]
    tracked = replace and _tracked(pairs)

    def write(connection: sqlite3.Connection) -> int:
        changes: list[tuple[Any, ...]] = []
        if tracked:
            stored = evse_history.stored_versions_plain(
                connection, module, origin, [_identity(row) for _, row in pairs]
            )
            # SQLite compares the stored text with the bound text: so does this.
            now = evse_history.sqlite_now()
            for item, found in _status_changes(
                pairs, stored, lambda old, new: bool(old < sqlite_date(new))
            ):
                changes += evse_history.change_values(
                    origin, item.country_code, item.party_id, item.object_id, found, now
                )
        # Many rows per statement, not an executemany: sqlite3 lets go of the GIL around every
        # step of a statement, and taking it back waits for the event loop's thread, which
        # holds it for milliseconds while it validates the next page. One statement per
        # chunk is one such wait, where an executemany of a page was a hundred.
        variables = connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        chunk = max(1, min(_MAX_ROWS_PER_STATEMENT, variables // len(plain.names)))
        written = 0
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            text = _multi_row_text(plain.text, len(plain.names), len(part))
            # The changes of the statement: an insert or an update counts one, an object left
            # as it was (the WHERE of DO UPDATE false, or DO NOTHING) none.
            written += connection.execute(text, [value for row in part for value in row]).rowcount
        _insert_changes(connection, changes)
        return written

    return await db.writer.submit(write) if rows else 0


#: Rows per INSERT on the SQLite writer (also bounded by the connection's variable limit).
_MAX_ROWS_PER_STATEMENT = 200


def _insert_changes(connection: sqlite3.Connection, changes: Sequence[tuple[Any, ...]]) -> None:
    """The EVSE status changes of a batch, many rows per statement (as the objects)."""
    if not changes:
        return
    single_row = evse_history.PLAIN_INSERT_CHANGE.text
    width = len(evse_history.PLAIN_INSERT_CHANGE.names)
    variables = connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    chunk = max(1, min(_MAX_ROWS_PER_STATEMENT, variables // width))
    for start in range(0, len(changes), chunk):
        part = changes[start : start + chunk]
        text = _multi_row_text(single_row, width, len(part))
        connection.execute(text, [value for row in part for value in row])


@functools.cache
def _multi_row_text(single_row: str, columns: int, rows: int) -> str:
    """``single_row`` (``INSERT … VALUES (?, …) ON CONFLICT …``) with ``rows`` value rows.
    SQLite applies the conflict clause to each row in turn, as in separate statements."""
    values = "VALUES (" + ", ".join("?" * columns) + ")"
    assert values in single_row, single_row
    row = values.removeprefix("VALUES ")
    return single_row.replace(values, "VALUES " + ", ".join([row] * rows), 1)
