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

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._store.objects import SyncState

__all__ = [
    "SyncStateRecord",
    "due_pulls",
    "get_sync_state",
    "record_pull_failure",
    "save_sync_state",
    "schedule_pull",
]

_S = cast(Table, SyncState.__table__)
_CHANGEABLE = frozenset(
    ("watermark", "last_full_sync_at", "last_pull_at", "next_pull_at", "failures", "last_error")
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
    ``last_error``). Returns the state after the change."""
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
    session: AsyncSession, partner_id: int, module: str, error: str
) -> SyncStateRecord:
    """Count one more failed (or incomplete) pull and keep why; the watermark and the full-sync
    time are left as they are, so the next pull asks again for everything not yet received.
    Returns the state after the change (``next_pull_at`` is the caller's to set)."""
    # The row exists afterwards (created with 0 failures on a first pull); the count is then
    # raised in the statement, so two processes recording a failure at once count two.
    await save_sync_state(session, partner_id, module, last_error=error)
    stmt = (
        update(_S)
        .where(_S.c.partner_id == partner_id, _S.c.module == module)
        .values(failures=_S.c.failures + 1)
        .returning(*_COLUMNS)
    )
    return SyncStateRecord(*(await session.execute(stmt)).one())


async def schedule_pull(session: AsyncSession, partner_id: int, module: str, at: datetime) -> None:
    """Set when the next pull of this partner's module is due."""
    await save_sync_state(session, partner_id, module, next_pull_at=at)


async def due_pulls(session: AsyncSession, now: datetime) -> list[SyncStateRecord]:
    """Every state whose next pull is due at ``now``, the longest overdue first."""
    stmt = (
        select(*_COLUMNS)
        .where(_S.c.next_pull_at <= now)
        .order_by(_S.c.next_pull_at, _S.c.partner_id, _S.c.module)
    )
    return [SyncStateRecord(*row) for row in await session.execute(stmt)]
