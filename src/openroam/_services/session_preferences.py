"""Charging preferences (mod_sessions "Set: Charging Preferences"), on both sides.

The eMSP sends the driver's ChargingPreferences to the CPO's Sessions **Sender** interface:
``PUT {sessions_endpoint}/{session_id}/charging_preferences``; the CPO answers with a
ChargingPreferencesResponse value.

* **CPO side** (:meth:`SessionPreferences.receive`): the Session must be one of ours and concern
  one of the caller's parties (else 404, as an unknown Session: services.addressing); its EVSE
  must have the capability ``CHARGING_PREFERENCES_CAPABLE`` (else HTTP 404 + 2001, mod_sessions
  "ChargingPreferencesResponse"). The preferences are stored beside the Session (module
  ``charging_preferences``, same owner and id) for the backend to read, and the answer comes from
  ``decide`` — the backend's hook; without one openroam answers ``ACCEPTED`` ("EVSE will try to
  accomplish them, although this is no guarantee") for an ongoing Session and ``NOT_POSSIBLE``
  for one that has ended.
* **eMSP side** (:meth:`SessionPreferences.send`): PUT them to the CPO partner that sent us the
  Session, through its Sessions Sender endpoint; the partner's answer is returned. They go FROM
  our eMSP party TO the Session's CPO party (the owner of the Session held from that partner,
  or a party the backend names; a direct partner's CPO party otherwise): through a Hub, the
  party the Hub forwards them to (transport_and_format.asciidoc "Message Routing").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol, cast

import orjson

from openroam._services.credentials import Caller, PartnerApiFactory
from openroam._services.dialect import dialect_of
from openroam._services.documents import ObjectPath, locate
from openroam._services.object_specs import LOCATIONS, SESSIONS
from openroam._services.roaming import OWN, RoamingService, validate_body
from openroam._services.routing import (
    Party,
    held_owner,
    is_hub,
    own_party,
    partner_party,
    routing_headers,
)
from openroam._store import object_repo as objects
from openroam._store import repositories as repo
from openroam.errors import ClientError, InvalidOrMissingParameters, NotFound
from openroam.models.v221.locations import Capability
from openroam.models.v221.sessions import (
    ChargingPreferences,
    ChargingPreferencesResponse,
    SessionStatus,
)
from openroam.models.v221.types import Role
from openroam.models.v221.versions import InterfaceRole

__all__ = ["MODULE", "Decide", "SessionPreferences", "SessionsApi"]

#: The ``ocpi_objects.module`` of stored preferences (not an OCPI module; never served or pulled).
MODULE = "charging_preferences"

Decide = Callable[[dict[str, Any], ChargingPreferences], Awaitable[ChargingPreferencesResponse]]
"""The backend's answer to preferences for a Session (its document): the response value."""

_ENDED = {SessionStatus.COMPLETED.value, SessionStatus.INVALID.value}


