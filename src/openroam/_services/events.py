"""Events for the party's own backend (docs/backend-api.md "Events and webhooks").

A service that changes something records the event in the *same* transaction
(:meth:`EventService.record`), so an event exists exactly when its change committed: nothing is
lost, nothing is announced that did not happen. Three consumers read them:

* webhooks (``_delivery/webhooks.py``): every event is POSTed to the URL configured for its type,
  retried until the backend answers 2xx, in order per subject;
* the backend API (``GET /api/events?after=…``): every event, with or without a webhook;
* Python callbacks (:meth:`EventService.subscribe`): called in this process after the commit.

Each event belongs to a *subject* (one Session, one CDR …) and carries the subject's next
``sequence`` number, so a consumer can keep or restore the order per subject.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._services.event_types import ALL_EVENTS, EventType
from openroam._store import events as store
from openroam._store.db import Database
from openroam.models.common import fold_id

__all__ = [
    "ALL_EVENTS",
    "Event",
    "EventCallback",
    "EventService",
    "EventType",
    "cdr_subject",
    "command_subject",
    "session_subject",
    "token_subject",
]

log = logging.getLogger("openroam.events")


@dataclass(frozen=True, slots=True)
class Event:
    """One recorded event, as callbacks receive it."""

    id: int
    type: str
    subject: str
    sequence: int
    data: dict[str, Any]
    created_at: datetime

    @classmethod
    def of(cls, record: store.EventRecord) -> Event:
        data = orjson.loads(record.payload)
        return cls(record.id, record.type, record.subject, record.sequence, data, record.created_at)


EventCallback = Callable[[Event], Awaitable[None]]

# Where a session keeps the events it recorded until they are published after its commit.
_RECORDED = "openroam.events.recorded"


def session_subject(country_code: str, party_id: str, session_id: str) -> str:
    """The subject of a Session's events (ids folded: CiStrings, types.asciidoc)."""
    return f"session:{fold_id(country_code)}/{fold_id(party_id)}/{fold_id(session_id)}"


def cdr_subject(country_code: str, party_id: str, cdr_id: str) -> str:
    """The subject of a CDR's events."""
    return f"cdr:{fold_id(country_code)}/{fold_id(party_id)}/{fold_id(cdr_id)}"


def command_subject(uid: str) -> str:
    """The subject of one command's events (its uid, as in its ``response_url``)."""
    return f"command:{uid}"


def token_subject(country_code: str, party_id: str, uid: str) -> str:
    """The subject of a Token's events (real-time authorizations)."""
    return f"token:{fold_id(country_code)}/{fold_id(party_id)}/{fold_id(uid)}"


def _known(event_type: str) -> str:
    if event_type == ALL_EVENTS:
        return event_type
    try:
        return str(EventType(event_type))
    except ValueError:
        known = ", ".join(member.value for member in EventType)
        raise ValueError(f"unknown event type {event_type!r}; known: {known}") from None


class EventService:
    """Records events in the caller's transaction and calls subscribers after the commit."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._callbacks: dict[str, list[EventCallback]] = {}

    # --- Python callbacks ------------------------------------------------------------------

    def subscribe(self, event_type: EventType | str, callback: EventCallback) -> Callable[[], None]:
        """Call ``await callback(event)`` after each committed event of ``event_type`` (or of
        every type: ``"*"``) recorded by this process; returns a function that unsubscribes.

        Callbacks run after the commit, in order, on the path of the write that caused them:
        keep them short (hand slow work to a queue). One that raises is logged and skipped; the
        write has committed already and is not affected. Events of other processes reach
        webhooks and the API, not these callbacks.
        """
        key = _known(str(event_type))
        self._callbacks.setdefault(key, []).append(callback)

        def unsubscribe() -> None:
            callbacks = self._callbacks.get(key, [])
            if callback in callbacks:
                callbacks.remove(callback)

        return unsubscribe

    async def _dispatch(self, events: Sequence[Event]) -> None:
        for event in events:
            callbacks = [*self._callbacks.get(event.type, ()), *self._callbacks.get(ALL_EVENTS, ())]
            for callback in callbacks:
                try:
                    await callback(event)
                except Exception:
                    log.exception(
                        "event callback %r failed on %s %s #%s",
                        callback,
                        event.type,
                        event.subject,
                        event.sequence,
                    )

    # --- recording -------------------------------------------------------------------------

    async def record(
        self,
        session: AsyncSession,
        event_type: EventType,
        subject: str,
        data: Mapping[str, Any] | bytes,
    ) -> Event:
        """Record an event in ``session``'s open transaction (``data``: JSON-ready, or JSON text).

        It is published to callbacks by :meth:`publish` once that transaction committed;
        :meth:`transaction` does both.
        """
        payload = data if isinstance(data, bytes) else orjson.dumps(data)
        record = await store.insert_event(
            session, type=str(EventType(event_type)), subject=subject, payload=payload
        )
        event = Event.of(record)
        session.info.setdefault(_RECORDED, []).append(event)
        return event

    async def publish(self, session: AsyncSession) -> None:
        """Call the subscribers for the events ``session`` recorded; only after it committed."""
        recorded: list[Event] = session.info.pop(_RECORDED, [])
        if recorded:
            await self._dispatch(recorded)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction; after it commits, its events are published.

        An exception rolls the transaction back: its events are gone and nobody is told.
        """
        async with self.db.session() as session:
            async with session.begin():
                yield session
            await self.publish(session)

    async def emit(
        self, event_type: EventType, subject: str, data: Mapping[str, Any] | bytes
    ) -> Event:
        """Record one event in a transaction of its own and publish it."""
        async with self.transaction() as session:
            event = await self.record(session, event_type, subject, data)
        return event

    # --- reading ---------------------------------------------------------------------------

    async def read(
        self,
        *,
        after: int = 0,
        limit: int = 100,
        types: Sequence[str] | None = None,
        subject: str | None = None,
        webhook_state: str | None = None,
    ) -> list[store.EventRecord]:
        """Committed events after position ``after``, oldest first (every event, whether or not
        it has a webhook). Page on with the last one's ``position``. ``webhook_state``
        (``pending``, ``delivered``, ``unsent``) finds, e.g., the events a backend has not
        acknowledged yet."""
        types = [str(EventType(event_type)) for event_type in types] if types else None
        async with self.db.session() as session, session.begin():
            await store.assign_positions(session)
        async with self.db.session() as session:
            return await store.read_events(
                session,
                after=after,
                limit=limit,
                types=types,
                subject=subject,
                webhook_state=webhook_state,
            )
