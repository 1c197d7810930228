"""CPO side of mod_commands.asciidoc: answer partners' commands, report their results.

:meth:`CommandReceiver.receive` answers at once with a CommandResponse ("Receiver Interface",
"Response Data": the CPO's verdict, not the Charge Point's):

* NOT_SUPPORTED for a command type this node is configured not to accept;
* REJECTED with status 2003 for an unknown Location (the "UNLOCK_CONNECTOR Unknown Location"
  diagram), REJECTED for an unknown EVSE or Connector, and for a START_SESSION without
  ``connector_id`` at an EVSE with START_SESSION_CONNECTOR_REQUIRED ("StartSession Object");
* UNKNOWN_SESSION for a STOP_SESSION of a Session that is not one of ours for this eMSP;
* otherwise ACCEPTED with ``timeout``: the command is stored and handed to the backend (event
  ``command.received``). The Token is not checked ("StartSession Object": the eMSP authorized it).

The backend reports the Charge Point's result (:meth:`report_result`); the POST to the
partner's ``response_url`` is then queued in the command's row and sent with retries by
``_delivery/command_worker.py``. If the backend reports nothing within ``backend_timeout``,
:meth:`CommandService.expire` reports FAILED instead. A RESERVE_NOW that was decided may later get
CANCELED_RESERVATION: the CPO cancels the reservation ("Flow", "Reservation canceled by the CPO").

Through a Hub (or from a partner with several parties), the requester is the party the command
came FROM (``OCPI-from-*``), kept in ``commands.counterparty``: the result is POSTed TO it, a
STOP_SESSION may stop only its sessions, and its reservation ids are its own.

Reservations: the eMSP's ``reservation_id`` SHALL NOT reach the Charge Point as it is ("ReserveNow
Object"); the event carries ``reservation_key`` — the eMSP party and its id — which is unique
across eMSPs, for the backend to use with the Charge Point.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._services.command_sender import command_type_of
from openroam._services.commands import CommandSettings, record_result_event
from openroam._services.credentials import Caller
from openroam._services.events import EventService, EventType, command_subject
from openroam._services.platform import Platform
from openroam._services.roaming import OWN, validate_body
from openroam._services.routing import Party, party_key
from openroam._store import commands as store
from openroam._store import object_repo as objects
from openroam.errors import ClientError, NotFound
from openroam.models.common import OcpiModel, fold_id
from openroam.models.v221.commands import (
    COMMAND_OBJECTS,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CommandResultType,
    CommandType,
    StartSession,
    StopSession,
)
from openroam.models.v221.types import DisplayText, Role

__all__ = ["CommandReceiver", "Verdict"]

UNKNOWN_LOCATION = 2003
_AT_LOCATION = (CommandType.START_SESSION, CommandType.RESERVE_NOW, CommandType.UNLOCK_CONNECTOR)
Verdict = tuple[CommandResponse, int]
"""The CommandResponse and the OCPI status code of the answer."""


def _attr(command: OcpiModel, name: str) -> Any:
    return getattr(command, name, None)


def _find(items: Any, key: str, wanted: str) -> dict[str, Any] | None:
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict) and fold_id(str(item.get(key, ""))) == fold_id(wanted):
            return item
    return None


class CommandReceiver:
    """See the module docstring."""

    def __init__(self, platform: Platform, events: EventService, settings: CommandSettings) -> None:
        self.platform = platform
        self.events = events
        self.db = events.db
        self.settings = settings

    def _answer(self, result: CommandResponseType, text: str | None = None) -> CommandResponse:
        message = [DisplayText(language="en", text=text)] if text else None
        return CommandResponse(result=result, timeout=self.settings.timeout, message=message)

    async def receive(
        self,
        caller: Caller,
        command_type: str,
        body: bytes,
        addressed: tuple[str, str] | None,
        requester: Party | None = None,
    ) -> Verdict:
        """A partner's command, sent TO ``addressed`` (our party, if named) FROM ``requester``
        (its party, if known)."""
        kind = command_type_of(command_type)
        command = validate_body(COMMAND_OBJECTS[kind], body)
        if kind not in self.settings.supported:
            return self._answer(CommandResponseType.NOT_SUPPORTED, f"{kind} is not supported"), 1000
        async with self.events.transaction() as session:
            refusal = await self._check(session, caller, kind, command, addressed, requester)
            if refusal is not None:
                return refusal
            await self._accept(session, caller, kind, command, requester)
        return self._answer(CommandResponseType.ACCEPTED), 1000

    def _parties(self, addressed: tuple[str, str] | None) -> list[tuple[str, str]]:
        if addressed is not None:
            return [addressed]
        return [(p.country_code, p.party_id) for p in self.platform.parties if p.role == Role.CPO]

    async def _own(
        self, session: AsyncSession, module: str, object_id: str, parties: list[tuple[str, str]]
    ) -> dict[str, Any] | None:
        for country_code, party_id in parties:
            found = await objects.get_object(
                session, module, OWN, country_code, party_id, object_id
            )
            if found is not None:
                document: dict[str, Any] = orjson.loads(found.document)
                return document
        return None

    async def _check(
        self,
        session: AsyncSession,
        caller: Caller,
        kind: CommandType,
        command: OcpiModel,
        addressed: tuple[str, str] | None,
        requester: Party | None,
    ) -> Verdict | None:
        parties = self._parties(addressed)
        if isinstance(command, StopSession):
            found = await self._own(session, "sessions", command.session_id, parties)
            if found is None or not _belongs_to(found, caller, requester):
                return self._answer(CommandResponseType.UNKNOWN_SESSION), 1000
            return None
        if kind not in _AT_LOCATION:
            return None
        location_id: str = _attr(command, "location_id")
        location = await self._own(session, "locations", location_id, parties)
        if location is None:
            rejected = self._answer(CommandResponseType.REJECTED, "Unknown Location")
            return rejected, UNKNOWN_LOCATION
        evse_uid: str | None = getattr(command, "evse_uid", None)
        if evse_uid is None:
            return None
        evse = _find(location.get("evses"), "uid", evse_uid)
        if evse is None:
            return self._answer(CommandResponseType.REJECTED, f"Unknown EVSE {evse_uid}"), 1000
        connector_id: str | None = getattr(command, "connector_id", None)
        if connector_id is not None and _find(evse.get("connectors"), "id", connector_id) is None:
            text = f"Unknown Connector {connector_id}"
            return self._answer(CommandResponseType.REJECTED, text), 1000
        if (
            isinstance(command, StartSession)
            and connector_id is None
            and "START_SESSION_CONNECTOR_REQUIRED" in (evse.get("capabilities") or ())
        ):
            # mod_commands "StartSession Object", connector_id: required when the EVSE has the
            # capability START_SESSION_CONNECTOR_REQUIRED.
            text = "This EVSE requires connector_id (START_SESSION_CONNECTOR_REQUIRED)"
            return self._answer(CommandResponseType.REJECTED, text), 1000
        return None

    async def _accept(
        self,
        session: AsyncSession,
        caller: Caller,
        kind: CommandType,
        command: OcpiModel,
        requester: Party | None,
    ) -> None:
        uid = uuid.uuid4().hex
        now = datetime.now(UTC)
        record = await store.insert_command(
            session,
            uid=uid,
            side=store.CommandSide.RECEIVED,
            partner_id=caller.partner_id,
            type=str(kind),
            request=command.to_json(),
            response_url=str(_attr(command, "response_url")),
            state=store.CommandState.PENDING,
            deadline=now + timedelta(seconds=self.settings.backend_seconds),
            response=self._answer(CommandResponseType.ACCEPTED).to_json(),
            counterparty=None if requester is None else party_key(requester),
        )
        data: dict[str, Any] = {
            "id": uid,
            "type": str(kind),
            "partner": caller.partner_name,
            "command": {k: v for k, v in command.to_dict().items() if k != "response_url"},
            "deadline": record.deadline.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        reservation_id = getattr(command, "reservation_id", None)
        if reservation_id is not None:
            data["reservation_key"] = _reservation_key(caller, reservation_id, requester)
        await self.events.record(session, EventType.COMMAND_RECEIVED, command_subject(uid), data)

    async def report_result(self, uid: str, result: CommandResult | bytes) -> dict[str, Any]:
        """The backend reports the Charge Point's result; it is POSTed to the partner."""
        if isinstance(result, bytes):
            parsed = validate_body(CommandResult, result)
            assert isinstance(parsed, CommandResult)
            result = parsed
        now = datetime.now(UTC)
        async with self.events.transaction() as session:
            record = await store.get_command(
                session, uid, side=store.CommandSide.RECEIVED, for_update=True
            )
            if record is None:
                raise NotFound(f"Unknown command {uid}")
            if record.state == store.CommandState.DONE and not _cancels_reservation(record, result):
                raise ClientError(
                    f"The result of command {uid} was decided already", http_status=409
                )
            record = await store.update_command(
                session,
                record.id,
                state=store.CommandState.DONE,
                result=result.to_json(),
                result_at=now,
                delivery_state=store.PENDING,
                next_attempt_at=now,
                attempts=0,
            )
            await record_result_event(self.events, session, record, None)
        return {"id": uid, "result": result.to_dict()}


