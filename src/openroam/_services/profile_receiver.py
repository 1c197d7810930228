"""ChargingProfiles, Receiver side (CPO; mod_charging_profiles.asciidoc "Receiver Interface"):
a Sender GETs, sets (PUT) or clears (DELETE) the profile of one of our sessions.

1. The request is validated (2001 for a missing ``duration`` or ``response_url`` or an invalid
   body) and answered at once with a ChargingProfileResponse: ``UNKNOWN_SESSION`` when we have no
   such session and, alike, when the session's Token belongs to none of the caller's parties (a
   different answer would tell an eMSP which session ids exist for other eMSPs;
   docs/spec-decisions.md "Another eMSP's session is an unknown session"), else ``ACCEPTED`` —
   unless the backend's Python handler (:meth:`ChargingProfileReceiver.set_handler`) answers
   otherwise (``NOT_SUPPORTED``, ``TOO_OFTEN`` …). The answer carries ``timeout``.
2. An accepted request is stored and handed to the backend as a ``chargingprofile.requested``
   event (webhook, API, Python callback); the backend reports the Charge Point's outcome
   (:meth:`report_result`). The result is stored as *pending* in the same transaction and POSTed
   to ``response_url`` by the delivery worker, retried until the Sender answers: never lost.
3. After a successful set (result ``ACCEPTED``), the session's ActiveChargingProfile is pushed to
   that Sender (PUT on its Sender endpoint), and so is every later change the backend reports
   (:meth:`put_active`); never for sessions without such a set ("Sender Interface, PUT").

The requesting party (``OCPI-from-*``, or the caller's own party) is kept in
``profile_requests.counterparty``: results and ActiveChargingProfiles are addressed TO it
(transport_and_format.asciidoc "Message Routing"), and through a Hub only a session of that
party's Tokens is known to it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from openroam._services.credentials import Caller
from openroam._services.events import EventService, EventType
from openroam._services.profiles import RESULT_MODELS, Kind, RequestView, profile_subject
from openroam._services.roaming import validate_body
from openroam._services.routing import Party, party_key
from openroam._store import profiles as store
from openroam._store.db import Database
from openroam._store.token_lookup import find_own_session
from openroam.errors import ClientError, InvalidOrMissingParameters, NotFound
from openroam.models._validation import MAX_INT
from openroam.models.common import OcpiModel, fold_id
from openroam.models.v221.charging_profiles import (
    ActiveChargingProfile,
    ActiveChargingProfileResult,
    ChargingProfile,
    ChargingProfileResponse,
    ChargingProfileResponseType,
    ChargingProfileResultType,
    SetChargingProfile,
)
from openroam.models.v221.types import Role

__all__ = ["ChargingProfileReceiver", "ProfileHandler", "ReceivedRequest"]

RECEIVED = "received"
#: active profiles we push to a Sender
PUSHED = "sent"


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    """What a Sender asked, for the backend's handler."""

    partner_id: int
    partner_name: str
    kind: Kind
    session_id: str
    #: our Session (as stored)
    session: dict[str, Any]
    charging_profile: ChargingProfile | None = None
    duration: int | None = None


ProfileHandler = Callable[[ReceivedRequest], Awaitable[ChargingProfileResponseType | None]]


def _duration(value: str | None) -> int:
    if value is None or not value.isascii() or not value.isdigit():
        raise InvalidOrMissingParameters("duration: the number of seconds is required")
    if len(value.lstrip("0")) > len(str(MAX_INT)) or int(value) > MAX_INT:
        # Beyond what can be stored (docs/architecture.md "Bounded input"): HTTP 400.
        message = f"duration: at most {MAX_INT} seconds"
        raise InvalidOrMissingParameters(message, http_status=400)
    return int(value)


def _response_url(value: str | None) -> str:
    if not value or len(value) > 255 or not value.startswith(("http://", "https://")):
        raise InvalidOrMissingParameters("response_url: an http(s) URL is required")
    return value


def _token_owner_is(caller: Caller, session: dict[str, Any], requester: Party | None) -> bool:
    token = session.get("cdr_token") or {}
    owner = (fold_id(str(token.get("country_code", ""))), fold_id(str(token.get("party_id", ""))))
    if caller.hub and requester is not None:
        return (fold_id(requester[0]), fold_id(requester[1])) == owner
    return any(
        role == Role.HUB or (fold_id(country_code), fold_id(party_id)) == owner
        for role, country_code, party_id in caller.roles
    )


