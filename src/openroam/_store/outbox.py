"""The delivery outbox (docs/architecture.md "Delivery"; docs/spec-decisions.md "Failed pushes
and results are retried").

A change to an object enqueues, in the same transaction, one row per partner to tell. Workers
claim due rows under a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers never
take the same row), send the object's *current* state, and record each attempt.

Order per object: the rows of one object (``object_key``) to one partner form a queue; a row is
claimed only when no earlier row of that queue is pending — waiting for a retry, or leased by a
worker (alive, or dead until its lease runs out). Objects are independent: a row of one object
never waits for another object's.

Coalescing: while a row for the same (partner, object, method, path) is pending, a new change
joins it instead of adding a row — the worker sends the current state anyway. If that row is in
flight, its ``revision`` moves on, and :func:`record_attempt` leaves it pending after the send
(which may have carried the older state), so no change is ever lost.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, case, literal_column, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from openroam._store.leases import Outbox, claim_rows, failure_values
from openroam._store.objects import Delivery, DeliveryAttempt, DeliveryState
from openroam._store.tables import utcnow
from openroam.models.common import fold_id

__all__ = [
    "DeliveryRecord",
    "claim_deliveries",
    "coalescing",
    "describe_failure",
    "enqueue_deliveries",
    "enqueue_delivery",
    "object_key",
    "record_attempt",
    "release_deliveries",
]

_D = cast(Table, Delivery.__table__)
_A = cast(Table, DeliveryAttempt.__table__)
PENDING, DELIVERED = DeliveryState.PENDING, DeliveryState.DELIVERED
FAILED, SUPERSEDED = DeliveryState.FAILED, DeliveryState.SUPERSEDED
#: one queue per (partner, object): docs/architecture.md "Delivery"
DELIVERIES = Outbox(_D, queue_by=("partner_id", "object_key"))


def object_key(module: str, path: str) -> str:
    """The object a delivery changes: ``"{module}:{CC}/{PARTY}/{ID}[?type=…]"``, folded, from a
    receiver path (``{country_code}/{party_id}/{id}[/{sub ids}][?type=…]``). A Location's EVSE
    PATCH and its PUT share it; a Tariff deleted and created again keeps it."""
    route, _, query = path.partition("?")
    top = fold_id("/".join(route.split("/")[:3]))
    kind = fold_id(query.removeprefix("type="))
    return f"{module}:{top}" + (f"?type={kind}" if kind else "")


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """A claimed delivery. ``fields`` ``None`` means the whole object; ``object_pk`` ``None``
    means the object was deleted since (a DELETE still goes out; a PUT/PATCH has nothing)."""

    id: int
    partner_id: int
    module: str
    object_pk: int | None
    method: str
    path: str
    fields: tuple[str, ...] | None
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    object_key: str = ""
    refusals: int = 0


# The union of two JSON lists of field names; NULL ("everything") absorbs any list.
_FIELDS_UNION = {
    "postgresql": "CASE WHEN deliveries.fields IS NULL OR excluded.fields IS NULL THEN NULL "
    "ELSE (SELECT jsonb_agg(DISTINCT f ORDER BY f) "
    "FROM jsonb_array_elements_text(deliveries.fields || excluded.fields) AS f) END",
    "sqlite": "CASE WHEN deliveries.fields IS NULL OR excluded.fields IS NULL THEN NULL "
    "ELSE (SELECT json_group_array(value) FROM (SELECT value FROM json_each(deliveries.fields) "
    "UNION SELECT value FROM json_each(excluded.fields) ORDER BY 1)) END",
}


def coalescing(insert: postgresql.Insert | sqlite.Insert, dialect: str) -> Insert:
    """``insert`` joining the pending row of the same (partner, object, method, path)."""
    sooner = insert.excluded.next_attempt_at < _D.c.next_attempt_at
    return insert.on_conflict_do_update(
        index_elements=["partner_id", "object_key", "object_pk", "method", "path"],
        index_where=text("state = 'pending'"),
        set_={
            "fields": literal_column(_FIELDS_UNION[dialect]),
            # Sooner, never later: a row that is already due keeps its place in the queue
            # (a flapping EVSE status cannot starve it), one in back-off is retried now.
            "next_attempt_at": case(
                (sooner, insert.excluded.next_attempt_at), else_=_D.c.next_attempt_at
            ),
            "revision": _D.c.revision + 1,
        },
    )


@functools.cache
def _enqueue_statement(dialect: str) -> Insert:
    insert = postgresql.insert(_D) if dialect == "postgresql" else sqlite.insert(_D)
    return coalescing(insert, dialect)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def enqueue_delivery(
    session: AsyncSession,
    *,
    partner_id: int,
    module: str,
    object_pk: int | None,
    method: str,
    path: str,
    fields: Sequence[str] | None = None,
    now: datetime | None = None,
) -> None:
    """Enqueue one delivery, or coalesce it into the pending one for the same (partner,
    object, method, path): ``fields`` are united (``None`` means all) and it is due now."""
    await enqueue_deliveries(
        session,
        partner_ids=[partner_id],
        module=module,
        object_pk=object_pk,
        method=method,
        path=path,
        fields=fields,
        now=now,
    )


async def enqueue_deliveries(
    session: AsyncSession,
    *,
    partner_ids: Sequence[int],
    module: str,
    object_pk: int | None,
    method: str,
    path: str,
    fields: Sequence[str] | None = None,
    now: datetime | None = None,
) -> None:
    """:func:`enqueue_delivery` for several partners in one statement (the write path of
    every object change)."""
    if not partner_ids:
        return
    now = now or utcnow()
    listed = None if fields is None else sorted(set(fields))
    rows = [
        {
            "partner_id": partner_id,
            "module": module,
            "object_key": object_key(module, path),
            "object_pk": object_pk,
            "method": method,
            "path": path,
            "fields": listed,
            "state": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "revision": 0,
            "created_at": now,
        }
        for partner_id in partner_ids
    ]
    await session.execute(_enqueue_statement(_dialect(session)), rows)


_RECORD_COLUMNS = (
    _D.c.id,
    _D.c.partner_id,
    _D.c.module,
    _D.c.object_pk,
    _D.c.method,
    _D.c.path,
    _D.c.fields,
    _D.c.attempts,
    _D.c.next_attempt_at,
    _D.c.created_at,
    _D.c.object_key,
    _D.c.refusals,
)


def _record(row: Any) -> DeliveryRecord:
    return DeliveryRecord(
        id=row.id,
        partner_id=row.partner_id,
        module=row.module,
        object_pk=row.object_pk,
        method=row.method,
        path=row.path,
        fields=None if row.fields is None else tuple(row.fields),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        object_key=row.object_key,
        refusals=row.refusals,
    )


async def claim_deliveries(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    lease_seconds: float,
    partner_ids: Sequence[int] | None = None,
) -> list[DeliveryRecord]:
    """Take up to ``limit`` due deliveries, oldest first, leased for ``lease_seconds``.

    Due: pending, ``next_attempt_at`` reached, not leased (or the lease ran out: a worker died
    mid-send), and the head of its object's queue: no earlier row of the same object to the same
    partner is pending — whether it waits for a retry or is leased by another worker (so a DELETE
    leased by a worker that died is sent, once its lease runs out, before a later PUT). So one
    claim holds at most one row per object and partner. On PostgreSQL rows locked by another
    claiming worker are skipped.
    """
    where = [] if partner_ids is None else [_D.c.partner_id.in_(partner_ids)]
    rows = await claim_rows(
        session,
        DELIVERIES,
        now=now,
        limit=limit,
        lease_seconds=lease_seconds,
        returning=_RECORD_COLUMNS,
        where=where,
        values={"claimed_revision": _D.c.revision},
    )
    records = [_record(row) for row in rows]
    return sorted(records, key=lambda r: (r.next_attempt_at, r.id))


def describe_failure(http_status: int | None, status_code: int | None, error: str | None) -> str:
    """A one-line reason for a failed attempt: the HTTP and OCPI status and the message."""
    parts = [f"HTTP {http_status}"] if http_status is not None else []
    parts += [f"status_code {status_code}"] if status_code is not None else []
    if error:
        parts.append(error)
    return ", ".join(parts) or "failed"


async def record_attempt(
    session: AsyncSession,
    delivery_id: int,
    *,
    ok: bool,
    http_status: int | None,
    status_code: int | None,
    error: str | None,
    duration_ms: float,
    next_attempt_at: datetime | None,
    now: datetime | None = None,
    refused: bool = False,
    max_refusals: int | None = None,
) -> str | None:
    """Record one attempt and its outcome; the row's state afterwards (``None``: no such row).

    ``ok``: the delivery is done — unless a change coalesced into it while it was in flight,
    then it stays pending (due at once) so the newer state is sent too. A whole-object PUT or
    DELETE that went out supersedes the failed and skipped rows of the same object before it.
    Not ``ok``: one more failed attempt, retried at ``next_attempt_at`` (now if ``None``);
    ``refused`` (a permanent refusal) counts towards ``max_refusals``, after which the row is
    ``failed`` with the partner's answer. A row given up meanwhile stays given up. The attempt
    row is always written.
    """
    now = now or utcnow()
    reason = describe_failure(http_status, status_code, error)
    if ok:
        changes: dict[str, Any] = {
            "state": case((_D.c.revision == _D.c.claimed_revision, DELIVERED), else_=PENDING),
            "delivered_at": now,
            "attempts": 0,
            "refusals": 0,
        }
    else:
        changes = failure_values(
            DELIVERIES,
            reason=reason,
            retry_at=next_attempt_at or now,
            refused=refused,
            max_refusals=max_refusals,
            now=now,
            note=True,
        )
    result = await session.execute(
        update(_D)
        .where(_D.c.id == delivery_id, _D.c.state == PENDING)
        .values({"leased_until": None, **changes})
        .returning(
            _D.c.state, _D.c.partner_id, _D.c.object_key, _D.c.method, _D.c.path, _D.c.fields
        )
    )
    row = result.first()
    await session.execute(
        _A.insert().values(
            delivery_id=delivery_id,
            at=now,
            ok=ok,
            http_status=http_status,
            status_code=status_code,
            error=error,
            duration_ms=duration_ms,
        )
    )
    if row is None:
        return None
    if ok and row.method in ("PUT", "DELETE") and row.fields is None and _is_top(row.path):
        await session.execute(
            update(_D)
            .where(
                _D.c.partner_id == row.partner_id,
                _D.c.object_key == row.object_key,
                _D.c.id < delivery_id,
                _D.c.state.in_((FAILED, DeliveryState.SKIPPED)),
            )
            .values(state=SUPERSEDED, closed_at=now, note=f"superseded by delivery {delivery_id}")
        )
    return str(row.state)


def _is_top(path: str) -> bool:
    """Whether a receiver path addresses a whole object (not an EVSE or Connector of it)."""
    return path.partition("?")[0].count("/") == 2


async def release_deliveries(
    session: AsyncSession, delivery_ids: Sequence[int], *, not_before: datetime
) -> None:
    """Give claimed deliveries back unsent, due again at ``not_before`` (no attempt counted).

    A worker does this with the other deliveries of a partner it could not reach (network,
    5xx …), so a partner that is down is not called again at once for every object.
    """
    if not delivery_ids:
        return
    await session.execute(
        update(_D)
        .where(_D.c.id.in_(delivery_ids), _D.c.state == PENDING)
        .values(leased_until=None, next_attempt_at=not_before)
    )
