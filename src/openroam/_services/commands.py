"""Remote commands (mod_commands.asciidoc), both sides, and what they share.

* :class:`~openroam._services.command_sender.CommandSender` (eMSP): sends a command to a partner's
  Commands Receiver with a ``response_url`` unique to it, stores the CommandResponse and the
  CommandResult, and reports both to the backend as events.
* :class:`~openroam._services.command_receiver.CommandReceiver` (CPO): answers a partner's command
  with a CommandResponse, hands it to the backend (event ``command.received``), and queues the
  backend's CommandResult for the POST to the partner's ``response_url``.
* :meth:`CommandService.expire` (both): a result not given by the deadline becomes TIMEOUT
  (eMSP: "When the Result is not received within this timeout, the eMSP can assume that the
  message might never be send", "CommandResponse Object") or FAILED (CPO: our backend did not
  answer in time; the partner still gets a result before its timeout runs out).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._services.events import EventService, EventType, command_subject
from openroam._store import commands as store
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.models.common import format_datetime
from openroam.models.v221.commands import (
    CommandResponse,
    CommandResult,
    CommandResultType,
    CommandType,
)
from openroam.models.v221.types import DisplayText

__all__ = [
    "CommandApi",
    "CommandApiFactory",
    "CommandService",
    "CommandSettings",
    "command_view",
    "record_result_event",
]

#: the eMSP's Commands Sender interface: the CPO POSTs a result to {base}/{type}/{uid}
SENDER_PATH = "/ocpi/2.2.1/sender/commands"
#: the CPO's Commands Receiver interface: the eMSP POSTs a command to {base}/{type}
RECEIVER_PATH = "/ocpi/2.2.1/receiver/commands"
#: the same for an OCPI 2.1.1 CPO (mod_commands.md 2.2 "eMSP Interface"): it POSTs its
#: asynchronous CommandResponse to {base}/{type}/{uid}; a command sent to a 2.1.1 partner names
#: this as its response_url
V211_SENDER_PATH = "/ocpi/2.1.1/emsp/commands"


class CommandApi(Protocol):
    """The partner calls commands need (implemented by ``client.OcpiClient``)."""

    async def post_command(
        self, url: str, command: bytes, *, headers: Mapping[str, str] | None = None
    ) -> CommandResponse: ...
    async def post_command_data(
        self, url: str, command: bytes, *, headers: Mapping[str, str] | None = None
    ) -> Any: ...
    async def aclose(self) -> None: ...


CommandApiFactory = Callable[[str, bool], CommandApi]
"""``factory(token, encode_token)`` → a :class:`CommandApi` for one partner token."""


@dataclass(frozen=True, slots=True)
class CommandSettings:
    """How this node answers commands as a CPO."""

    #: the CommandResponse ``timeout`` (seconds) we promise the eMSP
    timeout: int = 60
    #: seconds our backend has to report the result before we POST FAILED; default 80 %
    #: of ``timeout``, so the eMSP hears from us before its own timeout runs out
    backend_timeout: float | None = None
    #: the command types we accept; the others are answered NOT_SUPPORTED
    supported: frozenset[CommandType] = field(default_factory=lambda: frozenset(CommandType))

    @property
    def backend_seconds(self) -> float:
        if self.backend_timeout is not None:
            return self.backend_timeout
        return self.timeout * 0.8


def _json(data: bytes | None) -> Any:
    return None if data is None else orjson.loads(data)


def command_view(record: store.CommandRecord, partner: str | None) -> dict[str, Any]:
    """A stored command as the backend API shows it."""
    view: dict[str, Any] = {
        "id": record.uid,
        "side": record.side,
        "type": record.type,
        "partner": partner,
        "state": record.state,
        "created_at": format_datetime(record.created_at),
        "deadline": format_datetime(record.deadline),
        "command": _json(record.request),
        "response": _json(record.response),
        "response_error": record.response_error,
        "result": _json(record.result),
        "result_at": format_datetime(record.result_at) if record.result_at else None,
    }
    if record.side == store.CommandSide.RECEIVED:
        view["delivery"] = {
            "state": record.delivery_state,
            "attempts": record.attempts,
            "last_error": record.last_error,
        }
    return view


async def record_result_event(
    events: EventService,
    session: AsyncSession,
    record: store.CommandRecord,
    partner: str | None,
    **extra: Any,
) -> None:
    """Event ``command.result``: the command's result was decided (or changed)."""
    data = {
        "id": record.uid,
        "side": record.side,
        "type": record.type,
        "partner": partner,
        "result": _json(record.result),
    } | extra
    await events.record(session, EventType.COMMAND_RESULT, command_subject(record.uid), data)


async def partner_name(session: AsyncSession, partner_id: int) -> str | None:
    partner = await repo.get_partner(session, partner_id)
    return None if partner is None else partner.name


class CommandService:
    """What both sides share: reading commands, and the deadline check."""

    def __init__(self, db: Database, events: EventService) -> None:
        self.db = db
        self.events = events

    async def get(self, uid: str) -> dict[str, Any] | None:
        async with self.db.session() as session:
            record = await store.get_command(session, uid)
            if record is None:
                return None
            return command_view(record, await partner_name(session, record.partner_id))

    async def list(self, *, side: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        async with self.db.session() as session:
            records = await store.list_commands(session, side=side, limit=limit)
            names = {p.id: p.name for p in await repo.list_partners(session)}
        return [command_view(record, names.get(record.partner_id)) for record in records]

    async def expire(self, *, now: datetime | None = None, limit: int = 100) -> Sequence[str]:
        """Decide every command whose result is overdue; the uids decided. Safe to run in
        several processes at once: each row is decided by the one that locked it."""
        now = now or datetime.now(UTC)
        async with self.db.session() as session:
            # Most rounds find nothing: only then take locks (on SQLite, the write lock).
            if not await store.any_due(session, now=now):
                return []
        async with self.events.transaction() as session:
            due = await store.due_for_expiry(session, now=now, limit=limit)
            for record in due:
                await self._expire(session, record, now)
        return [record.uid for record in due]

    async def _expire(
        self, session: AsyncSession, record: store.CommandRecord, now: datetime
    ) -> None:
        if record.side == store.CommandSide.SENT:
            # mod_commands "CommandResponse Object": no result within the timeout, the eMSP
            # can assume it might never come; CommandResultType TIMEOUT says so.
            result = _result(CommandResultType.TIMEOUT, _SENT_TIMEOUT)
            changes: dict[str, Any] = {}
        else:
            result = _result(CommandResultType.FAILED, _BACKEND_TIMEOUT)
            changes = {"delivery_state": store.PENDING, "next_attempt_at": datetime.now(UTC)}
        updated = await store.update_command(
            session,
            record.id,
            state=store.CommandState.DONE,
            result=result.to_json(),
            result_at=now,
            **changes,
        )
        name = await partner_name(session, record.partner_id)
        await record_result_event(self.events, session, updated, name, timed_out=True)


_SENT_TIMEOUT = "No CommandResult arrived within the timeout the CPO gave"
_BACKEND_TIMEOUT = "The Charge Point did not answer in time"


def _result(result: CommandResultType, text: str) -> CommandResult:
    return CommandResult(result=result, message=[DisplayText(language="en", text=text)])
