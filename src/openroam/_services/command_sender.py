"""eMSP side of mod_commands.asciidoc: send commands, receive their results.

:meth:`CommandSender.send` stores the command *before* POSTing it (the CPO may POST the result
while our POST is still open, and that result must find its command), POSTs it to the partner's
Commands Receiver, and stores the CommandResponse. The ``response_url`` is unique per command
("Sender Interface": "It is advised to make this URL unique for every request"):
``{public_url}/ocpi/2.2.1/sender/commands/{TYPE}/{uid}``. A command to an OCPI 2.1.1 CPO goes
out in 2.1.1 (``_services/dialect.py``) with ``{public_url}/ocpi/2.1.1/emsp/commands/{TYPE}/{uid}``
as its ``response_url``. A command 2.1.1 cannot carry (CANCEL_RESERVATION, mod_commands.md 4.2; a
``reservation_id`` that is not an int, 3.2) is refused before anything is stored or sent. A 2.1.1
CommandResponse has no ``timeout``: the result is awaited for the converter's default.

Through a Hub, and to a platform hosting several parties, the command is addressed TO the CPO
party it is for (transport_and_format.asciidoc "Message Routing"): a party the backend names
(``target``), else the owner of the Location (START_SESSION, RESERVE_NOW, UNLOCK_CONNECTOR) or
Session (STOP_SESSION) we hold from that partner under that id, else — a direct partner — its
CPO party. A command through a Hub whose CPO cannot be told that way goes without ``OCPI-to-*``
when the Hub can route it by its ``location_id`` ("Open Routing Request"), and is refused before
sending (409) otherwise. The party is kept in ``commands.counterparty``; a result must come FROM
it.

Events for the backend: ``command.response`` once the CPO answered (or the POST failed),
``command.result`` when the CommandResult arrives — or TIMEOUT, when it did not arrive within the
CPO's ``timeout`` (:meth:`CommandService.expire`). A result that arrives after the TIMEOUT is
still stored and reported, with ``late: true``; so is the CANCELED_RESERVATION a CPO POSTs to a
RESERVE_NOW's ``response_url`` when it cancels the reservation ("Flow").
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from openroam._services.commands import (
    SENDER_PATH,
    CommandApiFactory,
    command_view,
    record_result_event,
)
from openroam._services.credentials import Caller
from openroam._services.dialect import Unconvertible, dialect_of
from openroam._services.events import EventService, EventType, command_subject
from openroam._services.platform import Platform
from openroam._services.roaming import validate_body
from openroam._services.routing import (
    Party,
    held_owner,
    is_hub,
    own_party,
    parse_party,
    partner_party,
    party_key,
    routing_headers,
    same_party,
)
from openroam._store import commands as store
from openroam._store import repositories as repo
from openroam.errors import ClientError, InvalidOrMissingParameters, NotFound, OcpiError
from openroam.models.v221.commands import (
    COMMAND_OBJECTS,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CommandResultType,
    CommandType,
)
from openroam.models.v221.types import Role
from openroam.models.v221.versions import InterfaceRole, ModuleID

__all__ = ["CommandSender", "command_type_of"]

# How long a command may stay "sending" (our POST open; the process may die meanwhile) before
# the expiry check gives it up: beyond any client timeout.
SENDING_GRACE = timedelta(seconds=120)

# The command types naming a Location (mod_commands: StartSession, ReserveNow, UnlockConnector
# objects), which a Hub can route by the Location it holds ("Open Routing Request").
_AT_LOCATION = (CommandType.START_SESSION, CommandType.RESERVE_NOW, CommandType.UNLOCK_CONNECTOR)


def command_type_of(value: str) -> CommandType:
    """The CommandType named by a URL segment or argument (2001 when it is none)."""
    try:
        return CommandType(value.upper())
    except ValueError:
        known = ", ".join(member.value for member in CommandType)
        raise InvalidOrMissingParameters(
            f"Unknown command type {value!r}; one of {known}"
        ) from None


def _endpoint(partner: repo.PartnerRecord) -> str:
    for endpoint in partner.endpoints:
        if endpoint.identifier == ModuleID.COMMANDS and endpoint.role == InterfaceRole.RECEIVER:
            return endpoint.url
    raise ClientError(f"Partner {partner.name!r} offers no Commands Receiver", http_status=409)


class CommandSender:
    """See the module docstring."""

    def __init__(
        self, platform: Platform, events: EventService, api_factory: CommandApiFactory | None
    ) -> None:
        self.platform = platform
        self.events = events
        self.db = events.db
        self.api_factory = api_factory

    def response_url(self, command_type: CommandType, uid: str, path: str = SENDER_PATH) -> str:
        """Where the CPO POSTs the result: ``{public_url}{path}/{TYPE}/{uid}`` (``path``: our
        Commands endpoint of the partner's version)."""
        return f"{self.platform.public_url.rstrip('/')}{path}/{command_type}/{uid}"

    async def send(
        self,
        partner: str,
        command_type: CommandType | str,
        fields: Mapping[str, Any] | bytes,
        *,
        target: Party | None = None,
    ) -> dict[str, Any]:
        """Send a command to ``partner`` (its name); the stored command with its response.

        ``fields``: the command object without ``response_url`` (openroam sets it).
        ``target``: the CPO party the command is for (through a Hub, or to a platform hosting
        several CPOs); by default the owner of the held Location or Session it names.
        """
        kind = command_type_of(str(command_type))
        async with self.db.session() as session:
            record = await repo.get_partner_by_name(session, partner)
        if record is None:
            raise NotFound(f"No partner named {partner!r}")
        if record.status != repo.PartnerStatus.REGISTERED or record.outgoing_token is None:
            raise ClientError(f"Partner {partner!r} is not registered", http_status=409)
        dialect = dialect_of(record)
        url = f"{_endpoint(record).rstrip('/')}/{kind}"
        uid = uuid.uuid4().hex
        response_url = self.response_url(kind, uid, dialect.results_path())
        request = self._request(kind, fields, response_url)
        try:
            # In the partner's version (what is stored stays 2.2.1); refused before it is
            # stored when that version cannot carry it.
            outgoing = dialect.command(kind, request)
        except Unconvertible as why:
            raise ClientError(str(why), http_status=409) from None
        to_party = await self._target(record, kind, request, target)
        headers = dialect.routing_headers(
            routing_headers(own_party(self.platform, (Role.EMSP,)), to_party)
        )
        async with self.events.transaction() as session:
            await store.insert_command(
                session,
                uid=uid,
                side=store.CommandSide.SENT,
                partner_id=record.id,
                type=str(kind),
                request=request,
                response_url=response_url,
                state=store.CommandState.SENDING,
                deadline=datetime.now(UTC) + SENDING_GRACE,
                counterparty=None if to_party is None else party_key(to_party),
            )
        response, error = await self._post(record, url, outgoing, headers)
        return await self._answered(uid, record.name, response, error)

    def _request(self, kind: CommandType, fields: Mapping[str, Any] | bytes, url: str) -> bytes:
        try:
            document = orjson.loads(fields) if isinstance(fields, bytes) else dict(fields)
        except orjson.JSONDecodeError:
            raise InvalidOrMissingParameters(
                "The command is not valid JSON", http_status=400
            ) from None
        if not isinstance(document, dict):
            raise InvalidOrMissingParameters("The command must be a JSON object")
        if "response_url" in document:
            raise InvalidOrMissingParameters("response_url is set by openroam; leave it out")
        document["response_url"] = url
        return validate_body(COMMAND_OBJECTS[kind], orjson.dumps(document)).to_json()

    async def _target(
        self,
        partner: repo.PartnerRecord,
        kind: CommandType,
        request: bytes,
        target: Party | None,
    ) -> Party | None:
        """The CPO party the command is addressed TO (see the module docstring); None: no
        ``OCPI-to-*`` (a Hub routes it by the Location it holds)."""
        if target is not None:
            return target
        document = orjson.loads(request)
        if kind in _AT_LOCATION:
            module, object_id = "locations", str(document.get("location_id", ""))
        elif kind == CommandType.STOP_SESSION:
            module, object_id = "sessions", str(document.get("session_id", ""))
        else:
            module, object_id = "", ""
        if module:
            async with self.db.session() as session:
                owner = await held_owner(session, partner, module, object_id)
            if owner is not None:
                return owner
        if not is_hub(partner):
            return partner_party(partner, (Role.CPO,))
        if kind in _AT_LOCATION:
            return None  # the Hub routes it by the Location it holds
        raise ClientError(
            f"{partner.name} is a Hub and the CPO party this {kind} is for is not known from "
            "what we hold; name it",
            http_status=409,
        )

    async def _post(
        self,
        partner: repo.PartnerRecord,
        url: str,
        command: bytes,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[CommandResponse | None, str | None]:
        if self.api_factory is None or partner.outgoing_token is None:
            return None, "this node has no partner client"
        api = self.api_factory(partner.outgoing_token, partner.encode_token)
        try:
            # The answer read in the partner's version, as 2.2.1.
            response = await dialect_of(partner).post_command(api, url, command, headers)
            return response, None
        except OcpiError as error:
            return None, f"{error.received_status_code}: {error.message}"
        finally:
            await api.aclose()

    async def _answered(
        self, uid: str, partner: str, response: CommandResponse | None, error: str | None
    ) -> dict[str, Any]:
        now = datetime.now(UTC)
        async with self.events.transaction() as session:
            record = await store.get_command(session, uid, for_update=True)
            assert record is not None
            changes: dict[str, Any] = {"response_error": error}
            if response is not None:
                changes["response"] = response.to_json()
            if record.state == store.CommandState.SENDING:
                # No result is awaited unless the CPO accepted; then until its timeout.
                accepted = response is not None and response.result == CommandResponseType.ACCEPTED
                if accepted:
                    assert response is not None
                    changes["state"] = store.CommandState.PENDING
                    changes["deadline"] = now + timedelta(seconds=max(response.timeout, 0))
                else:
                    changes["state"] = store.CommandState.DONE
            record = await store.update_command(session, record.id, **changes)
            data = {
                "id": uid,
                "type": record.type,
                "partner": partner,
                "response": None if response is None else response.to_dict(),
                "error": error,
            }
            await self.events.record(
                session, EventType.COMMAND_RESPONSE, command_subject(uid), data
            )
        return command_view(record, partner)

    async def receive_result(
        self,
        caller: Caller,
        command_type: str,
        uid: str,
        body: bytes,
        requester: Party | None = None,
    ) -> None:
        """The CPO POSTs a CommandResult to a command's ``response_url``; ``requester``: the
        party the result comes FROM (its ``OCPI-from-*``), which must be the one the command
        was sent TO when that is known."""
        result = validate_body(CommandResult, body)
        assert isinstance(result, CommandResult)
        now = datetime.now(UTC)
        async with self.events.transaction() as session:
            record = await store.get_command(
                session, uid, side=store.CommandSide.SENT, for_update=True
            )
            if (
                record is None
                or record.partner_id != caller.partner_id
                or record.type != command_type.upper()
                or not _from_addressee(record.counterparty, requester)
            ):
                raise NotFound("Unknown command")
            late = record.state == store.CommandState.DONE and _timed_out(record.result)
            record = await store.update_command(
                session,
                record.id,
                state=store.CommandState.DONE,
                result=result.to_json(),
                result_at=now,
            )
            await record_result_event(self.events, session, record, caller.partner_name, late=late)


def _from_addressee(counterparty: str | None, requester: Party | None) -> bool:
    """Whether a result FROM ``requester`` may be the answer of a command sent TO
    ``counterparty`` (either unknown: yes)."""
    addressee = parse_party(counterparty)
    return addressee is None or requester is None or same_party(addressee, requester)


def _timed_out(result: bytes | None) -> bool:
    return result is not None and orjson.loads(result).get("result") == CommandResultType.TIMEOUT
