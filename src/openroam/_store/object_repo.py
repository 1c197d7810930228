"""Reading and writing roaming objects as stored JSON documents (docs/architecture.md "One table
for every object").

Objects are identified by ``(module, origin, country_code, party_id, object_id, object_type)``;
the four id parts are folded here (types.asciidoc "CiString": case-insensitive), so callers pass
ids as they got them. Documents go in and come out as ``bytes`` of UTF-8 JSON, exactly what a
GET returns; validation happens before :func:`put_object`, never on the way out.

Lists are ordered by ``pk`` (creation order), which is stable while objects change, and are
paged either by ``offset`` or by keyset (``after_pk``): a keyset page costs the same at page
2,000 as at page 1 (transport_and_format.asciidoc "Pagination").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._store import object_sql as sql
from openroam._store.db import Database, SqliteReader
from openroam._store.tables import utcnow
from openroam.models.common import fold_id

__all__ = [
    "OWN",
    "Counterparties",
    "DocumentPage",
    "Excluding",
    "StoredObject",
    "count_by_module",
    "count_objects",
    "counterparty_key",
    "delete_object",
    "fetch_page",
    "find_by_id",
    "get_object",
    "get_object_by_pk",
    "list_documents",
    "list_objects",
    "put_object",
    "read_page",
]

OWN = 0
"""The ``origin`` of our own objects; received objects carry the partner's id."""


@dataclass(frozen=True, slots=True)
class StoredObject:
    """One stored object; the id parts are the folded keys, the document holds their spelling."""

    pk: int
    module: str
    origin: int
    country_code: str
    party_id: str
    object_id: str
    object_type: str
    last_updated: datetime
    document: bytes
    #: the party a Session or CDR concerns (:func:`counterparty_key`), None for other modules
    counterparty: str | None = None


def _stored(row: Any) -> StoredObject:
    """A row of ``object_sql.COLUMNS`` as a record."""
    return StoredObject(*row)


@dataclass(frozen=True, slots=True)
class Excluding:
    """A counterparty filter that keeps every object except those concerning ``keys``
    (:func:`counterparty_key` values): a Hub reads the Sessions and CDRs of every party but
    those another partner holds."""

    keys: tuple[str, ...]


#: A counterparty filter: only these keys, all but these keys (:class:`Excluding`), or none.
Counterparties = Sequence[str] | Excluding | None


def counterparty_key(country_code: str, party_id: str) -> str:
    """The stored key of a party an object concerns: ``"CC/PID"``, folded (CiString)."""
    return f"{fold_id(country_code)}/{fold_id(party_id)}"


@dataclass(frozen=True, slots=True)
class DocumentPage:
    """One page of documents, the pk of its last one, and whether more match after it."""

    documents: list[bytes]
    last_pk: int | None
    more: bool


def _identity(
    module: str, origin: int, country_code: str, party_id: str, object_id: str, object_type: str
) -> dict[str, Any]:
    return {
        "module": module,
        "origin": origin,
        "country_code": fold_id(country_code),
        "party_id": fold_id(party_id),
        "object_id": fold_id(object_id),
        "object_type": fold_id(object_type),
    }


def _bound(values: dict[str, Any]) -> dict[str, Any]:
    return {f"b_{name}": value for name, value in values.items()}


async def get_object(
    session: AsyncSession,
    module: str,
    origin: int,
    country_code: str,
    party_id: str,
    object_id: str,
    object_type: str = "",
    *,
    for_update: bool = False,
) -> StoredObject | None:
    """The object with this identity (ids matched case-insensitively), or ``None``.

    ``for_update`` is for a read-merge-write such as a PATCH: the row stays locked until the
    transaction ends (PostgreSQL ``FOR UPDATE``); on SQLite the transaction takes the database
    write lock first, since a plain read there does not even start the transaction.
    """
    identity = _identity(module, origin, country_code, party_id, object_id, object_type)
    if not for_update:
        row = (await session.execute(sql.GET, _bound(identity))).first()
        return None if row is None else _stored(row)
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        await session.execute(sql.SQLITE_WRITE_LOCK)
    row = (await session.execute(sql.GET_FOR_UPDATE, _bound(identity))).first()
    if row is None and dialect == "postgresql":
        # Not stored yet: serialise with any transaction creating the same object, then read
        # again (READ COMMITTED: the new statement sees what that transaction committed).
        key = "\x1f".join(str(value) for value in identity.values())
        await session.execute(sql.IDENTITY_LOCK_POSTGRESQL, {"key": key})
        row = (await session.execute(sql.GET_FOR_UPDATE, _bound(identity))).first()
    return None if row is None else _stored(row)


