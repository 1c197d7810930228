"""Path and query parameters of the backend API, as FastAPI dependencies.

Each dependency declares its parameters with their limits (so they appear in the OpenAPI
document) and returns the service's :class:`ObjectPath` or :class:`ListParams`. URL ids are
CiStrings (types.asciidoc "CiString": printable ASCII), at most as long as the object tables allow:
country_code 2, party_id 3, object ids 36.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Path, Query

from openroam._server.pagination import MAX_COUNT
from openroam._services.credentials import parse_grant
from openroam._services.documents import ObjectPath
from openroam.models.v221.tokens import TokenType

__all__ = [
    "CI_PATTERN",
    "ID_LIMITS",
    "MAX_COUNT",
    "ListParams",
    "connector_path",
    "evse_path",
    "list_params",
    "location_path",
    "session_path",
    "target_party",
    "tariff_path",
    "token_path",
]

_CI = CI_PATTERN = r"^[\x20-\x7E]+$"
#: The longest value of each id path parameter.
ID_LIMITS = {
    "country_code": 2,
    "party_id": 3,
    "location_id": 36,
    "evse_uid": 36,
    "connector_id": 36,
}

CountryCode = Annotated[
    str,
    Path(
        max_length=ID_LIMITS["country_code"],
        pattern=_CI,
        description="ISO 3166-1 alpha-2 country code",
    ),
]
PartyId = Annotated[
    str, Path(max_length=ID_LIMITS["party_id"], pattern=_CI, description="ISO 15118 party id")
]
LocationId = Annotated[
    str, Path(max_length=ID_LIMITS["location_id"], pattern=_CI, description="Location.id")
]
EvseUid = Annotated[
    str, Path(max_length=ID_LIMITS["evse_uid"], pattern=_CI, description="EVSE.uid")
]
ConnectorId = Annotated[
    str, Path(max_length=ID_LIMITS["connector_id"], pattern=_CI, description="Connector.id")
]
TariffId = Annotated[str, Path(max_length=36, pattern=_CI, description="Tariff.id")]
TokenUid = Annotated[str, Path(max_length=36, pattern=_CI, description="Token.uid")]
SessionId = Annotated[str, Path(max_length=36, pattern=_CI, description="Session.id")]


def location_path(
    country_code: CountryCode, party_id: PartyId, location_id: LocationId
) -> ObjectPath:
    return ObjectPath(country_code, party_id, location_id)


def evse_path(
    country_code: CountryCode, party_id: PartyId, location_id: LocationId, evse_uid: EvseUid
) -> ObjectPath:
    return ObjectPath(country_code, party_id, location_id, (evse_uid,))


def connector_path(
    country_code: CountryCode,
    party_id: PartyId,
    location_id: LocationId,
    evse_uid: EvseUid,
    connector_id: ConnectorId,
) -> ObjectPath:
    return ObjectPath(country_code, party_id, location_id, (evse_uid, connector_id))


def tariff_path(country_code: CountryCode, party_id: PartyId, tariff_id: TariffId) -> ObjectPath:
    return ObjectPath(country_code, party_id, tariff_id)


def session_path(country_code: CountryCode, party_id: PartyId, session_id: SessionId) -> ObjectPath:
    return ObjectPath(country_code, party_id, session_id)


def token_path(
    country_code: CountryCode,
    party_id: PartyId,
    token_uid: TokenUid,
    type: Annotated[
        TokenType, Query(description="Token.type; mod_tokens: defaults to RFID")
    ] = TokenType.RFID,
) -> ObjectPath:
    return ObjectPath(country_code, party_id, token_uid, (), str(type))


@dataclass(frozen=True, slots=True)
class ListParams:
    date_from: str | None
    date_to: str | None
    offset: int
    limit: int | None


def list_params(
    date_from: Annotated[
        str | None, Query(description="Only objects with last_updated ≥ this (UTC DateTime)")
    ] = None,
    date_to: Annotated[
        str | None, Query(description="Only objects with last_updated < this (UTC DateTime)")
    ] = None,
    # Every integer parameter has le=MAX_COUNT: the databases bind signed 64-bit integers
    # (docs/architecture.md "Bounded input").
    offset: Annotated[int, Query(ge=0, le=MAX_COUNT, description="Objects to skip")] = 0,
    limit: Annotated[
        int | None,
        Query(ge=0, le=MAX_COUNT, description="Page size; at most the node's page_limit"),
    ] = None,
) -> ListParams:
    return ListParams(date_from, date_to, offset, limit)


async def target_party(
    party: Annotated[
        str | None,
        Query(
            max_length=8,
            description="The CPO party the request is for, CC*PID (through a Hub, or to a "
            "platform hosting several CPOs); by default the owner of the Location or Session "
            "it names",
        ),
    ] = None,
) -> tuple[str, str] | None:
    """The CPO party a command or charging-profile request is addressed TO (``OCPI-to-*``),
    when the backend names it."""
    if party is None:
        return None
    grant = parse_grant("CPO", party)
    return grant.country_code, grant.party_id
