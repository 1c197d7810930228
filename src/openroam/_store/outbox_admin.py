"""The outbox for operators (docs/architecture.md "Delivery"): backlog and last error per partner
(``openroam partners``), the rows themselves (``openroam deliveries``, ``GET /api/deliveries``),
an operator's retry or skip of one row, giving up on a partner that is gone, and pruning
finished rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._store.objects import Delivery, DeliveryAttempt, DeliveryState
from openroam._store.outbox import describe_failure
from openroam._store.tables import utcnow

__all__ = [
    "BacklogRecord",
    "DeliveryRow",
    "ModuleDeliveries",
    "delivery_backlog",
    "delivery_counts",
    "get_delivery",
    "give_up_deliveries",
    "last_delivery_errors",
    "list_deliveries",
    "make_due",
    "prune_deliveries",
    "retry_delivery",
    "skip_delivery",
]

_D = cast(Table, Delivery.__table__)
_A = cast(Table, DeliveryAttempt.__table__)
PENDING, FAILED = DeliveryState.PENDING, DeliveryState.FAILED
SKIPPED, SUPERSEDED = DeliveryState.SKIPPED, DeliveryState.SUPERSEDED


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    """One outbox row as an operator sees it."""

    id: int
    partner_id: int
    module: str
    method: str
    path: str
    fields: tuple[str, ...] | None
    state: str
    attempts: int
    refusals: int
    next_attempt_at: datetime
    leased_until: datetime | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    closed_at: datetime | None
    note: str | None


_ROW_COLUMNS = (
    _D.c.id,
    _D.c.partner_id,
    _D.c.module,
    _D.c.method,
    _D.c.path,
    _D.c.fields,
    _D.c.state,
    _D.c.attempts,
    _D.c.refusals,
    _D.c.next_attempt_at,
    _D.c.leased_until,
    _D.c.last_error,
    _D.c.created_at,
    _D.c.delivered_at,
    _D.c.closed_at,
    _D.c.note,
)


def _row(row: Any) -> DeliveryRow:
    values = dict(row._mapping)
    values["fields"] = None if values["fields"] is None else tuple(values["fields"])
    return DeliveryRow(**values)


async def list_deliveries(
    session: AsyncSession,
    *,
    partner_id: int | None = None,
    states: Sequence[str] | None = None,
    limit: int = 100,
    after_id: int = 0,
    newest_first: bool = False,
) -> list[DeliveryRow]:
    """Rows in queue order (by id), after ``after_id``, of one partner and some states;
    ``newest_first``: the last ``limit`` rows, newest first (``after_id`` is then ignored)."""
    if newest_first:
        stmt = select(*_ROW_COLUMNS).order_by(_D.c.id.desc()).limit(limit)
    else:
        stmt = select(*_ROW_COLUMNS).where(_D.c.id > after_id).order_by(_D.c.id).limit(limit)
    if partner_id is not None:
        stmt = stmt.where(_D.c.partner_id == partner_id)
    if states is not None:
        stmt = stmt.where(_D.c.state.in_(states))
    return [_row(row) for row in await session.execute(stmt)]


async def get_delivery(
    session: AsyncSession, delivery_id: int, *, for_update: bool = False
) -> DeliveryRow | None:
    stmt = select(*_ROW_COLUMNS).where(_D.c.id == delivery_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).first()
    return None if row is None else _row(row)


async def retry_delivery(
    session: AsyncSession, delivery_id: int, *, now: datetime, note: str
) -> DeliveryRow | None:
    """An operator sends a row again now: a failed, skipped or superseded row becomes pending
    (its refusals forgotten), a pending one in back-off is due at once. When the same change is
    pending in another row already (``uq_deliveries_pending``), this one joins it: its fields are
    added there, and this row is marked superseded. The row as it is now; None if unknown.
    """
    current = await get_delivery(session, delivery_id, for_update=True)
    if current is None:
        return None
    twin = await _pending_twin(session, delivery_id)
    if current.state != PENDING and twin is not None:
        fields = _united(twin.fields, current.fields)
        await session.execute(
            update(_D)
            .where(_D.c.id == twin.id)
            .values(
                fields=None if fields is None else list(fields),
                next_attempt_at=now,
                revision=_D.c.revision + 1,
            )
        )
        changes: dict[str, Any] = {
            "state": SUPERSEDED,
            "closed_at": now,
            "note": f"{note}; joined the pending delivery {twin.id}",
        }
    elif current.state == PENDING:
        changes = {"next_attempt_at": now, "note": note}
    else:
        changes = {
            "state": PENDING,
            "next_attempt_at": now,
            "leased_until": None,
            "attempts": 0,
            "refusals": 0,
            "closed_at": None,
            "note": note,
        }
    await session.execute(update(_D).where(_D.c.id == delivery_id).values(**changes))
    return await get_delivery(session, delivery_id)


async def make_due(session: AsyncSession, partner_id: int, now: datetime) -> int:
    """Make every pending row of the partner that waits for a later attempt due at ``now``
    (a suspended partner resumed); how many."""
    result = await session.execute(
        update(_D)
        .where(_D.c.partner_id == partner_id, _D.c.state == PENDING, _D.c.next_attempt_at > now)
        .values(next_attempt_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def skip_delivery(
    session: AsyncSession, delivery_id: int, *, now: datetime, note: str
) -> DeliveryRow | None:
    """An operator decides a pending or failed row is not to be sent: it becomes ``skipped``
    with ``note`` (who and why), and the later rows of the same object stop waiting for it."""
    await session.execute(
        update(_D)
        .where(_D.c.id == delivery_id, _D.c.state.in_((PENDING, FAILED)))
        .values(state=SKIPPED, leased_until=None, closed_at=now, note=note)
    )
    return await get_delivery(session, delivery_id)


async def _pending_twin(session: AsyncSession, delivery_id: int) -> DeliveryRow | None:
    """The pending row of the same (partner, object, method, path) as ``delivery_id``."""
    this = _D.alias("this")
    stmt = select(*_ROW_COLUMNS).where(
        this.c.id == delivery_id,
        _D.c.id != delivery_id,
        _D.c.state == PENDING,
        _D.c.partner_id == this.c.partner_id,
        _D.c.object_pk == this.c.object_pk,
        _D.c.method == this.c.method,
        _D.c.path == this.c.path,
    )
    row = (await session.execute(stmt)).first()
    return None if row is None else _row(row)


def _united(
    first: tuple[str, ...] | None, second: tuple[str, ...] | None
) -> tuple[str, ...] | None:
    if first is None or second is None:
        return None
    return tuple(sorted(set(first) | set(second)))


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
        .values(state=FAILED, last_error=reason, leased_until=None, closed_at=utcnow(), note=reason)
    )
    result = await session.execute(stmt)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def prune_deliveries(session: AsyncSession, before: datetime) -> int:
    """Delete finished deliveries (delivered or failed) older than ``before``, with their
    attempts; how many. The outbox otherwise grows with every change."""
    finished_at = func.coalesce(_D.c.delivered_at, _D.c.closed_at, _D.c.created_at)
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
    errors = await last_delivery_errors(session)
    backlog = []
    for partner_id, count, oldest, last_delivered in await session.execute(totals):
        error, error_at = errors.get(partner_id, (None, None))
        backlog.append(BacklogRecord(partner_id, count, oldest, error, last_delivered, error_at))
    return backlog


async def last_delivery_errors(
    session: AsyncSession, partner_id: int | None = None
) -> dict[int, tuple[str | None, datetime | None]]:
    """Per partner (or of one): the last failed attempt's reason and time."""
    failed = (
        select(_D.c.partner_id, func.max(_A.c.id).label("attempt_id"))
        .join(_A, _A.c.delivery_id == _D.c.id)
        .where(_A.c.ok.is_(False))
        .group_by(_D.c.partner_id)
    )
    if partner_id is not None:
        failed = failed.where(_D.c.partner_id == partner_id)
    latest = failed.subquery()
    stmt = select(
        latest.c.partner_id, _A.c.http_status, _A.c.status_code, _A.c.error, _A.c.at
    ).join(_A, _A.c.id == latest.c.attempt_id)
    return {
        partner_id: (describe_failure(http_status, status_code, error), at)
        for partner_id, http_status, status_code, error, at in await session.execute(stmt)
    }


@dataclass(frozen=True, slots=True)
class ModuleDeliveries:
    """The push deliveries of one module to one partner, counted by state."""

    partner_id: int
    module: str
    pending: int
    oldest_pending_at: datetime | None
    #: rows given up on (refused for good, or the partner gone); an operator may retry them
    failed: int
    last_delivered_at: datetime | None


async def delivery_counts(
    session: AsyncSession, partner_id: int | None = None
) -> list[ModuleDeliveries]:
    """Per partner (or of one) and module: pending rows and the oldest one's creation, failed
    rows, the last delivery. One grouped statement for every partner and module."""
    pending, failed = _D.c.state == PENDING, _D.c.state == FAILED
    stmt = (
        select(
            _D.c.partner_id,
            _D.c.module,
            func.count().filter(pending),
            func.min(_D.c.created_at).filter(pending),
            func.count().filter(failed),
            func.max(_D.c.delivered_at),
        )
        .group_by(_D.c.partner_id, _D.c.module)
        .order_by(_D.c.partner_id, _D.c.module)
    )
    if partner_id is not None:
        stmt = stmt.where(_D.c.partner_id == partner_id)
    return [ModuleDeliveries(*row) for row in await session.execute(stmt)]