async def find_by_id(
    session: AsyncSession, module: str, object_id: str, object_type: str = "", *, limit: int = 2
) -> list[StoredObject]:
    """The objects of ``module`` with this id (and Token type), of any origin and owner, at most
    ``limit``, in ``pk`` order: what a Hub holds under one id, whoever owns it (ids are unique
    per party only, so two parties may use one; ``limit`` 2 tells one from several)."""
    params = {
        "b_module": module,
        "b_object_id": fold_id(object_id),
        "b_object_type": fold_id(object_type),
        "b_limit": limit,
    }
    rows = (await session.execute(sql.GET_BY_ID, params)).all()
    return [_stored(row) for row in rows]


async def put_object(
    session: AsyncSession,
    *,
    module: str,
    origin: int,
    country_code: str,
    party_id: str,
    object_id: str,
    object_type: str = "",
    last_updated: datetime,
    document: bytes,
    counterparty: str | None = None,
    contract_id: str | None = None,
) -> tuple[StoredObject, bool]:
    """Insert the object, or replace the document of the stored one (its ``pk`` is kept).

    Returns the stored object and whether it was created (a PUT answers 201 then, 200 on a
    replace). One statement on PostgreSQL; on SQLite an UPDATE and, for a new object, an INSERT.
    ``counterparty`` is a :func:`counterparty_key` (Sessions, CDRs), stored as given;
    ``contract_id`` a Token's ``contract_id``, stored folded (CiString).
    """
    identity = _identity(module, origin, country_code, party_id, object_id, object_type)
    values: dict[str, Any] = {
        "last_updated": last_updated,
        "document": document,
        "counterparty": counterparty,
        "contract_id": None if contract_id is None else fold_id(contract_id),
    }
    if session.get_bind().dialect.name == "postgresql":
        row = {**identity, **values}
        pk, created = (await session.execute(sql.UPSERT_POSTGRESQL, _created(row))).one()
    else:
        pk, created = await _put_sqlite(session, identity, values)
    stored = StoredObject(
        pk,
        **identity,
        last_updated=last_updated,
        document=document,
        counterparty=counterparty,
    )
    return stored, bool(created)


def _created(row: dict[str, Any]) -> dict[str, Any]:
    row["created_at"] = utcnow()
    return row


async def _put_sqlite(
    session: AsyncSession, identity: dict[str, Any], values: dict[str, Any]
) -> tuple[int, bool]:
    # Replacing is the common case (every PATCH); SQLite has one writer, so no one can insert
    # the same object between the two statements.
    params = _bound({**identity, **values})
    pk: int | None = (await session.execute(sql.REPLACE, params)).scalar()
    if pk is not None:
        return pk, False
    row = _created({**identity, **values})
    return (await session.execute(sql.INSERT, row)).scalar_one(), True


