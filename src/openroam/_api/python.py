"""The backend API as Python: for a backend that runs openroam in its own process.

>>> backend = Backend(node)
>>> await backend.put_location(location)                       # a v221.Location
>>> await backend.patch_evse_status("NL", "EXA", "LOC1", "EVSE1", Status.CHARGING)
>>> page = await backend.list_locations(date_from=since)       # Listing(items, total)

The same operations as the REST routes, as thin wrappers over :class:`RoamingService`: writes
are stored and delivered to partners exactly as REST writes are. Objects go in and come out as
OCPI 2.2.1 models; PATCH helpers take the fields to change and fill ``last_updated`` with now
when it is not among them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

import orjson

from openroam._api.bodies import now_stamp, when
from openroam._api.charging import ChargingBackend
from openroam._api.command_python import CommandBackend
from openroam._api.profile_python import ChargingProfilesBackend
from openroam._services.authorization import AuthorizationHook
from openroam._services.cdrs import Posted, Receipt
from openroam._services.documents import ObjectPath
from openroam._services.node import Node
from openroam._services.object_specs import CDRS, LOCATIONS, SESSIONS, TARIFFS, TOKENS, ModuleSpec
from openroam._services.partners import PartnerDirectory, PartnerInfo
from openroam._services.realtime import Verdict
from openroam._services.roaming import OWN, PageQuery, WriteResult
from openroam.models.common import OcpiModel, format_datetime
from openroam.models.v221.cdrs import CDR
from openroam.models.v221.locations import EVSE, Connector, Location, Status
from openroam.models.v221.sessions import (
    ChargingPreferences,
    ChargingPreferencesResponse,
    Session,
)
from openroam.models.v221.tariffs import Tariff
from openroam.models.v221.tokens import LocationReferences, Token, TokenType

__all__ = ["Backend", "Listing"]

M = TypeVar("M", bound=OcpiModel)

#: partner name (None: own objects), date_from, date_to, offset, limit
Filters = tuple[str | None, datetime | str | None, datetime | str | None, int, int | None]


@dataclass(frozen=True, slots=True)
class Listing(Generic[M]):
    """One page of objects and how many match the filters in total."""

    items: list[M]
    total: int


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, OcpiModel):
        return value.to_dict()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _patch_body(fields: Mapping[str, Any]) -> bytes:
    body = dict(fields)
    if body.get("last_updated") is None:
        body["last_updated"] = now_stamp()
    return orjson.dumps(body, default=_default, option=orjson.OPT_PASSTHROUGH_DATETIME)


class Backend(CommandBackend, ChargingProfilesBackend):
    """Own Locations, Tariffs, Tokens and CDRs in and out; partners' objects out; commands,
    real-time authorization and charging profiles."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.roaming = node.roaming
        self.partners = PartnerDirectory(node.db)
        self.charging = ChargingBackend(node.charging)
        """Own sessions: start, meter values, status, stop (the CDR), Credit CDRs."""

    # --- Locations ---------------------------------------------------------------------------

    async def put_location(self, location: Location) -> WriteResult:
        path = ObjectPath(location.country_code, location.party_id, location.id)
        return await self.roaming.own_put(LOCATIONS, path, location.to_json())

    async def put_evse(
        self, country_code: str, party_id: str, location_id: str, evse: EVSE
    ) -> WriteResult:
        path = ObjectPath(country_code, party_id, location_id, (evse.uid,))
        return await self.roaming.own_put(LOCATIONS, path, evse.to_json())

    async def put_connector(
        self,
        country_code: str,
        party_id: str,
        location_id: str,
        evse_uid: str,
        connector: Connector,
    ) -> WriteResult:
        path = ObjectPath(country_code, party_id, location_id, (evse_uid, connector.id))
        return await self.roaming.own_put(LOCATIONS, path, connector.to_json())

    async def patch_location(
        self, country_code: str, party_id: str, location_id: str, fields: Mapping[str, Any]
    ) -> WriteResult:
        path = ObjectPath(country_code, party_id, location_id)
        return await self.roaming.own_patch(LOCATIONS, path, _patch_body(fields))

    async def patch_evse(
        self,
        country_code: str,
        party_id: str,
        location_id: str,
        evse_uid: str,
        fields: Mapping[str, Any],
    ) -> WriteResult:
        path = ObjectPath(country_code, party_id, location_id, (evse_uid,))
        return await self.roaming.own_patch(LOCATIONS, path, _patch_body(fields))

    async def patch_evse_status(
        self,
        country_code: str,
        party_id: str,
        location_id: str,
        evse_uid: str,
        status: Status | str,
        *,
        last_updated: datetime | None = None,
    ) -> WriteResult:
        """The most frequent update: partners receive it as a PATCH of the EVSE."""
        fields = {"status": str(Status(status)), "last_updated": last_updated}
        return await self.patch_evse(country_code, party_id, location_id, evse_uid, fields)

    async def patch_connector(
        self,
        country_code: str,
        party_id: str,
        location_id: str,
        evse_uid: str,
        connector_id: str,
        fields: Mapping[str, Any],
    ) -> WriteResult:
        path = ObjectPath(country_code, party_id, location_id, (evse_uid, connector_id))
        return await self.roaming.own_patch(LOCATIONS, path, _patch_body(fields))

    # --- Tariffs and Tokens ------------------------------------------------------------------

    async def put_tariff(self, tariff: Tariff) -> WriteResult:
        path = ObjectPath(tariff.country_code, tariff.party_id, tariff.id)
        return await self.roaming.own_put(TARIFFS, path, tariff.to_json())

    async def delete_tariff(self, country_code: str, party_id: str, tariff_id: str) -> None:
        await self.roaming.own_delete(TARIFFS, ObjectPath(country_code, party_id, tariff_id))

    async def put_token(self, token: Token) -> WriteResult:
        path = ObjectPath(token.country_code, token.party_id, token.uid, (), str(token.type))
        return await self.roaming.own_put(TOKENS, path, token.to_json())

    async def patch_token(
        self,
        country_code: str,
        party_id: str,
        uid: str,
        fields: Mapping[str, Any],
        *,
        token_type: TokenType | str = TokenType.RFID,
    ) -> WriteResult:
        path = ObjectPath(country_code, party_id, uid, (), str(TokenType(token_type)))
        return await self.roaming.own_patch(TOKENS, path, _patch_body(fields))

    # --- Sessions (CPO side): delivered to the eMSP of the cdr_token only ----------------------

    async def put_session(self, session: Session) -> WriteResult:
        """Create or replace an own Session; its eMSP receives a PUT (charging_periods replaced)."""
        path = ObjectPath(session.country_code, session.party_id, session.id)
        return await self.roaming.own_put(SESSIONS, path, session.to_json())

    async def patch_session(
        self, country_code: str, party_id: str, session_id: str, fields: Mapping[str, Any]
    ) -> WriteResult:
        """Change fields of an own Session; ``charging_periods`` given here are appended to the
        stored ones (mod_sessions "PATCH Method")."""
        path = ObjectPath(country_code, party_id, session_id)
        return await self.roaming.own_patch(SESSIONS, path, _patch_body(fields))

    async def get_session(
        self, country_code: str, party_id: str, session_id: str, *, partner: str | None = None
    ) -> Session:
        path = ObjectPath(country_code, party_id, session_id)
        return await self._read(partner, SESSIONS, path, Session)

    async def list_sessions(
        self,
        *,
        date_from: datetime | str | None = None,
        date_to: datetime | str | None = None,
        offset: int = 0,
        limit: int | None = None,
        partner: str | None = None,
    ) -> Listing[Session]:
        """Own Sessions (or those a partner CPO sent us), oldest first."""
        return await self._list(SESSIONS, Session, (partner, date_from, date_to, offset, limit))

    async def get_charging_preferences(
        self, country_code: str, party_id: str, session_id: str
    ) -> ChargingPreferences:
        """CPO side: the preferences a partner eMSP last set for an own Session (NotFound if
        none). To answer them, set ``node.preferences.decide``."""
        stored = await self.node.preferences.stored(country_code, party_id, session_id)
        return ChargingPreferences.model_validate_json(stored)

    async def send_charging_preferences(
        self,
        partner: str,
        session_id: str,
        preferences: ChargingPreferences,
        *,
        party: tuple[str, str] | None = None,
    ) -> ChargingPreferencesResponse:
        """eMSP side: PUT the driver's preferences to the CPO partner's Sessions Sender;
        ``party``: the Session's CPO party, through a Hub (default: the owner of the Session
        held)."""
        return await self.node.preferences.send(partner, session_id, preferences, target=party)

    # --- reading: own objects, or a partner's with partner="<name>" ---------------------------

    async def list_partners(self) -> tuple[PartnerInfo, ...]:
        """Every partner connection (status, version, roles, endpoints; never tokens)."""
        return await self.partners.list()

    async def partner(self, name: str) -> PartnerInfo:
        return await self.partners.by_name(name)

    async def _origin(self, partner: str | None) -> int:
        return OWN if partner is None else (await self.partners.by_name(partner)).id

    async def _read(
        self, partner: str | None, spec: ModuleSpec, path: ObjectPath, model: type[M]
    ) -> M:
        origin = await self._origin(partner)
        return model.model_validate_json(await self.roaming.read(origin, spec, path))

    async def get_location(
        self, country_code: str, party_id: str, location_id: str, *, partner: str | None = None
    ) -> Location:
        path = ObjectPath(country_code, party_id, location_id)
        return await self._read(partner, LOCATIONS, path, Location)

    async def get_evse(
        self,
        country_code: str,
        party_id: str,
        location_id: str,
        evse_uid: str,
        *,
        partner: str | None = None,
    ) -> EVSE:
        path = ObjectPath(country_code, party_id, location_id, (evse_uid,))
        return await self._read(partner, LOCATIONS, path, EVSE)

    async def get_connector(
        self,
        country_code: str,
        party_id: str,
        location_id: str,
        evse_uid: str,
        connector_id: str,
        *,
        partner: str | None = None,
    ) -> Connector:
        path = ObjectPath(country_code, party_id, location_id, (evse_uid, connector_id))
        return await self._read(partner, LOCATIONS, path, Connector)

    async def get_tariff(
        self, country_code: str, party_id: str, tariff_id: str, *, partner: str | None = None
    ) -> Tariff:
        path = ObjectPath(country_code, party_id, tariff_id)
        return await self._read(partner, TARIFFS, path, Tariff)

    async def get_token(
        self,
        country_code: str,
        party_id: str,
        uid: str,
        token_type: TokenType | str = TokenType.RFID,
        *,
        partner: str | None = None,
    ) -> Token:
        path = ObjectPath(country_code, party_id, uid, (), str(TokenType(token_type)))
        return await self._read(partner, TOKENS, path, Token)

    async def _list(self, spec: ModuleSpec, model: type[M], filters: Filters) -> Listing[M]:
        partner, date_from, date_to, offset, limit = filters
        origin = await self._origin(partner)
        query = PageQuery(
            date_from=when("date_from", date_from) if isinstance(date_from, str) else date_from,
            date_to=when("date_to", date_to) if isinstance(date_to, str) else date_to,
            offset=offset,
            limit=self.node.page_limit if limit is None else limit,
        )
        # A partner's list holds every object it sent, whichever of its parties owns it.
        owners = self.roaming.own_owners(spec) if partner is None else None
        page = await self.roaming.page(origin, spec, query, owners)
        return Listing([model.model_validate_json(d) for d in page.documents], page.total)

    async def list_locations(
        self,
        *,
        date_from: datetime | str | None = None,
        date_to: datetime | str | None = None,
        offset: int = 0,
        limit: int | None = None,
        partner: str | None = None,
    ) -> Listing[Location]:
        """Own Locations (or the partner's), oldest first; ``date_from`` inclusive, ``date_to``
        exclusive; at most ``limit`` (default: the node's page_limit)."""
        return await self._list(LOCATIONS, Location, (partner, date_from, date_to, offset, limit))

    async def list_tariffs(
        self,
        *,
        date_from: datetime | str | None = None,
        date_to: datetime | str | None = None,
        offset: int = 0,
        limit: int | None = None,
        partner: str | None = None,
    ) -> Listing[Tariff]:
        return await self._list(TARIFFS, Tariff, (partner, date_from, date_to, offset, limit))

    async def list_tokens(
        self,
        *,
        date_from: datetime | str | None = None,
        date_to: datetime | str | None = None,
        offset: int = 0,
        limit: int | None = None,
        partner: str | None = None,
    ) -> Listing[Token]:
        return await self._list(TOKENS, Token, (partner, date_from, date_to, offset, limit))

    # --- CDRs ------------------------------------------------------------------------------

    async def post_cdr(self, cdr: CDR) -> Posted:
        """Hand over a final own CDR: stored and POSTed to the eMSP of its token (the partner
        that registered ``cdr.cdr_token``'s party), in one transaction. Raises ``ClientError``
        (HTTP 409) when a CDR with this id exists: CDRs never change, send a Credit CDR."""
        return await self.node.cdrs.own_post(cdr.to_json())

    async def get_cdr(
        self, country_code: str, party_id: str, cdr_id: str, *, partner: str | None = None
    ) -> CDR:
        path = ObjectPath(country_code, party_id, cdr_id)
        return await self._read(partner, CDRS, path, CDR)

    async def list_cdrs(
        self,
        *,
        date_from: datetime | str | None = None,
        date_to: datetime | str | None = None,
        offset: int = 0,
        limit: int | None = None,
        partner: str | None = None,
    ) -> Listing[CDR]:
        """Own CDRs (or the partner's: POSTed to us or pulled), oldest first."""
        return await self._list(CDRS, CDR, (partner, date_from, date_to, offset, limit))

    async def cdr_deliveries(self, country_code: str, party_id: str, cdr_id: str) -> list[Receipt]:
        """Where partners stored an own CDR: the ``Location`` header of each POST's answer."""
        return await self.node.cdrs.receipts(ObjectPath(country_code, party_id, cdr_id))

    # --- real-time authorization ---------------------------------------------------------------

    async def authorize(
        self,
        token_uid: str,
        token_type: TokenType | str = TokenType.RFID,
        location: LocationReferences | None = None,
        *,
        token_party: tuple[str, str] | None = None,
    ) -> Verdict:
        """CPO: may this Token charge (at ``location``)? See :mod:`openroam._services.realtime`;
        pass ``verdict.authorization_reference`` on to the session start."""
        return await self.node.realtime.check(
            token_uid, token_type, location, token_party=token_party
        )

    def set_authorization_hook(self, hook: AuthorizationHook | None) -> None:
        """eMSP: decide partners' real-time authorizations of our Tokens with
        ``await hook(request)`` (a :class:`~openroam._services.authorization.Decision`, or None for
        the default: the Token's ``valid``)."""
        self.node.authorization.set_hook(hook)
