"""Repository of the ``commands`` table (see :mod:`openroam._store.command_tables`).

Rows are changed under a row lock (``FOR UPDATE``, ``SKIP LOCKED`` for the background checks) on
PostgreSQL, and after taking the database write lock on SQLite, so that a result arriving and the
timeout check running in another process never both decide a command's result.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._store.command_tables import Command, CommandSide, CommandState
from openroam._store.leases import Outbox, claim_rows, failure_values
from openroam._store.tables import utcnow

__all__ = [
    "CommandRecord",
    "CommandSide",
    "CommandState",
    "any_due",
    "claim_result_deliveries",
    "due_for_expiry",
    "get_command",
    "insert_command",
    "list_commands",
    "record_delivery_attempt",
    "update_command",
]

_C = cast(Table, Command.__table__)
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
#: the POSTs of results to partners' response_url (CPO side)
RESULTS = Outbox(_C, state="delivery_state")
# SQLite has no FOR UPDATE: a write that changes nothing takes the database write lock first.
_SQLITE_WRITE_LOCK = text("UPDATE commands SET id = id WHERE 0")


@dataclass(frozen=True, slots=True)
class CommandRecord:
    """One stored command; the JSON columns are bytes as stored."""

    id: int
    uid: str
    side: str
    partner_id: int
    type: str
    request: bytes
    response_url: str
    state: str
    created_at: datetime
    deadline: datetime
    response: bytes | None
    response_error: str | None
    result: bytes | None
    result_at: datetime | None
    delivery_state: str | None
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    #: the party on the other end ("CC/PID"): see ``Command.counterparty``
    counterparty: str | None = None


_COLUMNS = tuple(_C.c[field.name] for field in fields(CommandRecord))


def _record(row: Any) -> CommandRecord:
    return CommandRecord(*(row[index] for index in range(len(_COLUMNS))))


async def _write_lock(session: AsyncSession) -> None:
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(_SQLITE_WRITE_LOCK)


async def insert_command(session: AsyncSession, **values: Any) -> CommandRecord:
    """A new row (``uid``, ``side``, ``partner_id``, ``type``, ``request``, ``response_url``,
    ``state``, ``deadline`` and optionally ``response``/``result`` …)."""
    values.setdefault("created_at", utcnow())
    values.setdefault("attempts", 0)
    row = (await session.execute(_C.insert().values(values).returning(*_COLUMNS))).one()
    return _record(row)


async def get_command(
    session: AsyncSession, uid: str, *, side: str | None = None, for_update: bool = False
) -> CommandRecord | None:
    """The command with this uid (on this side), locked until the transaction ends when
    ``for_update``."""
    stmt = select(*_COLUMNS).where(_C.c.uid == uid)
    if side is not None:
        stmt = stmt.where(_C.c.side == side)
    if for_update:
        await _write_lock(session)
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).one_or_none()
    return None if row is None else _record(row)


async def update_command(session: AsyncSession, command_id: int, **values: Any) -> CommandRecord:
    stmt = update(_C).where(_C.c.id == command_id).values(values).returning(*_COLUMNS)
    return _record((await session.execute(stmt)).one())


async def any_due(session: AsyncSession, *, now: datetime) -> bool:
    """Whether any command waits past its deadline (a plain read: no lock taken)."""
    stmt = select(_C.c.id).where(_C.c.state != CommandState.DONE, _C.c.deadline <= now).limit(1)
    return (await session.execute(stmt)).first() is not None


async def due_for_expiry(
    session: AsyncSession, *, now: datetime, limit: int
) -> list[CommandRecord]:
    """Commands still waiting for a result past their deadline, locked (rows another process
    holds are skipped: it decides them)."""
    await _write_lock(session)
    stmt = (
        select(*_COLUMNS)
        .where(_C.c.state != CommandState.DONE, _C.c.deadline <= now)
        .order_by(_C.c.deadline, _C.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [_record(row) for row in await session.execute(stmt)]


async def claim_result_deliveries(
    session: AsyncSession, *, now: datetime, limit: int, lease_seconds: float
) -> list[CommandRecord]:
    """Take up to ``limit`` due result POSTs (CPO side), leased for ``lease_seconds``."""
    rows = await claim_rows(
        session, RESULTS, now=now, limit=limit, lease_seconds=lease_seconds, returning=_COLUMNS
    )
    return sorted((_record(row) for row in rows), key=lambda r: r.id)


async def record_delivery_attempt(
    session: AsyncSession,
    command_id: int,
    *,
    sent_result: bytes,
    error: str | None,
    retry_at: datetime,
    refused: bool = False,
    max_refusals: int | None = None,
) -> None:
    """After a POST of ``sent_result``: delivered, or pending again at ``retry_at`` (a refusal
    counts towards ``max_refusals``, then the POST is failed: _store/leases.py). A result that
    changed while it was being sent (a CPO cancellation) stays pending, so it goes out."""
    values: dict[str, Any] = {"leased_until": None}
    if error is None:
        values["delivery_state"] = DELIVERED
        values["last_error"] = None
        stmt = update(_C).where(_C.c.id == command_id, _C.c.result == sent_result)
        if (await session.execute(stmt.values(values))).rowcount:  # type: ignore[attr-defined]
            return
        values = {"leased_until": None, "next_attempt_at": utcnow()}
    else:
        values |= failure_values(
            RESULTS,
            reason=error,
            retry_at=retry_at,
            refused=refused,
            max_refusals=max_refusals,
            now=utcnow(),
        )
    await session.execute(update(_C).where(_C.c.id == command_id).values(values))


async def list_commands(
    session: AsyncSession, *, side: str | None = None, limit: int = 100, before: int | None = None
) -> list[CommandRecord]:
    """The newest commands first."""
    stmt = select(*_COLUMNS).order_by(_C.c.id.desc()).limit(limit)
    if side is not None:
        stmt = stmt.where(_C.c.side == side)
    if before is not None:
        stmt = stmt.where(_C.c.id < before)
    return [_record(row) for row in await session.execute(stmt)]
