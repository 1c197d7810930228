"""EVSE status history (``evse_status_changes``): which EVSE statuses a Location write changes,
recording them in the write's transaction, and reading them back for the console.

A change is an EVSE whose ``status`` (mod_locations "EVSE Object") differs from the one stored
before the write, or an EVSE stored for the first time (``previous`` None). A write that leaves
every status as it was records nothing. EVSEs are matched by ``uid``, folded as every OCPI id
(types.asciidoc "CiString"); the ids of a row are stored folded, as in ``ocpi_objects``.

The writers call :func:`statuses_of` / :func:`changes` while they hold the object's write lock
(the hot path compares only the addressed EVSE), and :func:`record_changes` (SQLAlchemy) or
:func:`record_plain` (the SQLite writer's connection) in the same transaction as the object.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, cast

import orjson
from sqlalchemy import Table, bindparam, func, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._store.console_tables import EvseStatusChange
from openroam._store.object_sql import sqlite_date
from openroam._store.objects import OcpiObject
from openroam._store.plain_sql import plain_statement
from openroam._store.tables import utcnow
from openroam.models.common import fold_id, parse_datetime

__all__ = [
    "INSERT_CHANGE",
    "PLAIN_INSERT_CHANGE",
    "EvseStatus",
    "StatusChange",
    "StatusChangeRecord",
    "change_rows",
    "change_values",
    "changes",
    "history",
    "pulled_changes",
    "record_changes",
    "record_plain",
    "sqlite_now",
    "statuses_of",
    "statuses_of_document",
    "stored_versions",
    "stored_versions_plain",
]

T = cast(Table, EvseStatusChange.__table__)
OBJECTS = cast(Table, OcpiObject.__table__)
_IDENTITY = tuple_(
    OBJECTS.c.country_code, OBJECTS.c.party_id, OBJECTS.c.object_id, OBJECTS.c.object_type
)


class EvseStatus(NamedTuple):
    """An EVSE's status as a write brings it (a pulled Location's EVSEs, from its model)."""

    uid: str
    status: str
    last_updated: datetime | None


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One EVSE of the written Location whose status changed."""

    evse_uid: str
    status: str
    previous: str | None
    #: the EVSE's ``last_updated`` with the new status (the sender's clock)
    last_updated: datetime


@dataclass(frozen=True, slots=True)
class StatusChangeRecord:
    """A stored change, as the console shows it."""

    id: int
    evse_uid: str
    status: str
    previous: str | None
    last_updated: datetime
    recorded_at: datetime


def statuses_of(evses: Any) -> dict[str, str]:
    """The statuses of ``evses`` (a document's ``evses`` list) by folded uid."""
    found: dict[str, str] = {}
    for evse in evses or ():
        if isinstance(evse, Mapping):
            uid, status = evse.get("uid"), evse.get("status")
            if isinstance(uid, str) and isinstance(status, str):
                found[fold_id(uid)] = status
    return found


def changes(before: Mapping[str, str], evses: Any, fallback: datetime) -> tuple[StatusChange, ...]:
    """The EVSEs of ``evses`` (the written document's) whose status is not the one in
    ``before`` (:func:`statuses_of` of the stored document); ``fallback``: the time of an EVSE
    without its own ``last_updated`` (the Location's)."""
    found = []
    for evse in evses or ():
        if not isinstance(evse, Mapping):
            continue
        uid, status = evse.get("uid"), evse.get("status")
        if not isinstance(uid, str) or not isinstance(status, str):
            continue
        key = fold_id(uid)
        previous = before.get(key)
        if previous != status:
            stamp = evse.get("last_updated")
            when = parse_datetime(stamp) if isinstance(stamp, str) else fallback
            found.append(StatusChange(key, status, previous, when))
    return tuple(found)


def pulled_changes(
    before: Mapping[str, str], evses: Iterable[EvseStatus], fallback: datetime
) -> tuple[StatusChange, ...]:
    """:func:`changes` for EVSEs given as :class:`EvseStatus` (a pulled page)."""
    return tuple(
        StatusChange(key, evse.status, before.get(key), evse.last_updated or fallback)
        for evse in evses
        if before.get(key := fold_id(evse.uid)) != evse.status
    )


def change_rows(
    origin: int, country_code: str, party_id: str, location_id: str, found: Iterable[StatusChange]
) -> list[dict[str, Any]]:
    """The values of :data:`INSERT_CHANGE` for ``found``, changes of one Location."""
    now = utcnow()
    owner = (origin, fold_id(country_code), fold_id(party_id), fold_id(location_id))
    return [
        {
            "b_origin": owner[0],
            "b_country_code": owner[1],
            "b_party_id": owner[2],
            "b_location_id": owner[3],
            "b_evse_uid": change.evse_uid,
            "b_status": change.status,
            "b_previous": change.previous,
            "b_last_updated": change.last_updated,
            "b_recorded_at": now,
        }
        for change in found
    ]


#: The columns a change is inserted with, in the order :func:`change_values` binds them.
_CHANGE_COLUMNS = (
    "origin",
    "country_code",
    "party_id",
    "location_id",
    "evse_uid",
    "status",
    "previous",
    "last_updated",
    "recorded_at",
)
#: One change, its values named ``b_<column>`` (:func:`change_rows`).
INSERT_CHANGE = insert(T).values({name: bindparam(f"b_{name}") for name in _CHANGE_COLUMNS})


