"""Tables for ChargingProfiles (mod_charging_profiles.asciidoc): the requests and their
asynchronous results, and the ActiveChargingProfiles pushed after a successful set.

* ``profile_requests``: one row per GET/SET/CLEAR of a session's profile. ``direction`` ``sent``:
  we (eMSP/SCSP) asked a CPO; ``reference`` is the last segment of the ``response_url`` we gave,
  so the CPO's result finds its row; ``response`` is the CPO's ChargingProfileResponse, ``result``
  the later *Result. ``direction`` ``received``: a partner asked us (CPO); ``response_url`` is
  where the result goes. The row is also the outbox of that result: ``state`` ``pending`` until
  the POST succeeded (retried with back-off, never dropped while the partner is registered).
* ``active_profiles``: the ActiveChargingProfile of a session per partner. ``direction``
  ``received``: the last one a CPO pushed to us. ``sent``: a partner that successfully set a
  profile for one of our sessions, to which every change is pushed ("Sender Interface, PUT";
  only after such a set), with the same outbox columns; ``version`` grows with each change so a
  push that raced a newer change leaves the row pending.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
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

__all__ = ["ActiveProfile", "ProfileRequest"]


class ProfileRequest(Base):
    """One ChargingProfiles request, sent or received, with its answer and result."""

    __tablename__ = "profile_requests"
    __table_args__ = (
        Index(None, "state", "next_attempt_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    direction: Mapped[str] = mapped_column(String(8))
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(5))
    reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    response_url: Mapped[str | None] = mapped_column(Text)
    # The party on the other end ("CC/PID" as given): received, the requester (its OCPI-from-*),
    # which results are addressed TO; sent, the CPO party the request was addressed TO.
    counterparty: Mapped[str | None] = mapped_column(String(6))
    request: Mapped[bytes | None] = mapped_column(LargeBinary)
    response: Mapped[bytes | None] = mapped_column(LargeBinary)
    result: Mapped[bytes | None] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(default=0)
    # Permanent refusals since the last success; bounded, then failed (_store/leases.py).
    refusals: Mapped[int] = mapped_column(server_default=text("0"))
    #: received: when the result is to be POSTed next; sent: when the result is due at the
    #: latest (the CPO's response ``timeout``), then the request is timed out
    next_attempt_at: Mapped[datetime | None]
    leased_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActiveProfile(Base):
    """A session's ActiveChargingProfile for one partner, received or to be pushed."""

    __tablename__ = "active_profiles"
    __table_args__ = (
        UniqueConstraint("direction", "partner_id", "session_key"),
        Index(None, "state", "next_attempt_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    direction: Mapped[str] = mapped_column(String(8))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    session_key: Mapped[str] = mapped_column(String(36))
    session_id: Mapped[str] = mapped_column(String(36))
    document: Mapped[bytes | None] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(default=0)
    # Permanent refusals since the last success; bounded, then failed (_store/leases.py).
    refusals: Mapped[int] = mapped_column(server_default=text("0"))
    next_attempt_at: Mapped[datetime | None]
    leased_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
