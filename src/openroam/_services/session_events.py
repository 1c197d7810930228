"""Which events a change to a Session gives (mod_sessions "Session Object").

* ``session.started``: the Session is stored for the first time;
* ``session.ended``: it has ended — status ``COMPLETED`` or ``INVALID``, or an ``end_date_time``
  (mod_sessions "SessionStatus", "Session Object") — and had not before: once per Session;
* ``session.updated``: any other change.

A Session first seen already ended gives ``session.started`` and then ``session.ended``. Each
event carries the whole Session as it is after the change, so a consumer never has to merge.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from openroam._services.events import EventService, EventType, session_subject

__all__ = ["has_ended", "record_session_change", "session_change_events"]

_FINAL = ("COMPLETED", "INVALID")


def has_ended(session: dict[str, Any]) -> bool:
    return session.get("status") in _FINAL or session.get("end_date_time") is not None


def session_change_events(before: dict[str, Any] | None, after: dict[str, Any]) -> list[EventType]:
    """The event types of a change from ``before`` (None: not stored yet) to ``after``."""
    if before is None:
        started = [EventType.SESSION_STARTED]
        return [*started, EventType.SESSION_ENDED] if has_ended(after) else started
    if has_ended(after) and not has_ended(before):
        return [EventType.SESSION_ENDED]
    return [EventType.SESSION_UPDATED]


async def record_session_change(
    events: EventService,
    session: AsyncSession,
    origin: int,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> None:
    """Record the events of a Session change in the writing transaction. ``origin``: 0 for our
    own Sessions (CPO side), else the partner that sent it."""
    subject = session_subject(after["country_code"], after["party_id"], after["id"])
    data = {"session": after, "partner_id": origin or None}
    for event_type in session_change_events(before, after):
        await events.record(session, event_type, subject, data)
