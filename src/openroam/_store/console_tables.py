"""Tables the operator console reads (docs/console.md).

* ``message_log`` — every OCPI exchange in and out: one row per request with its answer
  (direction, partner, module, method, URL, HTTP and OCPI status, duration, request and
  correlation ids) and the start of each body, tokens masked. Written in batches, off the
  request's path; rows older than the retention, or beyond the size cap, are deleted oldest
  first. ``size`` is the bytes of both bodies as stored, summed for the cap.
* ``evse_status_changes`` — each change of an EVSE's status, own or a partner's, as stored
  (mod_locations "EVSE Object" ``status``): the history the Locations page shows per EVSE.
  ``origin`` is the object's origin as in ``ocpi_objects`` (0: our own).
* ``console_logouts`` — the console sessions logged out before they expired (the nonce of the
  signed cookie), so every process of the node refuses such a cookie at once; a row is deleted
  once its session would have expired anyway.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from openroam._store.objects import BigId
from openroam._store.tables import Base, utcnow

__all__ = ["ConsoleLogout", "EvseStatusChange", "MessageLogEntry"]


class MessageLogEntry(Base):
    """One OCPI exchange, in (a partner called us) or out (we called a partner)."""

    __tablename__ = "message_log"
    __table_args__ = (
        Index(None, "partner_id", "id"),
        # Only the messages that store an answer others refer to have a key.
        Index(
            None,
            "answer_key",
            sqlite_where=text("answer_key IS NOT NULL"),
            postgresql_where=text("answer_key IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at_micros: Mapped[int] = mapped_column(BigInteger, index=True)
    """When the request was sent: whole microseconds since the epoch (UTC). A number, not a
    time stamp: the row is made when the message is captured and written as it is, and the
    database has no text or time to make of it (the console turns it into a time)."""
    direction: Mapped[str] = mapped_column(String(3))
    """``in`` or ``out``."""
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="SET NULL"), default=None
    )
    partner_name: Mapped[str | None] = mapped_column(String(100), default=None)
    module: Mapped[str | None] = mapped_column(String(32), default=None)
    method: Mapped[str] = mapped_column(String(8))
    url: Mapped[str] = mapped_column(Text)
    http_status: Mapped[int | None] = mapped_column(Integer, default=None)
    """None: no answer (the partner could not be reached, or the caller left)."""
    ocpi_status: Mapped[int | None] = mapped_column(Integer, default=None)
    duration_ms: Mapped[float] = mapped_column(Float)
    request_id: Mapped[str | None] = mapped_column(String(64), default=None)
    correlation_id: Mapped[str | None] = mapped_column(String(64), default=None)
    request_body: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    request_bytes: Mapped[int] = mapped_column(Integer, default=0)
    """The whole request body's length (``request_body`` may hold only its start)."""
    response_bytes: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    """Why there is no answer (connection refused, timeout)."""
    answer_key: Mapped[int | None] = mapped_column(BigInteger, default=None)
    """Names this message's stored answer, when later messages may refer to it: a random
    number chosen when the message is captured (its id is not known until it is written, and
    the later ones are captured before that)."""
    shared_answer_key: Mapped[int | None] = mapped_column(BigInteger, default=None)
    """An answer of ours whose start is that of an earlier message's answer (a GET page while
    its objects do not change): ``response_body`` is NULL, stored once in the message whose
    ``answer_key`` this is."""


class EvseStatusChange(Base):
    """An EVSE's status as it changed (mod_locations "EVSE Object" ``status``)."""

    __tablename__ = "evse_status_changes"
    __table_args__ = (
        # Named: the convention's name would pass PostgreSQL's 63 characters.
        Index(
            "ix_evse_status_changes_evse",
            "origin",
            "country_code",
            "party_id",
            "location_id",
            "evse_uid",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    origin: Mapped[int] = mapped_column(Integer)
    country_code: Mapped[str] = mapped_column(String(2))
    party_id: Mapped[str] = mapped_column(String(3))
    location_id: Mapped[str] = mapped_column(String(36))
    evse_uid: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(16))
    previous: Mapped[str | None] = mapped_column(String(16), default=None)
    """The status before (None: the EVSE's first status stored)."""
    last_updated: Mapped[datetime] = mapped_column()
    """The EVSE's ``last_updated`` with this status (the sender's clock)."""
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsoleLogout(Base):
    """A console session logged out before it expired."""

    __tablename__ = "console_logouts"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