async def record_changes(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Store the changes of :func:`change_rows` in the session's transaction."""
    if rows:
        await session.execute(INSERT_CHANGE, list(rows))


PLAIN_INSERT_CHANGE = plain_statement(INSERT_CHANGE)
# change_values binds by position, in this order, with the date columns as SQLite text.
assert PLAIN_INSERT_CHANGE.names == tuple(f"b_{name}" for name in _CHANGE_COLUMNS), (
    PLAIN_INSERT_CHANGE.names
)


def change_values(
    origin: int,
    country_code: str,
    party_id: str,
    location_id: str,
    found: Iterable[StatusChange],
    recorded_at: str,
) -> list[tuple[Any, ...]]:
    """The values of :data:`INSERT_CHANGE` for ``found`` by position, for a plain ``sqlite3``
    connection (the dates as SQLite text; ``recorded_at`` already is): no dict per row, no
    bind processors — the EVSE status PATCH hot path and pulled pages bind these."""
    owner = (origin, fold_id(country_code), fold_id(party_id), fold_id(location_id))
    return [
        (
            *owner,
            change.evse_uid,
            change.status,
            change.previous,
            sqlite_date(change.last_updated),
            recorded_at,
        )
        for change in found
    ]


def sqlite_now() -> str:
    """Now, as :func:`change_values` wants ``recorded_at``."""
    return str(sqlite_date(utcnow()))


def record_plain(connection: sqlite3.Connection, values: Sequence[tuple[Any, ...]]) -> None:
    """Store the changes of :func:`change_values` on the SQLite writer's connection (in its
    transaction), one statement each (a PATCH changes one EVSE)."""
    for row in values:
        connection.execute(PLAIN_INSERT_CHANGE.text, row)


#: A pulled object's identity, folded as stored: country_code, party_id, object_id, object_type.
Identity = tuple[str, str, str, str]


def statuses_of_document(document: bytes) -> dict[str, str]:
    """:func:`statuses_of` a stored document's EVSEs."""
    parsed = orjson.loads(document)
    return statuses_of(parsed.get("evses")) if isinstance(parsed, dict) else {}


def stored_versions_plain(
    connection: sqlite3.Connection, module: str, origin: int, identities: Sequence[Identity]
) -> dict[Identity, tuple[str, bytes]]:
    """The stored ``last_updated`` (as SQLite holds it: text) and document of the objects of
    ``identities`` that exist, on the SQLite writer's connection. One statement per chunk:
    the identities as a VALUES list joined to the identity index (a row-value ``IN`` would
    scan the module's objects)."""
    found: dict[Identity, tuple[str, bytes]] = {}
    chunk = max(1, connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // 4 - 1)
    for start in range(0, len(identities), chunk):
        part = identities[start : start + chunk]
        values = ", ".join(["(?, ?, ?, ?)"] * len(part))
        rows = connection.execute(
            f"SELECT o.country_code, o.party_id, o.object_id, o.object_type, o.last_updated, "
            f"o.document FROM (VALUES {values}) AS v JOIN ocpi_objects AS o ON o.module = ? "
            "AND o.origin = ? AND o.country_code = v.column1 AND o.party_id = v.column2 "
            "AND o.object_id = v.column3 AND o.object_type = v.column4",
            [*(value for identity in part for value in identity), module, origin],
        )
        for cc, pid, oid, otype, last_updated, document in rows:
            found[cc, pid, oid, otype] = (last_updated, document)
    return found


async def stored_versions(
    session: AsyncSession, module: str, origin: int, identities: Sequence[Identity]
) -> dict[Identity, tuple[datetime, bytes]]:
    """:func:`stored_versions_plain` in a session's transaction, the rows locked (PostgreSQL:
    ``FOR UPDATE``, so the write that follows replaces what was read)."""
    found: dict[Identity, tuple[datetime, bytes]] = {}
    for start in range(0, len(identities), 500):
        part = identities[start : start + 500]
        rows = await session.execute(
            select(
                OBJECTS.c.country_code,
                OBJECTS.c.party_id,
                OBJECTS.c.object_id,
                OBJECTS.c.object_type,
                OBJECTS.c.last_updated,
                OBJECTS.c.document,
            )
            .where(
                OBJECTS.c.module == module,
                OBJECTS.c.origin == origin,
                _IDENTITY.in_(part),
            )
            .with_for_update()
        )
        for cc, pid, oid, otype, last_updated, document in rows:
            found[cc, pid, oid, otype] = (last_updated, document)
    return found


async def history(
    session: AsyncSession,
    origin: int,
    country_code: str,
    party_id: str,
    location_id: str,
    *,
    per_evse: int,
) -> dict[str, list[StatusChangeRecord]]:
    """The newest ``per_evse`` changes of each EVSE of a Location, newest first, by folded uid."""
    key = (fold_id(country_code), fold_id(party_id), fold_id(location_id))
    # A window over the Location's rows, served by the (origin, owner, location, evse, id)
    # index: the newest rows of every EVSE without reading all of a long history.
    rank = (
        select(
            T.c.id,
            T.c.evse_uid,
            T.c.status,
            T.c.previous,
            T.c.last_updated,
            T.c.recorded_at,
        )
        .add_columns(
            func.row_number().over(partition_by=T.c.evse_uid, order_by=T.c.id.desc()).label("n")
        )
        .where(
            T.c.origin == origin,
            T.c.country_code == key[0],
            T.c.party_id == key[1],
            T.c.location_id == key[2],
        )
        .subquery()
    )
    rows = await session.execute(
        select(rank).where(rank.c.n <= per_evse).order_by(rank.c.evse_uid, rank.c.id.desc())
    )
    found: dict[str, list[StatusChangeRecord]] = {}
    for row in rows:
        found.setdefault(row.evse_uid, []).append(
            StatusChangeRecord(
                row.id, row.evse_uid, row.status, row.previous, row.last_updated, row.recorded_at
            )
        )
    return found
