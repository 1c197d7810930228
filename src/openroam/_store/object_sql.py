"""The statements behind :mod:`openroam._store.object_repo`, built once with bind parameters.

A request then pays neither statement construction nor cache-key generation, which on the
GET list hot path costs more than the indexed query itself (docs/architecture.md "What a GET
list page costs").
Bind parameters are prefixed ``b_`` because an UPDATE reserves the plain column names.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from openroam._store.objects import OcpiObject

__all__ = [
    "COLUMNS",
    "DELETE",
    "GET",
    "GET_BY_ID",
    "GET_DOCUMENT",
    "GET_FOR_UPDATE",
    "INSERT",
    "INSERT_BOUND",
    "REPLACE",
    "REPLACE_BY_PK",
    "SQLITE_WRITE_LOCK",
    "UPSERT_POSTGRESQL",
    "Shape",
    "list_statement",
    "sqlite_date",
    "sqlite_documents_text",
]

T = cast(Table, OcpiObject.__table__)
COLUMNS = (
    T.c.pk,
    T.c.module,
    T.c.origin,
    T.c.country_code,
    T.c.party_id,
    T.c.object_id,
    T.c.object_type,
    T.c.last_updated,
    T.c.document,
    T.c.counterparty,
)
IDENTITY_NAMES = ("module", "origin", "country_code", "party_id", "object_id", "object_type")

_IDENTITY = and_(*(T.c[name] == bindparam(f"b_{name}") for name in IDENTITY_NAMES))

GET = select(*COLUMNS).where(_IDENTITY)
# The objects of a module with one id, whatever their origin and owner (a Hub answering a GET
# of one Location from what it holds, or finding the party that owns it), in pk order. The
# identity index serves it by its module prefix: a GET of one object, not the list hot path.
GET_BY_ID = (
    select(*COLUMNS)
    .where(
        T.c.module == bindparam("b_module"),
        T.c.object_id == bindparam("b_object_id"),
        T.c.object_type == bindparam("b_object_type"),
    )
    .order_by(T.c.pk)
    .limit(bindparam("b_limit"))
)
GET_FOR_UPDATE = GET.with_for_update()
# SQLite has no FOR UPDATE: a write statement that changes nothing makes the transaction take
# the database write lock before the read, so read-merge-write transactions run one at a time.
SQLITE_WRITE_LOCK = text("UPDATE ocpi_objects SET pk = pk WHERE 0")
# PostgreSQL: FOR UPDATE cannot lock a row that does not exist yet, so two transactions creating
# the same object would both see "new". A transaction-scoped advisory lock on the identity makes
# the second wait for the first and then read what it committed.
IDENTITY_LOCK_POSTGRESQL = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
DELETE = delete(T).where(_IDENTITY)
REPLACE = (
    update(T)
    .where(_IDENTITY)
    .values(
        last_updated=bindparam("b_last_updated"),
        document=bindparam("b_document"),
        counterparty=bindparam("b_counterparty"),
        contract_id=bindparam("b_contract_id"),
    )
    .returning(T.c.pk)
)
INSERT = insert(T).returning(T.c.pk)

# The same with named bind parameters, for the SQLite writer (openroam._store.object_write).
GET_DOCUMENT = select(T.c.pk, T.c.document).where(_IDENTITY)
REPLACE_BY_PK = (
    update(T)
    .where(T.c.pk == bindparam("b_pk"))
    .values(
        last_updated=bindparam("b_last_updated"),
        document=bindparam("b_document"),
        counterparty=bindparam("b_counterparty"),
        contract_id=bindparam("b_contract_id"),
    )
)
INSERT_BOUND = (
    insert(T)
    .values(
        {name: bindparam(f"b_{name}") for name in IDENTITY_NAMES}
        | {
            "last_updated": bindparam("b_last_updated"),
            "document": bindparam("b_document"),
            "counterparty": bindparam("b_counterparty"),
            "contract_id": bindparam("b_contract_id"),
            "created_at": bindparam("b_created_at"),
        }
    )
    .returning(T.c.pk)
)

_upsert = postgresql.insert(T)
# xmax is 0 only in a row version this statement inserted (not in one it updated).
UPSERT_POSTGRESQL = _upsert.on_conflict_do_update(
    constraint="uq_ocpi_objects_identity",
    set_={
        "last_updated": _upsert.excluded.last_updated,
        "document": _upsert.excluded.document,
        "counterparty": _upsert.excluded.counterparty,
        "contract_id": _upsert.excluded.contract_id,
    },
).returning(T.c.pk, literal_column("(xmax = 0)", Boolean))


class Shape(NamedTuple):
    """Which filters a list query has (each combination is built once)."""

    origin: bool
    owners: bool
    date_from: bool
    date_to: bool
    keyset: bool
    #: only objects concerning these parties (Sessions, CDRs: the cdr_token's eMSP)
    counterparties: bool = False
    #: all but the objects concerning these parties (a Hub's reads: not other partners' parties)
    excluded: bool = False


class _NotIndexed(FunctionElement[Any]):
    """A column SQLite may not choose an index by (its unary ``+``, "The SQLite Query
    Optimizer Overview" §"Disqualifying WHERE clause terms using unary-+"); the column itself
    elsewhere."""

    inherit_cache = True
    type = T.c.module.type


@compiles(_NotIndexed)
def _not_indexed(element: _NotIndexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(_NotIndexed, "sqlite")
def _not_indexed_sqlite(element: _NotIndexed, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(element.clauses, **kw)


def _in_pk_order(shape: Shape) -> bool:
    """A list of every origin's objects of a module, unfiltered (a Hub's GET All): no index
    starts with the module and gives pk order across origins, so SQLite would sort every object
    of the module for each page (35 ms at 100,000 Locations). It reads the table in pk order
    instead and stops after the page (0.04 ms; 0.1 ms with ten times as many objects of other
    modules between them). PostgreSQL makes that choice by itself."""
    return not (
        shape.origin
        or shape.owners
        or shape.counterparties
        or shape.excluded
        or shape.date_from
        or shape.date_to
    )


def _conditions(shape: Shape, *, listing: bool = False) -> list[ColumnElement[bool]]:
    module = _NotIndexed(T.c.module) if listing and _in_pk_order(shape) else T.c.module
    conditions = [module == bindparam("b_module")]
    if shape.origin:
        conditions.append(T.c.origin == bindparam("b_origin"))
    if shape.owners:
        owners = tuple_(T.c.country_code, T.c.party_id)
        conditions.append(owners.in_(bindparam("b_owners", expanding=True)))
    if shape.counterparties:
        conditions.append(T.c.counterparty.in_(bindparam("b_counterparties", expanding=True)))
    if shape.excluded:
        conditions.append(T.c.counterparty.not_in(bindparam("b_excluded", expanding=True)))
    # transport_and_format.asciidoc "Paginated Request": date_from is inclusive
    # (last_updated >= date_from), date_to exclusive (last_updated < date_to).
    if shape.date_from:
        conditions.append(T.c.last_updated >= bindparam("b_date_from"))
    if shape.date_to:
        conditions.append(T.c.last_updated < bindparam("b_date_to"))
    return conditions


@functools.cache
def list_statement(what: str, shape: Shape) -> Select[Any]:
    """The statement for ``what`` (``"objects"``, ``"documents"`` or ``"count"``) with the
    filters of ``shape``; pages are ordered by pk and limited by ``b_limit``."""
    if what == "count":
        return select(func.count()).select_from(T).where(*_conditions(shape))
    conditions = _conditions(shape, listing=True)
    columns = COLUMNS if what == "objects" else (T.c.pk, T.c.document)
    stmt = select(*columns).where(*conditions)
    if shape.keyset:
        # Keyset: the (module, origin, pk) index finds the page start directly.
        stmt = stmt.where(T.c.pk > bindparam("b_after_pk"))
    else:
        stmt = stmt.offset(bindparam("b_offset"))
    return stmt.order_by(T.c.pk).limit(bindparam("b_limit"))


_SQLITE = sqlite.dialect(paramstyle="qmark")
_date_processor = T.c.last_updated.type.dialect_impl(_SQLITE).bind_processor(_SQLITE)
assert _date_processor is not None
#: How SQLAlchemy writes last_updated into SQLite (UtcDateTime: naive UTC text), for the reader.
sqlite_date: Callable[[Any], Any] = _date_processor
_SOME_TIME = datetime(2000, 1, 1, tzinfo=UTC)


@functools.cache
def sqlite_documents_text(
    shape: Shape, owners: int, counterparties: int = 0
) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """The ``"documents"`` statement of ``shape`` as SQLite SQL text, for a plain ``sqlite3``
    connection (:class:`openroam._store.db.SqliteReader`): the text, with the owners filter
    expanded for ``owners`` pairs (``b_owners_<n>_1``, ``b_owners_<n>_2``) and the counterparty
    filter for ``counterparties`` keys (``b_counterparties_<n>``, or ``b_excluded_<n>`` for an
    ``excluded`` shape), the parameter names in
    placeholder order, and the values of the statement's own constants."""
    placeholders = {
        "b_module": "",
        "b_origin": 0,
        "b_owners": [("", "")] * owners,
        "b_counterparties": [""] * counterparties,
        "b_excluded": [""] * counterparties,
        "b_date_from": _SOME_TIME,
        "b_date_to": _SOME_TIME,
        "b_after_pk": 0,
        "b_offset": 0,
        "b_limit": 0,
    }
    statement = list_statement("documents", shape)
    if shape.owners and owners == 1:
        # One owner (a platform with one party of the module's role, or a request addressed to
        # one): two equalities cost SQLite less per row than a row-value IN (VALUES …) list
        # (34 vs 38 µs for a page of 50 Locations).
        statement = list_statement("documents", shape._replace(owners=False)).where(
            T.c.country_code == bindparam("b_owners_1_1", ""),
            T.c.party_id == bindparam("b_owners_1_2", ""),
        )
    compiled = statement.params(**placeholders).compile(
        dialect=_SQLITE, compile_kwargs={"render_postcompile": True}
    )
    names = tuple(compiled.positiontup or ())
    constants = {name: compiled.binds[name].value for name in names if not name.startswith("b_")}
    return compiled.string, names, constants
