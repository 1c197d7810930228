"""Newest-first reads of Sessions and CDRs of every origin, for the operator console.

The OCPI lists (:mod:`object_repo`) read one origin in creation order; an operator wants the
newest first, own and partners' together. Both reads here are ordered by ``pk`` descending (the
creation order) and bounded by ``limit``.

Across origins no index gives pk order (the ``(module, origin, pk)`` one is per origin): SQLite
would sort every object of the module for one page, so it is told to walk the table backwards
by pk instead and stop after the page (as ``object_sql`` does for a Hub's GET All); PostgreSQL
makes that choice by itself.

Live Sessions are found by the ``status`` inside the stored document (mod_sessions
"SessionStatus": ACTIVE or PENDING), read with the database's JSON functions: the table has no
status column, so every stored Session's document is read — linear in the number of Sessions
held (about 0.2 s for 100,000 on SQLite and on PostgreSQL: bench/console_sessions.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Text, and_, cast, func, literal, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from openroam._store import object_sql as sql
from openroam._store.object_repo import OWN, StoredObject

__all__ = ["LIVE_STATUSES", "live_sessions", "newest_objects"]

#: The SessionStatus values of a session that is still going on (mod_sessions "SessionStatus").
LIVE_STATUSES = ("ACTIVE", "PENDING")

T = sql.T


def _stored(row: Any) -> StoredObject:
    """A row of ``object_sql.COLUMNS`` as a record."""
    return StoredObject(*row)


def _status(dialect: str) -> ColumnElement[Any]:
    # Documents are stored as bytes (BLOB / BYTEA): SQLite's JSON functions want text, and
    # PostgreSQL's want jsonb.
    if dialect == "postgresql":
        document = cast(func.convert_from(T.c.document, literal("UTF8")), JSONB)
        return document.op("->>")(literal("status"))
    return func.json_extract(cast(T.c.document, Text), literal("$.status"))


def _live(dialect: str) -> ColumnElement[bool]:
    exactly = _status(dialect).in_(LIVE_STATUSES)
    if dialect != "postgresql":
        return exactly
    # Parsing every document as jsonb costs PostgreSQL 4 times more than searching its bytes
    # for the status as stored (compact JSON, as every document is written): only the
    # documents that hold it are parsed.
    found = [
        func.position(literal(f'"status":"{status}"'.encode()).op("IN")(T.c.document)) > 0
        for status in LIVE_STATUSES
    ]
    return and_(or_(*found), exactly)


async def live_sessions(session: AsyncSession, *, limit: int) -> list[StoredObject]:
    """The newest ``limit`` Sessions (own and every partner's) whose status is ACTIVE or
    PENDING, newest first."""
    dialect = session.get_bind().dialect.name
    stmt = (
        select(*sql.COLUMNS)
        .where(T.c.module == "sessions", _live(dialect))
        .order_by(T.c.pk.desc())
        .limit(limit)
    )
    return [_stored(row) for row in (await session.execute(stmt)).all()]


async def newest_objects(
    session: AsyncSession,
    *,
    module: str,
    scope: str = "all",
    origins: Sequence[int] | None = None,
    offset: int = 0,
    limit: int,
) -> tuple[list[StoredObject], bool]:
    """One page of ``module``'s objects newest first, and whether more follow.

    ``scope``: ``all``, ``own`` (origin 0) or ``received`` (a partner's); ``origins`` keeps only
    those origins (e.g. one partner)."""
    # One origin: its (module, origin, pk) index, read backwards. Several: the table by pk.
    by_index = scope == "own" or (origins is not None and len(origins) == 1)
    stmt = select(*sql.COLUMNS).where(
        (T.c.module if by_index else sql._NotIndexed(T.c.module)) == module
    )
    if scope == "own":
        stmt = stmt.where(T.c.origin == OWN)
    elif scope == "received":
        stmt = stmt.where(T.c.origin != OWN)
    if origins is not None:
        stmt = stmt.where(T.c.origin.in_(list(origins)))
    stmt = stmt.order_by(T.c.pk.desc()).offset(offset).limit(limit + 1)
    rows = (await session.execute(stmt)).all()
    return [_stored(row) for row in rows[:limit]], len(rows) > limit
