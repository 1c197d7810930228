"""Pull-sync progress per partner and module (docs/architecture.md "Pull-sync": as a receiver
the platform also pulls changes since its watermark, ``date_from``, on a schedule).

The watermark is the newest ``last_updated`` received; the next incremental pull asks for
``date_from`` = watermark (inclusive, transport_and_format.asciidoc "Paginated Request"), so an
object updated exactly at the watermark is fetched again rather than missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._store.objects import SyncState
from openroam._store.tables import utcnow

__all__ = [
    "SyncStateRecord",
    "due_pulls",
    "get_sync_state",
    "list_sync_states",
    "record_pull_failure",
    "save_sync_state",
    "schedule_every_pull",
    "schedule_pull",
]

_S = cast(Table, SyncState.__table__)
_CHANGEABLE = frozenset(
    (
        "watermark",
        "last_full_sync_at",
        "last_pull_at",
        "next_pull_at",
        "failures",
        "last_error",
        "last_error_at",
        "failing_since",
    )
)


@dataclass(frozen=True, slots=True)
class SyncStateRecord:
    """How far pull-sync got with one partner's module."""

    partner_id: int
    module: str
    watermark: datetime | None
    last_full_sync_at: datetime | None
    last_pull_at: datetime | None
    next_pull_at: datetime | None
    failures: int
    last_error: str | None
    #: when ``last_error`` happened; both stay after a later complete pull (history)
    last_error_at: datetime | None = None
    #: the first failure since the last complete pull; None while the module is healthy
    failing_since: datetime | None = None


_COLUMNS = tuple(_S.c[name] for name in SyncStateRecord.__dataclass_fields__)


async def get_sync_state(
    session: AsyncSession, partner_id: int, module: str
) -> SyncStateRecord | None:
    """The state for this partner and module, or ``None`` before the first save."""
    stmt = select(*_COLUMNS).where(_S.c.partner_id == partner_id, _S.c.module == module)
    row = (await session.execute(stmt)).first()
    return None if row is None else SyncStateRecord(*row)


async def save_sync_state(
    session: AsyncSession, partner_id: int, module: str, **changes: Any
) -> SyncStateRecord:
    """Create or change the state; only the columns named in ``changes`` are written
    (``watermark``, ``last_full_sync_at``, ``last_pull_at``, ``next_pull_at``, ``failures``,
    ``last_error``, ``last_error_at``, ``failing_since``). Returns the state after the
    change."""
    unknown = changes.keys() - _CHANGEABLE
    if unknown:
        raise TypeError(f"not a sync state column: {', '.join(sorted(unknown))}")
    row = {"failures": 0, **changes, "partner_id": partner_id, "module": module}
    insert: postgresql.Insert | sqlite.Insert
    if session.get_bind().dialect.name == "postgresql":
        insert = postgresql.insert(_S).values(row)
    else:
        insert = sqlite.insert(_S).values(row)
    # DO UPDATE even without changes, so RETURNING always has the row.
    written = changes.keys() or {"module"}
    stmt = insert.on_conflict_do_update(
        index_elements=["partner_id", "module"],
        set_={name: insert.excluded[name] for name in written},
    ).returning(*_COLUMNS)
    return SyncStateRecord(*(await session.execute(stmt)).one())


async def record_pull_failure(
    session: AsyncSession,
    partner_id: int,
    module: str,
    error: str,
    *,
    at: datetime | None = None,
) -> SyncStateRecord:
    """Count one more failed (or incomplete) pull and keep why and when (``at``, default now);
    the watermark and the full-sync time are left as they are, so the next pull asks again for
    everything not yet received. The first failure after a complete pull sets
    ``failing_since``. Returns the state after the change (``next_pull_at`` is the caller's to
    set)."""
    at = at or utcnow()
    # The row exists afterwards (created with 0 failures on a first pull); the count is then
    # raised in the statement, so two processes recording a failure at once count two.
    await save_sync_state(session, partner_id, module, last_error=error, last_error_at=at)
    since = func.coalesce(_S.c.failing_since, literal(at, _S.c.failing_since.type))
    stmt = (
        update(_S)
        .where(_S.c.partner_id == partner_id, _S.c.module == module)
        .values(failures=_S.c.failures + 1, failing_since=since)
        .returning(*_COLUMNS)
    )
    return SyncStateRecord(*(await session.execute(stmt)).one())


async def schedule_pull(session: AsyncSession, partner_id: int, module: str, at: datetime) -> None:
    """Set when the next pull of this partner's module is due."""
    await save_sync_state(session, partner_id, module, next_pull_at=at)


async def schedule_every_pull(session: AsyncSession, now: datetime) -> int:
    """Make every pull that is due later due at ``now``; how many were moved. A node that
    starts catches up at once on what its partners changed while it was down (a push it could
    not receive is lost to it: transport_and_format.asciidoc "Offline behaviour")."""
    result = await session.execute(
        update(_S).where(_S.c.next_pull_at > now).values(next_pull_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def due_pulls(session: AsyncSession, now: datetime) -> list[SyncStateRecord]:
    """Every state whose next pull is due at ``now``, the longest overdue first."""
    stmt = (
        select(*_COLUMNS)
        .where(_S.c.next_pull_at <= now)
        .order_by(_S.c.next_pull_at, _S.c.partner_id, _S.c.module)
    )
    return [SyncStateRecord(*row) for row in await session.execute(stmt)]


async def list_sync_states(
    session: AsyncSession, partner_id: int | None = None
) -> list[SyncStateRecord]:
    """Every state (of one partner, if given), by partner and module: one statement for the
    operator view of all connections."""
    stmt = select(*_COLUMNS).order_by(_S.c.partner_id, _S.c.module)
    if partner_id is not None:
        stmt = stmt.where(_S.c.partner_id == partner_id)
    return [SyncStateRecord(*row) for row in await session.execute(stmt)]
