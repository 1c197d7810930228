"""Reading and writing ChargingProfiles requests and ActiveChargingProfiles (see
:mod:`openroam._store.profile_tables`). Callers own the transaction; records are frozen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._store.leases import Outbox, claim_rows, failure_values
from openroam._store.profile_tables import ActiveProfile, ProfileRequest
from openroam._store.tables import utcnow
from openroam.models.common import fold_id

__all__ = [
    "ActiveRecord",
    "RequestRecord",
    "State",
    "claim_pushes",
    "claim_results",
    "get_active",
    "get_request",
    "give_up_push",
    "insert_request",
    "put_active",
    "record_push",
    "record_result_attempt",
    "sent_by_reference",
    "setter_party",
    "subscribers",
    "update_request",
]


class State:
    """Row states (plain strings: compared inside SQL)."""

    #: sent: waiting for the CPO's result; received: waiting for our backend's result
    WAITING = "waiting"
    #: sent: the request failed (no ChargingProfileResponse)
    FAILED = "failed"
    #: sent: the result arrived; received: the result was delivered; active: pushed
    DONE = "done"
    #: sent: the CPO accepted, but no result came within the timeout of its response
    TIMED_OUT = "timeout"
    #: received: the result (or an active profile) is to be sent
    PENDING = "pending"
    #: received/active: stored, nothing to send (a refused request, a received push)
    STORED = "stored"


@dataclass(frozen=True, slots=True)
class RequestRecord:
    id: int
    direction: str
    partner_id: int
    session_id: str
    kind: str
    reference: str | None
    response_url: str | None
    request: bytes | None
    response: bytes | None
    result: bytes | None
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    #: the party on the other end ("CC/PID"): see ``ProfileRequest.counterparty``
    counterparty: str | None = None


@dataclass(frozen=True, slots=True)
class ActiveRecord:
    id: int
    direction: str
    partner_id: int
    session_id: str
    document: bytes | None
    version: int
    state: str
    attempts: int
    last_error: str | None
    updated_at: datetime


def _request(row: ProfileRequest | Any) -> RequestRecord:
    return RequestRecord(
        row.id, row.direction, row.partner_id, row.session_id, row.kind, row.reference,
        row.response_url, row.request, row.response, row.result, row.state, row.attempts,
        row.last_error, row.created_at, row.updated_at, row.counterparty,
    )  # fmt: skip


def _active(row: ActiveProfile | Any) -> ActiveRecord:
    return ActiveRecord(
        row.id, row.direction, row.partner_id, row.session_id, row.document, row.version,
        row.state, row.attempts, row.last_error, row.updated_at,
    )  # fmt: skip


async def insert_request(
    session: AsyncSession,
    *,
    direction: str,
    partner_id: int,
    session_id: str,
    kind: str,
    state: str,
    reference: str | None = None,
    response_url: str | None = None,
    request: bytes | None = None,
    response: bytes | None = None,
    counterparty: str | None = None,
) -> RequestRecord:
    row = ProfileRequest(
        counterparty=counterparty,
        direction=direction,
        partner_id=partner_id,
        session_id=session_id,
        kind=kind,
        reference=reference,
        response_url=response_url,
        request=request,
        response=response,
        state=state,
        attempts=0,
    )
    session.add(row)
    await session.flush()
    return _request(row)


async def get_request(session: AsyncSession, request_id: int) -> RequestRecord | None:
    row = await session.get(ProfileRequest, request_id)
    return None if row is None else _request(row)


async def sent_by_reference(session: AsyncSession, reference: str) -> RequestRecord | None:
    stmt = select(ProfileRequest).where(ProfileRequest.reference == reference).with_for_update()
    row = (await session.scalars(stmt)).first()
    return None if row is None else _request(row)


async def update_request(session: AsyncSession, request_id: int, **values: object) -> None:
    """Set columns of a request (``response``, ``result``, ``state``, ``last_error`` …)."""
    if values.get("state") == State.PENDING:
        values.setdefault("next_attempt_at", utcnow())
    stmt = (
        update(ProfileRequest)
        .where(ProfileRequest.id == request_id)
        .values(**values, updated_at=utcnow())
    )
    await session.execute(stmt)


_R = cast(Table, ProfileRequest.__table__)
_P = cast(Table, ActiveProfile.__table__)
#: results of partners' requests to POST (CPO side), and ActiveChargingProfiles to PUT
RESULTS = Outbox(_R)
PUSHES = Outbox(_P)


async def claim_results(
    session: AsyncSession, now: datetime, limit: int, lease: float
) -> list[RequestRecord]:
    """Received requests whose result is due to be POSTed; leased for ``lease`` seconds."""
    rows = await claim_rows(
        session, RESULTS, now=now, limit=limit, lease_seconds=lease, returning=[_R]
    )
    return sorted((_request(row) for row in rows), key=lambda r: r.id)


async def record_result_attempt(
    session: AsyncSession,
    request_id: int,
    *,
    error: str | None,
    retry_at: datetime | None,
    refused: bool = False,
    max_refusals: int | None = None,
) -> None:
    """Delivered, or retried at ``retry_at`` (a refusal counts towards ``max_refusals``, then
    the row is failed: _store/leases.py)."""
    now = utcnow()
    values: dict[str, Any] = {"leased_until": None, "updated_at": now}
    if error is None:
        values |= {"state": State.DONE, "last_error": None}
    else:
        values |= failure_values(
            RESULTS,
            reason=error,
            retry_at=retry_at or now,
            refused=refused,
            max_refusals=max_refusals,
            now=now,
        )
    await session.execute(update(_R).where(_R.c.id == request_id).values(values))


async def put_active(
    session: AsyncSession,
    *,
    direction: str,
    partner_id: int,
    session_id: str,
    document: bytes | None,
    state: str,
) -> ActiveRecord:
    """Insert or replace the ActiveChargingProfile of (direction, partner, session)."""
    stmt = select(ActiveProfile).where(
        ActiveProfile.direction == direction,
        ActiveProfile.partner_id == partner_id,
        ActiveProfile.session_key == fold_id(session_id),
    )
    row = (await session.scalars(stmt.with_for_update())).first()
    now = utcnow()
    if row is None:
        row = ActiveProfile(
            direction=direction,
            partner_id=partner_id,
            session_key=fold_id(session_id),
            session_id=session_id,
            version=1,
            attempts=0,
        )
        session.add(row)
    else:
        row.version += 1
    row.document = document
    row.state = state
    row.updated_at = now
    row.next_attempt_at = now if state == State.PENDING else None
    await session.flush()
    return _active(row)


async def get_active(
    session: AsyncSession, direction: str, partner_id: int, session_id: str
) -> ActiveRecord | None:
    stmt = select(ActiveProfile).where(
        ActiveProfile.direction == direction,
        ActiveProfile.partner_id == partner_id,
        ActiveProfile.session_key == fold_id(session_id),
    )
    row = (await session.scalars(stmt)).first()
    return None if row is None else _active(row)


async def setter_party(
    session: AsyncSession, direction: str, partner_id: int, session_id: str
) -> str | None:
    """The party ("CC/PID") of the latest set request of ``direction`` from ``partner_id`` for
    this session, if it was kept: where the session's ActiveChargingProfile goes."""
    stmt = (
        select(ProfileRequest.counterparty)
        .where(
            ProfileRequest.direction == direction,
            ProfileRequest.partner_id == partner_id,
            ProfileRequest.session_id == session_id,
            ProfileRequest.kind == "SET",
            ProfileRequest.counterparty.is_not(None),
        )
        .order_by(ProfileRequest.id.desc())
        .limit(1)
    )
    found: str | None = (await session.scalars(stmt)).first()
    return found


