"""Events for the party's backend: recording, the webhook outbox, and listing in commit order.

Recording (:func:`insert_event`) happens in the caller's transaction. The per-subject sequence
comes from an upsert on ``event_subjects`` that locks the subject's row until commit, so events
of one subject get their numbers in commit order on PostgreSQL too.

Webhook workers claim events (:func:`claim_events`) like push workers claim deliveries: under a
lease, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL. Only the *first* pending event of each subject
can be claimed, so the events of one session go out one after the other, in sequence order.

Listing (:func:`read_events`) pages by ``position``. Ids are taken at insert, before commit, so
on PostgreSQL an event with a smaller id can commit after a reader has paged past it; positions
are given after commit instead (:func:`assign_positions`, serialised by an advisory lock), so
an event that commits late gets a later position and is still read.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from openroam._store.event_tables import Event, EventAttempt, EventSubject, WebhookState
from openroam._store.leases import Outbox, claim_rows, failure_values
from openroam._store.tables import utcnow

__all__ = [
    "EventRecord",
    "assign_positions",
    "claim_events",
    "get_event",
    "insert_event",
    "mark_unsent",
    "read_events",
    "record_webhook_attempt",
]

_E = cast(Table, Event.__table__)
_S = cast(Table, EventSubject.__table__)
_A = cast(Table, EventAttempt.__table__)
PENDING, DELIVERED, UNSENT = WebhookState.PENDING, WebhookState.DELIVERED, WebhookState.UNSENT
FAILED = WebhookState.FAILED
#: one queue per subject, in sequence order (docs/architecture.md "Events")
WEBHOOKS = Outbox(_E, state="webhook_state", queue_by=("subject",), order="sequence")

# Any constant of ours: the advisory lock that serialises position assignment on PostgreSQL.
_POSITION_LOCK_KEY = 0x6F72_6576_656E_7473  # "orevents"


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A stored event; ``payload`` is its data as JSON text."""

    id: int
    position: int | None
    type: str
    subject: str
    sequence: int
    payload: bytes
    created_at: datetime
    webhook_state: str
    attempts: int
    last_error: str | None
    delivered_at: datetime | None


_COLUMNS = (
    _E.c.id,
    _E.c.position,
    _E.c.type,
    _E.c.subject,
    _E.c.sequence,
    _E.c.payload,
    _E.c.created_at,
    _E.c.webhook_state,
    _E.c.attempts,
    _E.c.last_error,
    _E.c.delivered_at,
)


def _record(row: Any) -> EventRecord:
    return EventRecord(*(row[index] for index in range(len(_COLUMNS))))


@functools.cache
def _next_sequence_statement(dialect: str) -> Insert:
    insert = postgresql.insert(_S) if dialect == "postgresql" else sqlite.insert(_S)
    return insert.on_conflict_do_update(
        index_elements=["subject"], set_={"last_sequence": _S.c.last_sequence + 1}
    ).returning(_S.c.last_sequence)


async def insert_event(
    session: AsyncSession,
    *,
    type: str,
    subject: str,
    payload: bytes,
    now: datetime | None = None,
) -> EventRecord:
    """Record one event in the caller's transaction, with the subject's next sequence number.

    Its webhook is pending: a worker sends it, or marks it unsent if no URL is configured.
    """
    now = now or utcnow()
    dialect = session.get_bind().dialect.name
    sequence = (
        await session.execute(
            _next_sequence_statement(dialect), {"subject": subject, "last_sequence": 1}
        )
    ).scalar_one()
    values = {
        "type": type,
        "subject": subject,
        "sequence": sequence,
        "payload": payload,
        "created_at": now,
        "webhook_state": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
    }
    row = (await session.execute(_E.insert().values(values).returning(*_COLUMNS))).one()
    return _record(row)


async def get_event(session: AsyncSession, event_id: int) -> EventRecord | None:
    row = (await session.execute(select(*_COLUMNS).where(_E.c.id == event_id))).one_or_none()
    return None if row is None else _record(row)