def _cancels_reservation(record: store.CommandRecord, result: CommandResult) -> bool:
    # mod_commands "Flow": the CPO cancels a reservation by POSTing CANCELED_RESERVATION to the
    # RESERVE_NOW's response_url, after that command's own result.
    return (
        record.type == CommandType.RESERVE_NOW
        and result.result == CommandResultType.CANCELED_RESERVATION
    )


def _belongs_to(session: dict[str, Any], caller: Caller, requester: Party | None) -> bool:
    """A STOP_SESSION may stop only a session of the calling eMSP's own tokens (through a Hub:
    of the requesting party's)."""
    token = session.get("cdr_token") or {}
    wanted = (fold_id(str(token.get("country_code", ""))), fold_id(str(token.get("party_id", ""))))
    if caller.hub and requester is not None:
        return (fold_id(requester[0]), fold_id(requester[1])) == wanted
    return any(
        role == Role.HUB or (fold_id(cc), fold_id(pid)) == wanted for role, cc, pid in caller.roles
    )


def _reservation_key(caller: Caller, reservation_id: str, requester: Party | None) -> str:
    country_code, party_id = ("", "")
    for role, cc, pid in caller.roles:
        if role != Role.CPO:
            country_code, party_id = cc, pid
            break
    if requester is not None:
        country_code, party_id = requester
    return f"{fold_id(country_code)}{fold_id(party_id)}-{fold_id(reservation_id)}"