async def subscribers(session: AsyncSession, direction: str, session_id: str) -> list[int]:
    """The partners with a row of ``direction`` for this session."""
    stmt = select(ActiveProfile.partner_id).where(
        ActiveProfile.direction == direction,
        ActiveProfile.session_key == fold_id(session_id),
    )
    return list(await session.scalars(stmt))


async def claim_pushes(
    session: AsyncSession, now: datetime, limit: int, lease: float
) -> list[ActiveRecord]:
    """ActiveChargingProfiles due to be pushed; leased for ``lease`` seconds."""
    rows = await claim_rows(
        session, PUSHES, now=now, limit=limit, lease_seconds=lease, returning=[_P]
    )
    return sorted((_active(row) for row in rows), key=lambda r: r.id)


async def give_up_push(session: AsyncSession, active_id: int, error: str) -> None:
    """Stop pushing to a partner that is gone."""
    row = await session.get(ActiveProfile, active_id)
    if row is not None:
        row.state, row.last_error, row.leased_until = State.FAILED, error, None


async def record_push(
    session: AsyncSession,
    record: ActiveRecord,
    *,
    error: str | None,
    retry_at: datetime | None,
    refused: bool = False,
    max_refusals: int | None = None,
) -> None:
    """The outcome of pushing ``record``; a success done only if nothing changed meanwhile; a
    refusal counts towards ``max_refusals``, then the push is failed (_store/leases.py)."""
    if error is not None:
        now = utcnow()
        values = failure_values(
            PUSHES,
            reason=error,
            retry_at=retry_at or now,
            refused=refused,
            max_refusals=max_refusals,
            now=now,
        )
        await session.execute(update(_P).where(_P.c.id == record.id).values(values))
        return
    row = await session.get(ActiveProfile, record.id)
    if row is None:
        return
    row.leased_until = None
    row.last_error = None
    row.attempts = 0
    row.refusals = 0
    if row.version == record.version:
        row.state = State.DONE
    else:
        row.next_attempt_at = utcnow()


def _overdue(now: datetime):  # type: ignore[no-untyped-def]
    # Sent requests keep in next_attempt_at when their result is due at the latest.
    return select(ProfileRequest).where(
        ProfileRequest.direction == "sent",
        ProfileRequest.state == State.WAITING,
        ProfileRequest.next_attempt_at <= now,
    )


async def any_overdue(session: AsyncSession, now: datetime) -> bool:
    """Whether a sent request's result is overdue (a read: no locks)."""
    found = await session.scalar(_overdue(now).with_only_columns(ProfileRequest.id).limit(1))
    return found is not None


async def overdue_requests(session: AsyncSession, now: datetime, limit: int) -> list[RequestRecord]:
    """Sent requests whose result is overdue, locked (skipping rows another process holds)."""
    stmt = _overdue(now).order_by(ProfileRequest.id).limit(limit).with_for_update(skip_locked=True)
    return [_request(row) for row in await session.scalars(stmt)]