async def delete_object(
    session: AsyncSession,
    module: str,
    origin: int,
    country_code: str,
    party_id: str,
    object_id: str,
    object_type: str = "",
) -> bool:
    """Delete the object; ``False`` if there was none. Its deliveries keep going without it:
    ``object_pk`` becomes ``NULL`` (a DELETE is still sent; a PUT or PATCH has nothing left)."""
    identity = _identity(module, origin, country_code, party_id, object_id, object_type)
    result = await session.execute(sql.DELETE, _bound(identity))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _query(
    module: str,
    origin: int | None,
    owners: Sequence[tuple[str, str]] | None,
    date_from: datetime | None,
    date_to: datetime | None,
    after_pk: int | None = None,
    counterparties: Counterparties = None,
) -> tuple[sql.Shape, dict[str, Any]]:
    excluding = isinstance(counterparties, Excluding) and bool(counterparties.keys)
    shape = sql.Shape(
        origin is not None,
        owners is not None,
        date_from is not None,
        date_to is not None,
        after_pk is not None,
        counterparties is not None and not isinstance(counterparties, Excluding),
        excluding,
    )
    params: dict[str, Any] = {"b_module": module, "b_origin": origin, "b_after_pk": after_pk}
    if owners is not None:
        params["b_owners"] = sorted({(fold_id(c), fold_id(p)) for c, p in owners})
    if isinstance(counterparties, Excluding):
        if excluding:
            params["b_excluded"] = sorted(set(counterparties.keys))
    elif counterparties is not None:
        params["b_counterparties"] = sorted(set(counterparties))
    params["b_date_from"] = date_from
    params["b_date_to"] = date_to
    return shape, params


async def list_objects(
    session: AsyncSession,
    *,
    module: str,
    origin: int | None,
    owners: Sequence[tuple[str, str]] | None = None,
    counterparties: Counterparties = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    offset: int = 0,
    after_pk: int | None = None,
    limit: int,
) -> list[StoredObject]:
    """One page of objects in ``pk`` order.

    ``origin`` ``None`` means any origin; ``owners`` keeps only objects of those
    (country_code, party_id) pairs (case-insensitive); ``date_from`` is inclusive and ``date_to``
    exclusive on ``last_updated``. With ``after_pk`` the page starts after that pk and ``offset``
    is ignored; otherwise it skips ``offset`` objects.
    """
    shape, params = _query(module, origin, owners, date_from, date_to, after_pk, counterparties)
    stmt = sql.list_statement("objects", shape)
    rows = (await session.execute(stmt, {**params, "b_offset": offset, "b_limit": limit})).all()
    return [_stored(row) for row in rows]


async def _document_rows(
    session: AsyncSession,
    module: str,
    origin: int | None,
    owners: Sequence[tuple[str, str]] | None,
    date_from: datetime | None,
    date_to: datetime | None,
    offset: int,
    after_pk: int | None,
    limit: int,
    counterparties: Counterparties = None,
) -> Sequence[Any]:
    shape, params = _query(module, origin, owners, date_from, date_to, after_pk, counterparties)
    stmt = sql.list_statement("documents", shape)
    connection = await session.connection()
    result = await connection.execute(stmt, {**params, "b_offset": offset, "b_limit": limit})
    rows: Sequence[Any] = result.all()
    return rows


async def list_documents(
    session: AsyncSession,
    *,
    module: str,
    origin: int | None,
    owners: Sequence[tuple[str, str]] | None = None,
    counterparties: Counterparties = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    offset: int = 0,
    after_pk: int | None = None,
    limit: int,
) -> tuple[list[bytes], int | None]:
    """The documents of one page (as :func:`list_objects`) and the last pk, ``None`` if empty.

    The GET list hot path: one prebuilt, indexed query for two columns, rows fetched without
    building ORM objects, documents handed back as the stored bytes.
    """
    rows = await _document_rows(
        session, module, origin, owners, date_from, date_to, offset, after_pk, limit, counterparties
    )
    if not rows:
        return [], None
    return [row[1] for row in rows], rows[-1][0]


async def read_page(
    session: AsyncSession,
    *,
    module: str,
    origin: int | None,
    owners: Sequence[tuple[str, str]] | None = None,
    counterparties: Counterparties = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    offset: int = 0,
    after_pk: int | None = None,
    limit: int,
) -> DocumentPage:
    """:func:`list_documents`, and whether another object follows the page.

    One row more than ``limit`` is read: it says whether there is a next page, exactly and in
    the same snapshot as the page (transport_and_format.asciidoc "Pagination": a next link on
    every page but the last), without counting every match.
    """
    rows = await _document_rows(
        session,
        module,
        origin,
        owners,
        date_from,
        date_to,
        offset,
        after_pk,
        limit + 1,
        counterparties,
    )
    return _page_of(rows, limit)