class ChargingProfileReceiver:
    """See the module docstring."""

    def __init__(self, db: Database, events: EventService, *, timeout: int = 30) -> None:
        self.db = db
        self.events = events
        #: ChargingProfileResponse.timeout: seconds the Sender waits for the result
        self.timeout = timeout
        self._handler: ProfileHandler | None = None

    def set_handler(self, handler: ProfileHandler | None) -> None:
        """Let ``await handler(request)`` answer accepted requests (None: ACCEPTED)."""
        self._handler = handler

    async def receive(
        self,
        caller: Caller,
        kind: Kind,
        session_id: str,
        *,
        body: bytes = b"",
        duration: str | None = None,
        response_url: str | None = None,
        requester: Party | None = None,
    ) -> ChargingProfileResponse:
        """A Sender's GET (``duration``, ``response_url``), PUT (``body``: SetChargingProfile)
        or DELETE (``response_url``), FROM ``requester`` (its party, if known)."""
        profile: ChargingProfile | None = None
        seconds: int | None = None
        if kind == Kind.SET:
            setting = validate_body(SetChargingProfile, body)
            assert isinstance(setting, SetChargingProfile)
            profile, url = setting.charging_profile, _response_url(setting.response_url)
        else:
            seconds = _duration(duration) if kind == Kind.GET else None
            url = _response_url(response_url)
        async with self.db.session() as session:
            found = await find_own_session(session, session_id)
        document = None if found is None else orjson.loads(found.document)
        answer = ChargingProfileResponseType.UNKNOWN_SESSION
        if document is not None and _token_owner_is(caller, document, requester):
            request = ReceivedRequest(
                caller.partner_id, caller.partner_name, kind, session_id, document, profile, seconds
            )
            answer = await self._decide(caller, request)
        response = ChargingProfileResponse(result=answer, timeout=self.timeout)
        await self._store(caller, kind, session_id, url, profile, seconds, response, requester)
        return response

    async def _decide(
        self, caller: Caller, request: ReceivedRequest
    ) -> ChargingProfileResponseType:
        decided = await self._handler(request) if self._handler is not None else None
        return decided or ChargingProfileResponseType.ACCEPTED

    async def _store(
        self,
        caller: Caller,
        kind: Kind,
        session_id: str,
        url: str,
        profile: ChargingProfile | None,
        seconds: int | None,
        response: ChargingProfileResponse,
        requester: Party | None = None,
    ) -> None:
        accepted = response.result == ChargingProfileResponseType.ACCEPTED
        request: dict[str, Any] = {}
        if profile is not None:
            request["charging_profile"] = profile.to_dict()
        if seconds is not None:
            request["duration"] = seconds
        async with self.events.transaction() as session:
            record = await store.insert_request(
                session,
                direction=RECEIVED,
                partner_id=caller.partner_id,
                session_id=session_id,
                kind=str(kind),
                state=store.State.WAITING if accepted else store.State.STORED,
                response_url=url,
                request=orjson.dumps(request),
                response=response.to_json(),
                counterparty=None if requester is None else party_key(requester),
            )
            if accepted:
                data = {"request_id": record.id, "partner": caller.partner_name, "kind": str(kind)}
                await self.events.record(
                    session,
                    EventType.CHARGING_PROFILE_REQUESTED,
                    profile_subject(caller.partner_id, session_id),
                    data | {"session_id": session_id, "timeout": self.timeout} | request,
                )

    # --- the backend reports -----------------------------------------------------------------

    async def report_result(
        self,
        request_id: int,
        result: ChargingProfileResultType,
        profile: ActiveChargingProfile | None = None,
    ) -> RequestView:
        """The Charge Point's outcome of an accepted request: POSTed to its ``response_url``.

        ``profile``: for a GET, the ActiveChargingProfile (sent when ``ACCEPTED``); for a set,
        the profile now active (default: the one that was set, calculated now), pushed to the
        Sender from now on.
        """
        async with self.events.transaction() as session:
            record = await store.get_request(session, request_id)
            if record is None or record.direction != RECEIVED:
                raise NotFound(f"Unknown received charging profile request {request_id}")
            if record.state != store.State.WAITING:
                raise ClientError(f"request {request_id} is {record.state}, not waiting")
            kind = Kind(record.kind)
            outcome = _result(kind, result, profile)
            await store.update_request(
                session, request_id, result=outcome.to_json(), state=store.State.PENDING
            )
            if kind == Kind.SET and result == ChargingProfileResultType.ACCEPTED:
                active = profile or _now_active(record)
                await store.put_active(
                    session,
                    direction=PUSHED,
                    partner_id=record.partner_id,
                    session_id=record.session_id,
                    document=active.to_json(),
                    state=store.State.PENDING,
                )
            stored = await store.get_request(session, request_id)
        assert stored is not None
        return RequestView.of(stored)

    async def put_active(self, session_id: str, profile: ActiveChargingProfile) -> int:
        """A session's ActiveChargingProfile changed: push it to every Sender that successfully
        set a profile for it; the number of them. (When no profile is active any more, report
        the EVSE's maximum capacity as the profile: "Sender Interface, PUT".)"""
        async with self.db.session() as session, session.begin():
            partners = await store.subscribers(session, PUSHED, session_id)
            for partner_id in partners:
                await store.put_active(
                    session,
                    direction=PUSHED,
                    partner_id=partner_id,
                    session_id=session_id,
                    document=profile.to_json(),
                    state=store.State.PENDING,
                )
        return len(partners)


def _result(
    kind: Kind, result: ChargingProfileResultType, profile: ActiveChargingProfile | None
) -> OcpiModel:
    if kind == Kind.GET:
        accepted = result == ChargingProfileResultType.ACCEPTED
        return ActiveChargingProfileResult(result=result, profile=profile if accepted else None)
    return RESULT_MODELS[kind].model_validate({"result": result})


def _now_active(record: store.RequestRecord) -> ActiveChargingProfile:
    assert record.request is not None
    set_profile = orjson.loads(record.request)["charging_profile"]
    return ActiveChargingProfile(
        start_date_time=datetime.now(UTC).replace(microsecond=0),
        charging_profile=ChargingProfile.model_validate_json(orjson.dumps(set_profile)),
    )
