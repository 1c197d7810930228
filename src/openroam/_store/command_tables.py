"""The ``commands`` table: remote commands (mod_commands.asciidoc), sent or received.

One row per command, on either side:

* ``side = 'sent'`` (we are the eMSP): the command we POSTed to a partner's Commands Receiver,
  its synchronous CommandResponse, and the CommandResult the CPO POSTed to our ``response_url``
  (or TIMEOUT when none came in time). ``uid`` is the unique segment of that ``response_url``.
* ``side = 'received'`` (we are the CPO): the command a partner POSTed to us, our CommandResponse,
  and the CommandResult our backend reported. The row is also the outbox entry of the POST of
  that result to the partner's ``response_url`` (``delivery_*`` columns), retried with backoff
  until the partner answers, like the ``deliveries`` outbox.

``state``: ``sending`` (our POST is open), ``pending`` (a result is awaited until ``deadline``),
``done``. The timeout check and the result arrival both change a row only ``WHERE state <>
'done'``, so on PostgreSQL with several processes exactly one of them decides the result.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from openroam._store.objects import BigId
from openroam._store.tables import Base, utcnow

__all__ = ["Command", "CommandSide", "CommandState"]


class CommandSide:
    SENT = "sent"
    RECEIVED = "received"


class CommandState:
    SENDING = "sending"
    PENDING = "pending"
    DONE = "done"


class Command(Base):
    """One command and everything that happened to it."""

    __tablename__ = "commands"
    __table_args__ = (
        Index(None, "state", "deadline"),
        Index(None, "delivery_state", "next_attempt_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    side: Mapped[str] = mapped_column(String(10))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(20))
    # The command object as JSON text, with its response_url.
    request: Mapped[bytes] = mapped_column(LargeBinary)
    response_url: Mapped[str] = mapped_column(String(255))
    # The party on the other end ("CC/PID" as given): received, the requester (its OCPI-from-*),
    # which the result is addressed TO; sent, the CPO party the command was addressed TO.
    # NULL for commands stored before routing headers were kept.
    counterparty: Mapped[str | None] = mapped_column(String(6))
    state: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the awaited result is given up on (TIMEOUT, or FAILED on the CPO side).
    deadline: Mapped[datetime]
    # The CommandResponse (JSON), or why there is none (the POST failed).
    response: Mapped[bytes | None] = mapped_column(LargeBinary)
    response_error: Mapped[str | None] = mapped_column(Text)
    # The CommandResult (JSON) and when it was decided.
    result: Mapped[bytes | None] = mapped_column(LargeBinary)
    result_at: Mapped[datetime | None]
    # CPO side: the POST of the result to response_url.
    delivery_state: Mapped[str | None] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(default=0)
    # Permanent refusals since the last success; bounded, then failed (_store/leases.py).
    refusals: Mapped[int] = mapped_column(server_default=text("0"))
    next_attempt_at: Mapped[datetime | None]
    leased_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
