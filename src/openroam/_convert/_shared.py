"""Pieces the Tokens, Sessions, CDRs and Commands converters share: the error for a value 2.1.1
cannot express, money (2.1.1 ``number`` excluding VAT, types.md 1.4, against 2.2.1's ``Price``),
``auth_id`` against 2.2.1's ``cdr_token``, and charging periods (2.1.1 mod_cdrs.md 4.3
CdrDimensionType, 4.4 ChargingPeriod).
"""

from __future__ import annotations

from typing import Any

from openroam._convert._context import Context, Doc, Related
from openroam._convert.locations import (
    Unconvertible,
    location_for_session_v211,
    location_from_v211,
    location_to_v211,
)

__all__ = [
    "NOT_AVAILABLE",
    "V211_DIMENSIONS",
    "Unconvertible",
    "auth_id_from_cdr_token",
    "auth_method_to_v211",
    "cdr_token_from_auth_id",
    "charging_periods_from_v211",
    "charging_periods_to_v211",
    "embedded_location_from_v211",
    "embedded_location_to_v211",
    "location_ids",
    "price_from_v211",
    "price_to_v211",
]


# 2.2.1 transport_and_format "Not available": the EVSE uid and Connector id of a Session (or
# CDR) of a reservation that has none assigned yet.
NOT_AVAILABLE = "#NA"
# 2.1.1 mod_cdrs.md 4.3 CdrDimensionType.
V211_DIMENSIONS = frozenset(
    {"ENERGY", "FLAT", "MAX_CURRENT", "MIN_CURRENT", "PARKING_TIME", "TIME"}
)


def price_to_v211(price: Any) -> Any:
    """A 2.2.1 ``Price`` as 2.1.1's number "excluding VAT": ``excl_vat`` (``incl_vat`` is lost)."""
    if isinstance(price, dict):
        return price.get("excl_vat")
    return price


def price_from_v211(number: Any) -> Doc:
    """A 2.1.1 cost (a number excluding VAT) as a 2.2.1 ``Price`` without ``incl_vat``."""
    return {"excl_vat": number}


def auth_method_to_v211(method: Any) -> Any:
    """2.2.1 AuthMethod ``COMMAND`` (a session started by the eMSP's StartSession, which the eMSP
    authorized) is 2.1.1's ``AUTH_REQUEST``; the others exist in both versions."""
    return "AUTH_REQUEST" if method == "COMMAND" else method


def cdr_token_from_auth_id(auth_id: str, context: Context, related: Related | None) -> Doc:
    """2.2.1 ``cdr_token`` for a 2.1.1 ``auth_id`` (2.1.1 mod_sessions.md 3.1: "identified by the
    auth_id field of the Token").

    ``contract_id`` is the ``auth_id``. ``uid`` and ``type`` come from ``related.token`` (the own
    Token whose ``contract_id`` is the ``auth_id``) when known, else ``uid`` = ``auth_id`` and
    ``type`` = ``OTHER``. ``country_code``/``party_id`` are the Token's, else
    ``context.token_owner``, else ``context.owner``.
    """
    token = related.token if related is not None else None
    if token is not None and str(token.get("contract_id", "")).upper() == auth_id.upper():
        return {
            "country_code": token["country_code"],
            "party_id": token["party_id"],
            "uid": token["uid"],
            "type": token["type"],
            "contract_id": auth_id,
        }
    owner = context.token_owner or context.owner
    return {
        "country_code": owner.country_code,
        "party_id": owner.party_id,
        "uid": auth_id,
        "type": "OTHER",
        "contract_id": auth_id,
    }


def auth_id_from_cdr_token(cdr_token: Doc) -> Any:
    """2.1.1 ``auth_id`` of a 2.2.1 ``cdr_token``: its ``contract_id`` (uid, type and the
    token's party are lost)."""
    return cdr_token.get("contract_id")


def charging_periods_to_v211(periods: list[Doc]) -> list[Doc]:
    """2.2.1 ChargingPeriods as 2.1.1: ``tariff_id`` is lost, and so are the dimensions 2.1.1's
    CdrDimensionType lacks (CURRENT, ENERGY_EXPORT, ENERGY_IMPORT, MAX_POWER, MIN_POWER, POWER,
    RESERVATION_TIME, STATE_OF_CHARGE). A period left without dimensions is dropped (2.1.1
    mod_cdrs.md 4.4: ``dimensions`` is ``+``)."""
    out: list[Doc] = []
    for period in periods:
        dimensions = [
            {"type": d["type"], "volume": d["volume"]}
            for d in period.get("dimensions", [])
            if d.get("type") in V211_DIMENSIONS
        ]
        if dimensions:
            out.append({"start_date_time": period["start_date_time"], "dimensions": dimensions})
    return out


def charging_periods_from_v211(periods: list[Doc]) -> list[Doc]:
    """2.1.1 ChargingPeriods as 2.2.1: ``FLAT`` dimensions are lost (2.2.1 has no FLAT; a flat
    fee is implied by the tariff), and a period left without dimensions is dropped."""
    out: list[Doc] = []
    for period in periods:
        dimensions = [
            {"type": d["type"], "volume": d["volume"]}
            for d in period.get("dimensions", [])
            if d.get("type") != "FLAT"
        ]
        if dimensions:
            out.append({"start_date_time": period["start_date_time"], "dimensions": dimensions})
    return out


def embedded_location_from_v211(location: Doc, context: Context, what: str) -> Doc:
    """The Location a 2.1.1 Session or CDR embeds, "including only the relevant EVSE and
    connector" (2.1.1 mod_sessions.md 3.1, mod_cdrs.md 3.1), as 2.2.1 (the Locations
    converter's rules: ids at most 36, coordinates, ``postal_code``), checked to name an EVSE
    with a Connector."""
    converted = location_from_v211(location, context)
    location_ids(converted, what)
    return converted


def embedded_location_to_v211(location: Doc, evse_uid: str, connector_id: str) -> Doc:
    """The 2.1.1 Location a Session or CDR embeds: the stored one with only its EVSE and
    Connector (the Locations converter's ``location_for_session_v211``); with no EVSE or
    Connector assigned yet (``#NA``, a reservation), the Location without EVSEs (2.1.1
    mod_locations.md 3.1: ``evses`` is ``*``)."""
    if NOT_AVAILABLE in (evse_uid, connector_id):
        return location_to_v211({**location, "evses": []})
    return location_for_session_v211(location, evse_uid, connector_id)


def location_ids(location: Doc, what: str) -> tuple[str, str, str]:
    """``id``, first EVSE ``uid`` and that EVSE's first Connector ``id`` of a Location."""
    evse = _first(location.get("evses"))
    connector = _first(evse.get("connectors")) if evse is not None else None
    if evse is None or connector is None:
        raise Unconvertible(f"the {what}'s Location names no EVSE with a Connector")
    return location["id"], evse["uid"], connector["id"]


def _first(items: Any) -> Doc | None:
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return items[0]
    return None
