"""ChargingProfiles, Sender side (eMSP or SCSP; mod_charging_profiles.asciidoc "Sender
Interface"): ask a CPO to GET, set (PUT) or clear (DELETE) the profile of one of its sessions,
and receive what comes back.

Each request is stored *before* it is sent, with a fresh ``reference`` that ends the
``response_url`` we give (``{public_url}/ocpi/2.2.1/sender/chargingprofiles/results/{reference}``),
so a result the CPO POSTs quickly still finds its row. The CPO's synchronous
ChargingProfileResponse and its later *Result are stored on the row, each with an event for the
backend (``chargingprofile.response``, ``chargingprofile.result``). ActiveChargingProfiles the CPO
PUTs to ``/ocpi/2.2.1/sender/chargingprofiles/{session_id}`` ("Sender Interface, PUT") are kept per
partner and session (``chargingprofile.active``); an accepted GET result's profile is kept too.

Each request is addressed TO the CPO party of the session (transport_and_format.asciidoc
"Message Routing"): a party the backend names (``target``), else the owner of the Session we
hold from that partner under ``session_id``, else — a direct partner — its CPO party; through a
Hub without either, the request is refused before sending (409: a Hub cannot tell the
receiver). The party is kept in ``profile_requests.counterparty``; a result must come FROM it.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._services.credentials import Caller
from openroam._services.dialect import dialect_of
from openroam._services.events import EventService, EventType
from openroam._services.platform import Platform
from openroam._services.profiles import (
    RESULT_MODELS,
    ChargingProfilesApi,
    ChargingProfilesApiFactory,
    Kind,
    RequestView,
    profile_subject,
)
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
from openroam._store import profiles as store
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.errors import ClientError, NotFound, OcpiError, UnableToUseClientApi
from openroam.models.common import OcpiModel
from openroam.models.v221.charging_profiles import (
    ActiveChargingProfile,
    ActiveChargingProfileResult,
    ChargingProfile,
    ChargingProfileResponse,
    ChargingProfileResponseType,
    SetChargingProfile,
)
from openroam.models.v221.types import Role
from openroam.models.v221.versions import InterfaceRole, ModuleID

__all__ = ["RESULTS_PATH", "SENDER_PATH", "ChargingProfileSender"]

SENDER_PATH = "/ocpi/2.2.1/sender/chargingprofiles"
RESULTS_PATH = SENDER_PATH + "/results"
SENT = "sent"
RECEIVED = "received"

Call = Callable[[ChargingProfilesApi, str, str, dict[str, str]], Awaitable[ChargingProfileResponse]]
"""``call(api, endpoint, response_url, routing_headers)``: one request to the CPO."""


def _receiver_endpoint(partner: repo.PartnerRecord) -> str | None:
    for endpoint in partner.endpoints:
        if (
            endpoint.identifier == ModuleID.CHARGINGPROFILES
            and endpoint.role == InterfaceRole.RECEIVER
        ):
            return endpoint.url
    return None


class ChargingProfileSender:
    """See the module docstring."""

    def __init__(
        self,
        db: Database,
        platform: Platform,
        events: EventService,
        api_factory: ChargingProfilesApiFactory | None,
    ) -> None:
        self.db = db
        self.platform = platform
        self.events = events
        self.api_factory = api_factory

    def response_url(self, reference: str) -> str:
        return f"{self.platform.public_url.rstrip('/')}{RESULTS_PATH}/{reference}"

    # --- requests to a CPO -------------------------------------------------------------------

    async def set(
        self,
        partner_name: str,
        session_id: str,
        profile: ChargingProfile,
        *,
        target: Party | None = None,
    ) -> RequestView:
        """PUT a SetChargingProfile; the ChargingProfileResult arrives later. ``target`` (here
        and below): the CPO party of the session, through a Hub (see the module docstring)."""

        async def call(
            api: ChargingProfilesApi, endpoint: str, url: str, headers: dict[str, str]
        ) -> Any:
            body = SetChargingProfile(charging_profile=profile, response_url=url)
            return await api.set_charging_profile(endpoint, session_id, body, headers=headers)

        return await self._request(Kind.SET, partner_name, session_id, profile, call, target)

    async def get(
        self, partner_name: str, session_id: str, duration: int, *, target: Party | None = None
    ) -> RequestView:
        """GET the ActiveChargingProfile for the next ``duration`` seconds (later result)."""

        async def call(
            api: ChargingProfilesApi, endpoint: str, url: str, headers: dict[str, str]
        ) -> Any:
            return await api.get_active_charging_profile(
                endpoint, session_id, duration, url, headers=headers
            )

        request = {"duration": duration}
        return await self._request(Kind.GET, partner_name, session_id, request, call, target)

    async def clear(
        self, partner_name: str, session_id: str, *, target: Party | None = None
    ) -> RequestView:
        """DELETE the profile we set; the ClearProfileResult arrives later."""

        async def call(
            api: ChargingProfilesApi, endpoint: str, url: str, headers: dict[str, str]
        ) -> Any:
            return await api.clear_charging_profile(endpoint, session_id, url, headers=headers)

        return await self._request(Kind.CLEAR, partner_name, session_id, None, call, target)

    async def _request(
        self,
        kind: Kind,
        partner_name: str,
        session_id: str,
        request: OcpiModel | dict[str, Any] | None,
        call: Call,
        target: Party | None = None,
    ) -> RequestView:
        partner, endpoint = await self._cpo(partner_name)
        if partner.outgoing_token is None or self.api_factory is None:
            raise UnableToUseClientApi(f"no client for {partner_name}", http_status=502)
        to_party = target or await self._addressee(partner, session_id)
        from_party = own_party(self.platform, (Role.EMSP, Role.SCSP))
        headers = dialect_of(partner).routing_headers(routing_headers(from_party, to_party))
        reference = secrets.token_urlsafe(24)
        body = request.to_json() if isinstance(request, OcpiModel) else None
        if isinstance(request, dict):
            body = orjson.dumps(request)
        async with self.db.session() as session, session.begin():
            record = await store.insert_request(
                session,
                direction=SENT,
                partner_id=partner.id,
                session_id=session_id,
                kind=str(kind),
                state=store.State.WAITING,
                reference=reference,
                request=body,
                counterparty=party_key(to_party),
            )
        api = self.api_factory(partner.outgoing_token, partner.encode_token)
        try:
            response = await call(api, endpoint, self.response_url(reference), headers)
        except OcpiError as error:
            async with self.db.session() as session, session.begin():
                await store.update_request(
                    session, record.id, state=store.State.FAILED, last_error=error.message
                )
            raise UnableToUseClientApi(
                f"{kind} charging profile of {session_id} at {partner_name}: {error.message}",
                http_status=502,
            ) from error
        finally:
            await api.aclose()
        return await self._responded(record, response)

    async def _addressee(self, partner: repo.PartnerRecord, session_id: str) -> Party:
        """The CPO party of the session: the owner of the Session held from ``partner``, else
        a direct partner's CPO party; 409 through a Hub without either."""
        async with self.db.session() as session:
            owner = await held_owner(session, partner, "sessions", session_id)
        if owner is None and not is_hub(partner):
            owner = partner_party(partner, (Role.CPO,))
        if owner is None:
            raise ClientError(
                f"the CPO party of session {session_id!r} at {partner.name} is not known from "
                "what we hold; name it",
                http_status=409,
            )
        return owner

    async def _responded(
        self, record: store.RequestRecord, response: ChargingProfileResponse
    ) -> RequestView:
        changes: dict[str, Any] = {"response": response.to_json()}
        if response.result == ChargingProfileResponseType.ACCEPTED:
            # mod_charging_profiles "ChargingProfileResponse Object": when the result is not
            # received within timeout, the Sender can assume it might never be sent.
            changes["next_attempt_at"] = datetime.now(UTC) + timedelta(seconds=response.timeout)
        async with self.events.transaction() as session:
            await store.update_request(session, record.id, **changes)
            await self.events.record(
                session,
                EventType.CHARGING_PROFILE_RESPONSE,
                profile_subject(record.partner_id, record.session_id),
                {
                    "request_id": record.id,
                    "kind": record.kind,
                    "session_id": record.session_id,
                    "response": response.to_dict(),
                },
            )
            stored = await store.get_request(session, record.id)
        assert stored is not None
        return RequestView.of(stored)

    async def _cpo(self, partner_name: str) -> tuple[repo.PartnerRecord, str]:
        async with self.db.session() as session:
            partner = await repo.get_partner_by_name(session, partner_name)
        if partner is None or partner.status != repo.PartnerStatus.REGISTERED:
            raise NotFound(f"No registered partner {partner_name!r}")
        endpoint = _receiver_endpoint(partner)
        if endpoint is None:
            raise NotFound(f"{partner_name} offers no ChargingProfiles Receiver endpoint")
        return partner, endpoint

    async def request(self, request_id: int) -> RequestView:
        """A stored request (sent or received) with its response and result."""
        async with self.db.session() as session:
            record = await store.get_request(session, request_id)
        if record is None:
            raise NotFound(f"Unknown charging profile request {request_id}")
        return RequestView.of(record)

    # --- what the CPO sends us ---------------------------------------------------------------

    async def receive_result(
        self, caller: Caller, reference: str, body: bytes, requester: Party | None = None
    ) -> None:
        """The CPO POSTs a result to a ``response_url`` we gave; ``requester``: the party it
        comes FROM (its ``OCPI-from-*``, if named), which must be the one the request went TO."""
        async with self.events.transaction() as session:
            record = await store.sent_by_reference(session, reference)
            addressee = None if record is None else parse_party(record.counterparty)
            if (
                record is None
                or record.partner_id != caller.partner_id
                or (
                    addressee is not None
                    and requester is not None
                    and not same_party(addressee, requester)
                )
            ):
                raise NotFound(f"Unknown response_url reference {reference}")
            kind = Kind(record.kind)
            result = validate_body(RESULT_MODELS[kind], body)
            await store.update_request(
                session,
                record.id,
                result=result.to_json(),
                state=store.State.DONE,
                next_attempt_at=None,
            )
            data: dict[str, Any] = {"result": result.to_dict()}
            if record.state == store.State.TIMED_OUT:
                data["late"] = True  # after its timeout: the backend was told it timed out
            await self._result_event(session, record, data)
            if isinstance(result, ActiveChargingProfileResult) and result.profile is not None:
                await self._keep_active(session, caller, record.session_id, result.profile)

    async def _result_event(
        self, session: AsyncSession, record: store.RequestRecord, data: dict[str, Any]
    ) -> None:
        head = {"request_id": record.id, "kind": record.kind, "session_id": record.session_id}
        subject = profile_subject(record.partner_id, record.session_id)
        await self.events.record(session, EventType.CHARGING_PROFILE_RESULT, subject, head | data)

    async def expire(self, *, now: datetime | None = None, limit: int = 100) -> list[int]:
        """Time out every accepted request whose result is overdue; their ids. Safe in several
        processes at once: each row is decided by the one that locked it."""
        now = now or datetime.now(UTC)
        async with self.db.session() as session:
            # Most rounds find nothing: only then take locks (on SQLite, the write lock).
            if not await store.any_overdue(session, now):
                return []
        async with self.events.transaction() as session:
            due = await store.overdue_requests(session, now, limit)
            for record in due:
                await store.update_request(
                    session, record.id, state=store.State.TIMED_OUT, next_attempt_at=None
                )
                await self._result_event(session, record, {"result": None, "timed_out": True})
        return [record.id for record in due]

    async def receive_active(self, caller: Caller, session_id: str, body: bytes) -> None:
        """The CPO PUTs a session's ActiveChargingProfile ("Sender Interface, PUT")."""
        profile = validate_body(ActiveChargingProfile, body)
        assert isinstance(profile, ActiveChargingProfile)
        async with self.events.transaction() as session:
            await self._keep_active(session, caller, session_id, profile)

    async def _keep_active(
        self, session: Any, caller: Caller, session_id: str, profile: ActiveChargingProfile
    ) -> None:
        await store.put_active(
            session,
            direction=RECEIVED,
            partner_id=caller.partner_id,
            session_id=session_id,
            document=profile.to_json(),
            state=store.State.STORED,
        )
        await self.events.record(
            session,
            EventType.ACTIVE_CHARGING_PROFILE,
            profile_subject(caller.partner_id, session_id),
            {
                "partner": caller.partner_name,
                "session_id": session_id,
                "profile": profile.to_dict(),
            },
        )

    async def active(self, partner_name: str, session_id: str) -> ActiveChargingProfile:
        """The last ActiveChargingProfile the CPO gave for this session."""
        async with self.db.session() as session:
            partner = await repo.get_partner_by_name(session, partner_name)
            found = None
            if partner is not None:
                found = await store.get_active(session, RECEIVED, partner.id, session_id)
        if found is None or found.document is None:
            raise NotFound(f"No ActiveChargingProfile of session {session_id} from {partner_name}")
        return ActiveChargingProfile.model_validate_json(found.document)