async def claim_events(
    session: AsyncSession, *, now: datetime, limit: int, lease_seconds: float
) -> list[EventRecord]:
    """Take up to ``limit`` due webhook events, leased for ``lease_seconds``: the first pending
    event of each subject only, so a subject's later events wait for its earlier ones."""
    rows = await claim_rows(
        session, WEBHOOKS, now=now, limit=limit, lease_seconds=lease_seconds, returning=_COLUMNS
    )
    records = [_record(row) for row in rows]
    return sorted(records, key=lambda r: r.id)


async def record_webhook_attempt(
    session: AsyncSession,
    event_id: int,
    *,
    url: str,
    ok: bool,
    http_status: int | None,
    error: str | None,
    duration_ms: float,
    next_attempt_at: datetime | None,
    now: datetime | None = None,
    refused: bool = False,
    max_refusals: int | None = None,
) -> None:
    """Record one POST of the event: delivered when ``ok``, else retried at ``next_attempt_at``
    (a refusal counts towards ``max_refusals``, then the webhook is failed: _store/leases.py)."""
    now = now or utcnow()
    changes: dict[str, Any]
    if ok:
        changes = {"webhook_state": DELIVERED, "delivered_at": now, "last_error": None}
    else:
        changes = failure_values(
            WEBHOOKS,
            reason=error or f"HTTP {http_status}",
            retry_at=next_attempt_at or now,
            refused=refused,
            max_refusals=max_refusals,
            now=now,
        )
    await session.execute(
        update(_E)
        .where(_E.c.id == event_id, _E.c.webhook_state == PENDING)
        .values({"leased_until": None, **changes})
    )
    await session.execute(
        _A.insert().values(
            event_id=event_id,
            at=now,
            url=url[:255],
            ok=ok,
            http_status=http_status,
            error=error,
            duration_ms=duration_ms,
        )
    )


async def mark_unsent(session: AsyncSession, event_ids: Sequence[int], reason: str) -> None:
    """No webhook URL for these events: they stay readable through the API only."""
    if event_ids:
        await session.execute(
            update(_E)
            .where(_E.c.id.in_(event_ids), _E.c.webhook_state == PENDING)
            .values(webhook_state=UNSENT, leased_until=None, last_error=reason)
        )


async def assign_positions(session: AsyncSession, *, limit: int = 1000) -> int:
    """Give committed events without a position the next positions, in id order; how many.

    Serialised (advisory lock on PostgreSQL, the single writer on SQLite), so every position
    given later is larger than every one given before: a reader paging by position never
    misses an event. Id order keeps each subject's sequence order (a subject's next event is
    only inserted after its previous one committed, or in the same transaction after it).
    """
    waiting = select(_E.c.id).where(_E.c.position.is_(None)).order_by(_E.c.id).limit(limit)
    if not (await session.execute(waiting.limit(1))).first():
        return 0
    if session.get_bind().dialect.name == "postgresql":
        lock = text("SELECT pg_advisory_xact_lock(:key)")
        await session.execute(lock, {"key": _POSITION_LOCK_KEY})
    ids = list((await session.execute(waiting)).scalars())
    if not ids:
        return 0
    top = (await session.execute(select(func.max(_E.c.position)))).scalar() or 0
    stmt = update(_E).where(_E.c.id == bindparam("event_id")).values(position=bindparam("at"))
    await session.execute(stmt, [{"event_id": i, "at": top + n} for n, i in enumerate(ids, 1)])
    return len(ids)


async def read_events(
    session: AsyncSession,
    *,
    after: int = 0,
    limit: int = 100,
    types: Sequence[str] | None = None,
    subject: str | None = None,
    webhook_state: str | None = None,
) -> list[EventRecord]:
    """Positioned events after position ``after``, oldest first."""
    stmt = select(*_COLUMNS).where(_E.c.position > after)
    if webhook_state is not None:
        stmt = stmt.where(_E.c.webhook_state == webhook_state)
    if types:
        stmt = stmt.where(_E.c.type.in_(types))
    if subject is not None:
        stmt = stmt.where(_E.c.subject == subject)
    stmt = stmt.order_by(_E.c.position).limit(limit)
    return [_record(row) for row in await session.execute(stmt)]
