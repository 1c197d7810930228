"""Newest-first reads of Sessions and CDRs of every origin, for the operator console.

The OCPI lists (:mod:`object_repo`) read one origin in creation order; an operator wants the
newest first, own and partners' together. Both reads here are ordered by ``pk`` descending (the
creation order) and bounded by ``limit``.

Live Sessions are found by the ``status`` inside the stored document (mod_sessions
"SessionStatus": ACTIVE or PENDING), read with the database's JSON functions: the table has no
status column, so this reads every stored Session's document in SQL — cheap for thousands,
linear in the number of Sessions held.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Text, cast, func, literal, select
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


async def live_sessions(session: AsyncSession, *, limit: int) -> list[StoredObject]:
    """The newest ``limit`` Sessions (own and every partner's) whose status is ACTIVE or
    PENDING, newest first."""
    status = _status(session.get_bind().dialect.name)
    stmt = (
        select(*sql.COLUMNS)
        .where(T.c.module == "sessions", status.in_(LIVE_STATUSES))
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
    stmt = select(*sql.COLUMNS).where(T.c.module == module)
    if scope == "own":
        stmt = stmt.where(T.c.origin == OWN)
    elif scope == "received":
        stmt = stmt.where(T.c.origin != OWN)
    if origins is not None:
        stmt = stmt.where(T.c.origin.in_(list(origins)))
    stmt = stmt.order_by(T.c.pk.desc()).offset(offset).limit(limit + 1)
    rows = (await session.execute(stmt)).all()
    return [_stored(row) for row in rows[:limit]], len(rows) > limit
