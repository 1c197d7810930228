"""One way to take work from an outbox table (docs/architecture.md "Delivery"; "Several
processes, one database").

The four outboxes — push deliveries (``deliveries``), webhooks (``events``), command results
(``commands``) and charging-profile results and pushes (``profile_requests``,
``active_profiles``) — are rows with a state, ``next_attempt_at``, ``attempts``, ``refusals``,
``leased_until`` and ``last_error``. :class:`Outbox` describes one; this module is the single
home of the rules they share:

* **claim under a lease**: due rows (pending, ``next_attempt_at`` reached, not leased or the lease
  ran out — a worker died mid-send) are leased in one ``UPDATE … WHERE id IN (SELECT … FOR UPDATE
  SKIP LOCKED)``, so several workers never take the same row and none waits for another; SQLite
  has one writer, so the statement is the claim there;
* **order within a queue**: with ``queue_by``, the rows sharing those columns form one queue and
  a row is claimed only when no earlier row of its queue is pending (waiting for a retry or
  leased): deliveries per (partner, object), webhooks per subject;
* **the outcome of a failed attempt**: one more attempt, retried at the time the worker's
  :class:`openroam._delivery.retry.RetryPolicy` chose; a permanent refusal counts towards
  ``max_refusals``, after which the row is in its failed state with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, case, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["Outbox", "claim_rows", "failure_values"]


@dataclass(frozen=True, slots=True)
class Outbox:
    """An outbox table and the names of its state column and states."""

    table: Table
    state: str = "state"
    pending: str = "pending"
    failed: str = "failed"
    #: columns whose equal values make one ordered queue (``order`` decides earlier)
    queue_by: tuple[str, ...] = ()
    order: str = "id"

    def due(self, now: datetime) -> list[ColumnElement[bool]]:
        """The conditions of a row that may be claimed at ``now``."""
        table = self.table
        conditions: list[ColumnElement[bool]] = [
            table.c[self.state] == self.pending,
            table.c.next_attempt_at <= now,
            or_(table.c.leased_until.is_(None), table.c.leased_until < now),
        ]
        if self.queue_by:
            earlier = table.alias("earlier")
            conditions.append(
                ~exists().where(
                    *(earlier.c[column] == table.c[column] for column in self.queue_by),
                    earlier.c[self.state] == self.pending,
                    earlier.c[self.order] < table.c[self.order],
                )
            )
        return conditions


async def claim_rows(
    session: AsyncSession,
    outbox: Outbox,
    *,
    now: datetime,
    limit: int,
    lease_seconds: float,
    returning: Sequence[Any],
    where: Sequence[ColumnElement[bool]] = (),
    values: dict[str, Any] | None = None,
) -> list[Row[Any]]:
    """Lease up to ``limit`` due rows (soonest due first) for ``lease_seconds``; the
    ``returning`` columns of each. ``values``: more columns to set on the claimed rows."""
    table = outbox.table
    due = (
        select(table.c.id)
        .where(*outbox.due(now), *where)
        .order_by(table.c.next_attempt_at, table.c.id)
        .limit(limit)
        # SQLite renders no FOR UPDATE: it has one writer, so the UPDATE below is the claim.
        .with_for_update(skip_locked=True, of=table)
        .cte("due")
    )
    stmt = (
        update(table)
        .where(table.c.id.in_(select(due.c.id)))
        .values(leased_until=now + timedelta(seconds=lease_seconds), **(values or {}))
        .returning(*returning)
    )
    return list(await session.execute(stmt))


def failure_values(
    outbox: Outbox,
    *,
    reason: str,
    retry_at: datetime,
    refused: bool,
    max_refusals: int | None,
    now: datetime,
    note: bool = False,
) -> dict[str, Any]:
    """The columns to set after a failed attempt: one more attempt, due again at ``retry_at``;
    a refusal counts, and the ``max_refusals``-th makes the row failed (with ``closed_at`` and
    ``note`` when the table has them: ``note``)."""
    table = outbox.table
    refusals = table.c.refusals + 1 if refused else table.c.refusals
    values: dict[str, Any] = {
        "attempts": table.c.attempts + 1,
        "refusals": refusals,
        "last_error": reason,
        "next_attempt_at": retry_at,
        "leased_until": None,
    }
    if refused and max_refusals is not None:
        given_up = refusals >= max_refusals
        values[outbox.state] = case((given_up, outbox.failed), else_=outbox.pending)
        if note:
            values["closed_at"] = case((given_up, now), else_=None)
            values["note"] = case((given_up, f"refused: {reason}"), else_=None)
    return values