class SessionsApi(Protocol):
    """The partner call the eMSP side needs (implemented by ``client.OcpiClient``)."""

    async def put_charging_preferences(
        self,
        sessions_url: str,
        session_id: str,
        preferences: ChargingPreferences,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> ChargingPreferencesResponse: ...
    async def aclose(self) -> None: ...


async def _default_decide(
    session: dict[str, Any], preferences: ChargingPreferences
) -> ChargingPreferencesResponse:
    if session.get("status") in _ENDED:
        return ChargingPreferencesResponse.NOT_POSSIBLE
    return ChargingPreferencesResponse.ACCEPTED


class SessionPreferences:
    """See the module docstring."""

    def __init__(self, roaming: RoamingService, api_factory: PartnerApiFactory) -> None:
        self.roaming = roaming
        self.db = roaming.db
        self.api_factory = api_factory
        #: the backend's hook (see :data:`Decide`); replace it to answer for the EVSE
        self.decide: Decide = _default_decide

    # --- CPO side ------------------------------------------------------------------------------

    async def receive(
        self,
        caller: Caller,
        session_id: str,
        body: bytes,
        addressed: tuple[str, str] | None = None,
    ) -> ChargingPreferencesResponse:
        """A partner eMSP sets preferences for one of our Sessions (see the module docstring)."""
        preferences = cast(ChargingPreferences, validate_body(ChargingPreferences, body))
        found = await self.roaming.sender_get(
            SESSIONS, session_id, (), addressed=addressed, caller=caller
        )
        session = orjson.loads(found)
        await self._check_capable(session)
        answer = await self.decide(session, preferences)
        path = ObjectPath(session["country_code"], session["party_id"], session["id"])
        async with self.db.session() as db_session, db_session.begin():
            await objects.put_object(
                db_session,
                module=MODULE,
                origin=OWN,
                country_code=path.country_code,
                party_id=path.party_id,
                object_id=path.object_id,
                last_updated=datetime.now(UTC),
                document=preferences.to_json(),
                counterparty=objects.counterparty_key(
                    session["cdr_token"]["country_code"], session["cdr_token"]["party_id"]
                ),
            )
        return answer

    async def _check_capable(self, session: dict[str, Any]) -> None:
        # mod_sessions "ChargingPreferencesResponse": an EVSE without CHARGING_PREFERENCES_CAPABLE
        # → HTTP 404 + 2001. An EVSE we cannot find has no such capability either.
        location_path = ObjectPath(
            session["country_code"], session["party_id"], session["location_id"]
        )
        try:
            location = orjson.loads(await self.roaming.read(OWN, LOCATIONS, location_path))
        except NotFound:
            location = None
        evse = locate(location, LOCATIONS, (session["evse_uid"],)) if location else None
        if evse is None or Capability.CHARGING_PREFERENCES_CAPABLE.value not in (
            evse.get("capabilities") or []
        ):
            raise InvalidOrMissingParameters(
                f"EVSE {session['evse_uid']} is not CHARGING_PREFERENCES_CAPABLE", http_status=404
            )

    async def stored(self, country_code: str, party_id: str, session_id: str) -> bytes:
        """The preferences last set for one of our Sessions (404 if none were)."""
        async with self.db.session() as db_session:
            found = await objects.get_object(
                db_session, MODULE, OWN, country_code, party_id, session_id
            )
        if found is None:
            raise NotFound(f"No charging preferences for Session {session_id}")
        return found.document

    # --- eMSP side -----------------------------------------------------------------------------

    async def send(
        self,
        partner_name: str,
        session_id: str,
        preferences: ChargingPreferences,
        *,
        target: Party | None = None,
    ) -> ChargingPreferencesResponse:
        """PUT the driver's preferences to the CPO partner's Sessions Sender interface;
        ``target``: the Session's CPO party (see the module docstring)."""
        async with self.db.session() as db_session:
            partner = await repo.get_partner_by_name(db_session, partner_name)
        if partner is None or partner.status != repo.PartnerStatus.REGISTERED:
            raise NotFound(f"No registered partner {partner_name!r}")
        url = next(
            (
                e.url
                for e in partner.endpoints
                if e.identifier == str(SESSIONS.module) and e.role == InterfaceRole.SENDER
            ),
            None,
        )
        if url is None or partner.outgoing_token is None:
            raise NotFound(f"{partner_name} offers no Sessions Sender interface")
        if not dialect_of(partner).charging_preferences:
            raise ClientError(
                f"{partner_name} speaks OCPI {partner.version}, which has no charging "
                "preferences (they arrived in 2.2)",
                http_status=409,
            )
        if target is None:
            async with self.db.session() as db_session:
                target = await held_owner(db_session, partner, "sessions", session_id)
        if target is None and not is_hub(partner):
            target = partner_party(partner, (Role.CPO,))
        if target is None:
            raise ClientError(
                f"the CPO party of session {session_id!r} at {partner_name} is not known from "
                "what we hold; name it",
                http_status=409,
            )
        headers = routing_headers(own_party(self.roaming.platform, (Role.EMSP,)), target)
        api = cast(SessionsApi, self.api_factory(partner.outgoing_token, partner.encode_token))
        try:
            return await api.put_charging_preferences(
                url, session_id, preferences, headers=dialect_of(partner).routing_headers(headers)
            )
        finally:
            await api.aclose()
