"""The outbox seen per partner: backlog and last error (``openroam partners``), giving up on a
partner that is gone, and pruning finished rows (docs/architecture.md "Delivery")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._store.objects import Delivery, DeliveryAttempt, DeliveryState
from openroam._store.outbox import describe_failure

__all__ = ["BacklogRecord", "delivery_backlog", "give_up_deliveries", "prune_deliveries"]

_D = cast(Table, Delivery.__table__)
_A = cast(Table, DeliveryAttempt.__table__)
PENDING, FAILED = DeliveryState.PENDING, DeliveryState.FAILED


@dataclass(frozen=True, slots=True)
class BacklogRecord:
    """Delivery state of one partner (for ``openroam partners``)."""

    partner_id: int
    pending: int
    oldest_pending_at: datetime | None
    last_error: str | None
    last_delivered_at: datetime | None
    last_error_at: datetime | None = None


async def give_up_deliveries(session: AsyncSession, partner_id: int, reason: str) -> int:
    """Mark every pending delivery to the partner failed (the partner is gone); how many."""
    stmt = (
        update(_D)
        .where(_D.c.partner_id == partner_id, _D.c.state == PENDING)
        .values(state=FAILED, last_error=reason, leased_until=None)
    )
    result = await session.execute(stmt)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def prune_deliveries(session: AsyncSession, before: datetime) -> int:
    """Delete finished deliveries (delivered or failed) older than ``before``, with their
    attempts; how many. The outbox otherwise grows with every change."""
    finished_at = func.coalesce(_D.c.delivered_at, _D.c.created_at)
    stmt = delete(_D).where(_D.c.state != PENDING, finished_at < before)
    result = await session.execute(stmt)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def delivery_backlog(session: AsyncSession) -> list[BacklogRecord]:
    """Per partner that has deliveries: pending count, the oldest pending row's creation,
    the last failed attempt's error and time, and the last successful delivery."""
    pending = _D.c.state == PENDING
    totals = (
        select(
            _D.c.partner_id,
            func.count().filter(pending),
            func.min(_D.c.created_at).filter(pending),
            func.max(_D.c.delivered_at),
        )
        .group_by(_D.c.partner_id)
        .order_by(_D.c.partner_id)
    )
    errors = await _last_errors(session)
    backlog = []
    for partner_id, count, oldest, last_delivered in await session.execute(totals):
        error, error_at = errors.get(partner_id, (None, None))
        backlog.append(BacklogRecord(partner_id, count, oldest, error, last_delivered, error_at))
    return backlog


async def _last_errors(
    session: AsyncSession,
) -> dict[int, tuple[str | None, datetime | None]]:
    latest = (
        select(_D.c.partner_id, func.max(_A.c.id).label("attempt_id"))
        .join(_A, _A.c.delivery_id == _D.c.id)
        .where(_A.c.ok.is_(False))
        .group_by(_D.c.partner_id)
        .subquery()
    )
    stmt = select(
        latest.c.partner_id, _A.c.http_status, _A.c.status_code, _A.c.error, _A.c.at
    ).join(_A, _A.c.id == latest.c.attempt_id)
    return {
        partner_id: (describe_failure(http_status, status_code, error), at)
        for partner_id, http_status, status_code, error, at in await session.execute(stmt)
    }