async def fetch_page(
    db: Database,
    *,
    module: str,
    origin: int | None,
    owners: Sequence[tuple[str, str]] | None = None,
    counterparties: Counterparties = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    offset: int = 0,
    after_pk: int | None = None,
    limit: int,
) -> DocumentPage:
    """:func:`read_page` in its own read, through ``db.reader`` where there is one.

    On a SQLite file that is the same statement run synchronously on this thread by a plain
    ``sqlite3`` connection (the GET list hot path: no worker-thread hops, no SQLAlchemy
    execution); elsewhere a session of its own.
    """
    if db.reader is None:
        async with db.session() as session:
            return await read_page(
                session,
                module=module,
                origin=origin,
                owners=owners,
                counterparties=counterparties,
                date_from=date_from,
                date_to=date_to,
                offset=offset,
                after_pk=after_pk,
                limit=limit,
            )
    shape, params = _query(module, origin, owners, date_from, date_to, after_pk, counterparties)
    params |= {"b_offset": offset, "b_limit": limit + 1}
    return _page_of(_reader_rows(db.reader, shape, params), limit)


def _reader_rows(reader: SqliteReader, shape: sql.Shape, params: dict[str, Any]) -> list[Any]:
    """The rows of the documents statement, read with the reader's plain sqlite3 connection."""
    owners: list[tuple[str, str]] = params.pop("b_owners", None) or []
    # The counterparty keys of the filter (only these, or all but these: the shape says which).
    keyed = "b_excluded" if shape.excluded else "b_counterparties"
    counterparties: list[str] = params.pop(keyed, None) or []
    text, names, constants = sql.sqlite_documents_text(shape, len(owners), len(counterparties))
    values = constants | params
    for number, (country_code, party_id) in enumerate(owners, start=1):
        values[f"b_owners_{number}_1"] = country_code
        values[f"b_owners_{number}_2"] = party_id
    for number, key in enumerate(counterparties, start=1):
        values[f"{keyed}_{number}"] = key
    for name in ("b_date_from", "b_date_to"):
        if values[name] is not None:
            values[name] = sql.sqlite_date(values[name])
    return reader.rows(text, [values[name] for name in names])


def _page_of(rows: Sequence[Any], limit: int) -> DocumentPage:
    more = len(rows) > limit
    rows = rows[:limit]
    last_pk = rows[-1][0] if rows else None
    return DocumentPage([row[1] for row in rows], last_pk, more)


async def count_objects(
    session: AsyncSession,
    *,
    module: str,
    origin: int | None,
    owners: Sequence[tuple[str, str]] | None = None,
    counterparties: Counterparties = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
) -> int:
    """How many objects match the filters of :func:`list_objects` (for ``X-Total-Count``).

    This counts index entries: its cost grows with the number of matching objects.
    """
    shape, params = _query(module, origin, owners, date_from, date_to, None, counterparties)
    count: int = (await session.execute(sql.list_statement("count", shape), params)).scalar_one()
    return count


async def get_object_by_pk(session: AsyncSession, pk: int) -> StoredObject | None:
    """The object stored under ``pk`` (a delivery refers to its object this way), or ``None``."""
    row = (await session.execute(select(*sql.COLUMNS).where(sql.T.c.pk == pk))).first()
    return None if row is None else _stored(row)


async def count_by_module(
    session: AsyncSession, origin: int, modules: Sequence[str]
) -> dict[str, int]:
    """How many objects ``origin`` (a partner's id) holds in each of ``modules``, in one grouped
    statement; a module without objects is absent.

    With both the module and the origin given, each module's count reads one range of the
    ``(module, origin, pk)`` index, however many objects other origins hold.
    """
    stmt = (
        select(sql.T.c.module, func.count())
        .where(sql.T.c.module.in_(modules), sql.T.c.origin == origin)
        .group_by(sql.T.c.module)
    )
    counts: dict[str, int] = {}
    for module, count in await session.execute(stmt):
        counts[module] = count
    return counts
