"""Tables for events to the party's own backend (docs/backend-api.md "Events and webhooks").

* ``events``: one row per event, written in the transaction of the change that caused it, so an
  event exists exactly when its change committed. The row is also the webhook outbox entry
  (``webhook_state`` …): one thing to send, never coalesced — every event goes out.
  ``sequence`` numbers the events of one ``subject`` (a session, a CDR) 1, 2, 3 …; ``position``
  is the order the backend API lists events in, given once an event has committed (see
  :func:`openroam._store.events.assign_positions`), so a reader that pages with ``after`` never
  skips an event that committed late.
* ``event_subjects``: the last sequence per subject. Taking the next number locks the row, so
  two transactions writing events of one subject are serialised and the numbers follow the
  order in which they commit.
* ``event_attempts``: one row per webhook attempt.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from openroam._store.objects import BigId
from openroam._store.tables import Base, utcnow

__all__ = ["Event", "EventAttempt", "EventSubject", "WebhookState"]


class WebhookState:
    """What happened to an event's webhook (plain strings: compared inside SQL)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    # No URL was configured for the event's type when a worker took it: it is kept for the
    # backend API (GET /api/events) only.
    UNSENT = "unsent"
    # The backend refused it (HTTP 4xx but 401/408/429) as often as allowed: not sent again;
    # still listed by GET /api/events.
    FAILED = "failed"


class Event(Base):
    """One event for the party's backend, and the state of its webhook."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("subject", "sequence"),
        Index(None, "webhook_state", "next_attempt_at"),
        # The events still waiting for a position (few, briefly).
        Index("ix_events_unpositioned", "id", sqlite_where=text("position IS NULL"),
              postgresql_where=text("position IS NULL")),
        {"sqlite_autoincrement": True},
    )  # fmt: skip

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    position: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    type: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(120))
    sequence: Mapped[int]
    # The event's data as JSON text, exactly as webhooks and the API send it.
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    webhook_state: Mapped[str] = mapped_column(String(10))
    # Failed attempts so far (drives the back-off).
    attempts: Mapped[int] = mapped_column(default=0)
    # Permanent refusals since the last success; bounded, then failed (_store/leases.py).
    refusals: Mapped[int] = mapped_column(server_default=text("0"))
    next_attempt_at: Mapped[datetime]
    leased_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]


class EventSubject(Base):
    """The last event sequence number given to one subject."""

    __tablename__ = "event_subjects"

    subject: Mapped[str] = mapped_column(String(120), primary_key=True)
    last_sequence: Mapped[int]


class EventAttempt(Base):
    """One attempt to POST an event to its webhook URL."""

    __tablename__ = "event_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    url: Mapped[str] = mapped_column(String(255))
    ok: Mapped[bool] = mapped_column(Boolean)
    http_status: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[float] = mapped_column(Float)
