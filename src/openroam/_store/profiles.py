"""Reading and writing ChargingProfiles requests and ActiveChargingProfiles (see
:mod:`openroam._store.profile_tables`). Callers own the transaction; records are frozen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

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


def _request(row: ProfileRequest) -> RequestRecord:
    return RequestRecord(
        row.id, row.direction, row.partner_id, row.session_id, row.kind, row.reference,
        row.response_url, row.request, row.response, row.result, row.state, row.attempts,
        row.last_error, row.created_at, row.updated_at,
    )  # fmt: skip


def _active(row: ActiveProfile) -> ActiveRecord:
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
) -> RequestRecord:
    row = ProfileRequest(
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


def _due(model: type[ProfileRequest] | type[ActiveProfile], now: datetime):  # type: ignore[no-untyped-def]
    return (
        select(model)
        .where(
            model.state == State.PENDING,
            model.next_attempt_at <= now,
            or_(model.leased_until.is_(None), model.leased_until < now),
        )
        .order_by(model.id)
    )


async def claim_results(
    session: AsyncSession, now: datetime, limit: int, lease: float
) -> list[RequestRecord]:
    """Received requests whose result is due to be POSTed; leased for ``lease`` seconds."""
    stmt = _due(ProfileRequest, now).limit(limit).with_for_update(skip_locked=True)
    rows = list(await session.scalars(stmt))
    for row in rows:
        row.leased_until = now + timedelta(seconds=lease)
    await session.flush()
    return [_request(row) for row in rows]


async def record_result_attempt(
    session: AsyncSession, request_id: int, *, error: str | None, retry_at: datetime | None
) -> None:
    row = await session.get(ProfileRequest, request_id)
    if row is None:
        return
    row.leased_until = None
    row.updated_at = utcnow()
    if error is None:
        row.state = State.DONE
        row.last_error = None
    else:
        row.attempts += 1
        row.last_error = error
        row.next_attempt_at = retry_at


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
    stmt = _due(ActiveProfile, now).limit(limit).with_for_update(skip_locked=True)
    rows = list(await session.scalars(stmt))
    for row in rows:
        row.leased_until = now + timedelta(seconds=lease)
    await session.flush()
    return [_active(row) for row in rows]


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
) -> None:
    """The outcome of pushing ``record``; a success done only if nothing changed meanwhile."""
    row = await session.get(ActiveProfile, record.id)
    if row is None:
        return
    row.leased_until = None
    if error is None:
        row.last_error = None
        row.attempts = 0
        if row.version == record.version:
            row.state = State.DONE
        else:
            row.next_attempt_at = utcnow()
    else:
        row.attempts += 1
        row.last_error = error
        row.next_attempt_at = retry_at


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
