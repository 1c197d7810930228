"""Locations between OCPI 2.2.1 (stored) and 2.1.1 (mod_locations.md, 2.1.1).

Depth: 0 Location, 1 EVSE, 2 Connector (2.1.1 mod_locations.md 3.1, 3.2, 3.3).

Lost from 2.2.1:

* ``country_code``, ``party_id`` (the 2.1.1 Location names no owner), ``publish`` and
  ``publish_allowed_to`` (2.1.1 has no visibility rule: a caller sends only Locations for which
  :func:`publishable_in_v211` holds), ``state``, Connector ``max_electric_power``.
* ``parking_type`` ALONG_MOTORWAY and ON_DRIVEWAY become LocationType OTHER; no ``parking_type``
  becomes UNKNOWN (mod_locations.md 4.16: "not known by the operator (default)").
* Connector ``tariff_ids``: only the first is sent as ``tariff_id``.
* Capabilities 2.1.1 lacks (CHARGING_PREFERENCES_CAPABLE, CHIP_CARD_SUPPORT,
  CONTACTLESS_CARD_SUPPORT, DEBIT_CARD_PAYABLE, PED_TERMINAL, START_SESSION_CONNECTOR_REQUIRED,
  TOKEN_GROUP_CAPABLE) and Facilities 2.1.1 lacks (BIKE_SHARING, TRAM_STOP, METRO_STATION,
  PARKING_LOT) are left out of the lists.
* A Connector whose ``standard`` 2.1.1 lacks (CHAOJI, DOMESTIC_M/N/O, GBT_AC, GBT_DC, NEMA_*,
  PANTOGRAPH_*) is left out of its EVSE, and an EVSE left without Connectors out of its Location
  (2.1.1 requires ``standard`` and at least one Connector). :func:`location_for_session_v211`
  raises :class:`Unconvertible` for such a Connector instead.
* PowerType AC_2_PHASE and AC_2_PHASE_SPLIT are sent as AC_1_PHASE (the nearest 2.1.1 value;
  the voltage is kept).
* Coordinates: 2.1.1 wants exactly 6 decimals (mod_locations.md 4.12 GeoLocation regex); 5 are
  padded with a zero (exact), 7 are rounded half-even to 6 (at most 0.05 micro-degree, 6 mm).
* ``address`` is string(255) in 2.2.1 and string(45) in 2.1.1: cut to 45 characters.
* Text: 2.1.1 strings are printable ASCII (types.md 1.5), 2.2.1 strings UTF-8. Each other
  character becomes the first ASCII letter of its NFKD decomposition (``é`` → ``e``), a
  whitespace character a space, any other ``?``; one character for one, so lengths are kept.
* ``postal_code`` is optional in 2.2.1 and required in 2.1.1: a Location without one is sent
  with ``""``.
* Hours: ``twentyfourseven: false`` is not sent (2.1.1 Hours is a choice of ``regular_hours`` or
  ``twentyfourseven``).

Filled in for 2.2.1:

* ``country_code``, ``party_id`` from ``Context.owner``; ``publish`` true; ``time_zone`` from
  ``Context.time_zone`` when the 2.1.1 Location names none.
* LocationType OTHER and UNKNOWN become no ``parking_type``; the other four keep their name.
* ``postal_code`` ``""`` becomes no ``postal_code``.
* Hours without ``regular_hours`` become ``twentyfourseven: true`` (mod_locations.md 4.13:
  regular_hours "should not be set for representing 24/7"); with ``twentyfourseven`` true any
  ``regular_hours`` are left out (2.2.1 allows them only when it is false).
* Coordinates with fewer than 5 decimals are padded, more than 7 rounded half-even to 7.
* ``id`` and EVSE ``uid`` are string(39) in 2.1.1 and CiString(36) in 2.2.1: a longer one cannot
  be stored and raises :class:`Unconvertible`. 2.1.1 ids are case-sensitive; 2.2.1 compares them
  case-insensitively, so two 2.1.1 ids differing only in case name one 2.2.1 object.
* A PATCH body without ``last_updated`` gets the time of conversion.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from openroam._convert._context import Context, Doc, Related, Unconvertible

__all__ = [
    "CONVERTER",
    "LocationsConverter",
    "Unconvertible",
    "ascii_text",
    "connector_from_v211",
    "connector_to_v211",
    "energy_mix_from_v211",
    "energy_mix_to_v211",
    "evse_from_v211",
    "evse_to_v211",
    "location_for_session_v211",
    "location_from_v211",
    "location_to_v211",
    "now_v211",
    "publishable_in_v211",
]


# mod_locations.md 4.16 LocationType (2.1.1) vs 2.2.1 ParkingType.
_SHARED_PARKING = frozenset({"ON_STREET", "PARKING_GARAGE", "UNDERGROUND_GARAGE", "PARKING_LOT"})
# mod_locations.md 4.2 Capability.
_V211_CAPABILITIES = frozenset(
    {
        "CHARGING_PROFILE_CAPABLE",
        "CREDIT_CARD_PAYABLE",
        "REMOTE_START_STOP_CAPABLE",
        "RESERVABLE",
        "RFID_READER",
        "UNLOCK_CAPABLE",
    }
)
# mod_locations.md 4.11 Facility.
_V211_FACILITIES = frozenset(
    {
        "HOTEL",
        "RESTAURANT",
        "CAFE",
        "MALL",
        "SUPERMARKET",
        "SPORT",
        "RECREATION_AREA",
        "NATURE",
        "MUSEUM",
        "BUS_STOP",
        "TAXI_STAND",
        "TRAIN_STATION",
        "AIRPORT",
        "CARPOOL_PARKING",
        "FUEL_STATION",
        "WIFI",
    }
)
# mod_locations.md 4.4 ConnectorType.
_V211_STANDARDS = frozenset(
    {
        "CHADEMO",
        *(f"DOMESTIC_{letter}" for letter in "ABCDEFGHIJKL"),
        "IEC_60309_2_single_16",
        "IEC_60309_2_three_16",
        "IEC_60309_2_three_32",
        "IEC_60309_2_three_64",
        "IEC_62196_T1",
        "IEC_62196_T1_COMBO",
        "IEC_62196_T2",
        "IEC_62196_T2_COMBO",
        "IEC_62196_T3A",
        "IEC_62196_T3C",
        "TESLA_R",
        "TESLA_S",
    }
)
# mod_locations.md 4.18 PowerType: the 2.2.1 two-phase types as the nearest 2.1.1 one.
_POWER_TYPE_TO_V211 = {"AC_2_PHASE": "AC_1_PHASE", "AC_2_PHASE_SPLIT": "AC_1_PHASE"}
_ID_LENGTH = 36  # 2.2.1 CiString(36) for Location.id and EVSE.uid
_ADDRESS_LENGTH = 45  # mod_locations.md 3.1 address string(45)


# --- shared small pieces -------------------------------------------------------------------


def now_v211() -> str:
    """The current time as an OCPI DateTime (UTC, whole seconds)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ascii_char(char: str) -> str:
    if " " <= char <= "~":
        return char
    if char.isspace():
        return " "
    for part in unicodedata.normalize("NFKD", char):
        if "!" <= part <= "~":
            return part
    return "?"


def ascii_text(value: Any) -> Any:
    """``value`` with every string in it printable ASCII (types.md 1.5, 2.1.1), one character
    for one: the first ASCII character of a character's NFKD decomposition, a space for
    whitespace, else ``?``. Dicts and lists are walked; other values are returned as they are."""
    if isinstance(value, str):
        return (
            value if value.isascii() and value.isprintable() else "".join(map(_ascii_char, value))
        )
    if isinstance(value, dict):
        return {key: ascii_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [ascii_text(item) for item in value]
    return value


def _coordinate(value: Any, least: int, most: int) -> Any:
    """A decimal-degree string with between ``least`` and ``most`` decimals: padded with zeros
    (exact) or rounded half-even. Anything that is not a decimal number is left for the models
    to reject."""
    if not isinstance(value, str):
        return value
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    if not number.is_finite():
        return value
    exponent = number.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) else 0
    if least <= decimals <= most:
        return value
    target = least if decimals < least else most
    return str(number.quantize(Decimal(1).scaleb(-target), rounding=ROUND_HALF_EVEN))


def _geo(doc: Any, least: int, most: int) -> Any:
    if not isinstance(doc, dict):
        return doc
    out = dict(doc)
    for key in ("latitude", "longitude"):
        if key in out:
            out[key] = _coordinate(out[key], least, most)
    return out


def _check_id(value: Any, field: str) -> Any:
    if isinstance(value, str) and len(value) > _ID_LENGTH:
        raise Unconvertible(
            f"{field} {value!r} has {len(value)} characters; 2.2.1 stores at most {_ID_LENGTH} "
            "(CiString(36)), 2.1.1 allows 39 (mod_locations.md 3.1, 3.2)"
        )
    return value


def _rename(doc: Doc, old: str, new: str) -> None:
    if old in doc:
        doc[new] = doc.pop(old)


def _map_list(doc: Doc, key: str, convert: Callable[[Any], Any]) -> None:
    if isinstance(doc.get(key), list):
        doc[key] = [convert(item) for item in doc[key]]


def _energy_mix(doc: Any, old: str, new: str) -> Any:
    if not isinstance(doc, dict):
        return doc
    out = dict(doc)

    def impact(item: Any) -> Any:
        if isinstance(item, dict):
            item = dict(item)
            _rename(item, old, new)
        return item

    _map_list(out, "environ_impact", impact)
    return out


def energy_mix_to_v211(doc: Any) -> Any:
    """EnergyMix: EnvironmentalImpact ``category`` (2.2.1) becomes ``source`` (mod_locations.md
    4.8)."""
    return _energy_mix(doc, "category", "source")


def energy_mix_from_v211(doc: Any) -> Any:
    """EnergyMix: EnvironmentalImpact ``source`` (mod_locations.md 4.8) becomes ``category``."""
    return _energy_mix(doc, "source", "category")


# --- 2.2.1 -> 2.1.1 ------------------------------------------------------------------------


def _connector_to_v211(doc: Doc, whole: bool) -> Doc | None:
    out = dict(doc)
    _rename(out, "max_voltage", "voltage")
    _rename(out, "max_amperage", "amperage")
    out.pop("max_electric_power", None)
    if "tariff_ids" in out:
        ids = out.pop("tariff_ids")
        if ids:
            out["tariff_id"] = ids[0]
    if "power_type" in out:
        out["power_type"] = _POWER_TYPE_TO_V211.get(out["power_type"], out["power_type"])
    if "standard" in out and out["standard"] not in _V211_STANDARDS:
        if whole:
            return None
        del out["standard"]
    return ascii_text(out)  # type: ignore[no-any-return]


def connector_to_v211(doc: Doc) -> Doc | None:
    """A 2.2.1 Connector as 2.1.1 (mod_locations.md 3.3), or None when its ``standard`` has no
    2.1.1 value."""
    return _connector_to_v211(doc, whole=True)


def _evse_to_v211(doc: Doc, whole: bool) -> Doc | None:
    out = dict(doc)
    if isinstance(out.get("capabilities"), list):
        out["capabilities"] = [c for c in out["capabilities"] if c in _V211_CAPABILITIES]
    if "coordinates" in out:
        out["coordinates"] = _geo(out["coordinates"], 6, 6)
    if isinstance(out.get("connectors"), list):
        connectors = [_connector_to_v211(c, whole=True) for c in out["connectors"]]
        out["connectors"] = [c for c in connectors if c is not None]
        if not out["connectors"] and whole:
            return None
    return ascii_text(out)  # type: ignore[no-any-return]


def evse_to_v211(doc: Doc) -> Doc | None:
    """A 2.2.1 EVSE as 2.1.1 (mod_locations.md 3.2), or None when none of its Connectors can be
    expressed in 2.1.1."""
    return _evse_to_v211(doc, whole=True)


def _hours_to_v211(doc: Any) -> Any:
    if not isinstance(doc, dict):
        return doc
    out = dict(doc)
    if out.get("twentyfourseven") is False:
        del out["twentyfourseven"]
    return out


def _location_to_v211(doc: Doc, whole: bool) -> Doc:
    out = dict(doc)
    for key in ("country_code", "party_id", "publish", "publish_allowed_to", "state"):
        out.pop(key, None)
    if "parking_type" in out:
        parking = out.pop("parking_type")
        out["type"] = parking if parking in _SHARED_PARKING else "OTHER"
    elif whole:
        out["type"] = "UNKNOWN"
    if whole and out.get("postal_code") is None:
        out["postal_code"] = ""
    if isinstance(out.get("address"), str):
        out["address"] = out["address"][:_ADDRESS_LENGTH]
    if "coordinates" in out:
        out["coordinates"] = _geo(out["coordinates"], 6, 6)
    _map_list(out, "related_locations", lambda geo: _geo(geo, 6, 6))
    if isinstance(out.get("facilities"), list):
        out["facilities"] = [f for f in out["facilities"] if f in _V211_FACILITIES]
    if "opening_times" in out:
        out["opening_times"] = _hours_to_v211(out["opening_times"])
    if "energy_mix" in out:
        out["energy_mix"] = energy_mix_to_v211(out["energy_mix"])
    if isinstance(out.get("evses"), list):
        evses = [_evse_to_v211(evse, whole=True) for evse in out["evses"]]
        out["evses"] = [evse for evse in evses if evse is not None]
    return ascii_text(out)  # type: ignore[no-any-return]


def location_to_v211(doc: Doc) -> Doc:
    """A stored 2.2.1 Location as 2.1.1 (mod_locations.md 3.1); losses in the module docstring."""
    return _location_to_v211(doc, whole=True)


def publishable_in_v211(doc: Doc) -> bool:
    """Whether a 2.2.1 Location may be shown to a 2.1.1 partner: 2.1.1 has no ``publish``, so
    only a published Location (2.2.1 mod_locations, Location.publish) is."""
    return doc.get("publish") is True


def location_for_session_v211(location_doc: Doc, evse_uid: str, connector_id: str) -> Doc:
    """The 2.1.1 Location a 2.1.1 Session or CDR embeds: the stored 2.2.1 Location with only the
    EVSE and Connector used (mod_sessions.md 4.1 "Location": "the EVSE and Connector are the only
    ones included"). EVSE uid and Connector id compare case-insensitively (2.2.1 CiString).

    Raises :class:`Unconvertible` when the Location has no such EVSE or Connector, or when the
    Connector's ``standard`` has no 2.1.1 value."""
    evse = _find(location_doc.get("evses") or [], "uid", evse_uid, "EVSE uid")
    connector = _find(evse.get("connectors") or [], "id", connector_id, "Connector id")
    converted = connector_to_v211(connector)
    if converted is None:
        raise Unconvertible(
            f"Connector {connector_id!r} has standard {connector.get('standard')!r}, "
            "which 2.1.1 ConnectorType (mod_locations.md 4.4) lacks"
        )
    location = location_to_v211({**location_doc, "evses": []})
    evse_v211 = _evse_to_v211({**evse, "connectors": []}, whole=False)
    assert evse_v211 is not None  # a partial EVSE is never dropped
    location["evses"] = [{**evse_v211, "connectors": [converted]}]
    return location


def _find(items: list[Doc], key: str, wanted: str, what: str) -> Doc:
    for item in items:
        if str(item.get(key, "")).casefold() == wanted.casefold():
            return item
    raise Unconvertible(f"the Location has no {what} {wanted!r}")


# --- 2.1.1 -> 2.2.1 ------------------------------------------------------------------------


def _connector_from_v211(doc: Doc) -> Doc:
    out = dict(doc)
    _rename(out, "voltage", "max_voltage")
    _rename(out, "amperage", "max_amperage")
    if "tariff_id" in out:
        tariff_id = out.pop("tariff_id")
        if tariff_id is not None:
            out["tariff_ids"] = [tariff_id]
    return out


def connector_from_v211(doc: Doc) -> Doc:
    """A 2.1.1 Connector (mod_locations.md 3.3) as 2.2.1."""
    return _connector_from_v211(doc)


def _evse_from_v211(doc: Doc) -> Doc:
    out = dict(doc)
    if "uid" in out:
        _check_id(out["uid"], "EVSE uid")
    if "coordinates" in out:
        out["coordinates"] = _geo(out["coordinates"], 5, 7)
    _map_list(out, "connectors", _connector_from_v211)
    return out


def evse_from_v211(doc: Doc) -> Doc:
    """A 2.1.1 EVSE (mod_locations.md 3.2) as 2.2.1; raises :class:`Unconvertible` for a
    ``uid`` longer than 36 characters."""
    return _evse_from_v211(doc)


def _hours_from_v211(doc: Any) -> Any:
    if not isinstance(doc, dict):
        return doc
    out = dict(doc)
    if out.get("twentyfourseven") is True or not out.get("regular_hours"):
        out["twentyfourseven"] = True
        out.pop("regular_hours", None)
    else:
        out["twentyfourseven"] = False
    return out


def _location_from_v211(doc: Doc, context: Context, whole: bool) -> Doc:
    out = dict(doc)
    if "id" in out:
        _check_id(out["id"], "Location id")
    if "type" in out:
        kind = out.pop("type")
        if kind in _SHARED_PARKING:
            out["parking_type"] = kind
    if out.get("postal_code") == "":
        del out["postal_code"]
    if "coordinates" in out:
        out["coordinates"] = _geo(out["coordinates"], 5, 7)
    _map_list(out, "related_locations", lambda geo: _geo(geo, 5, 7))
    if "opening_times" in out:
        out["opening_times"] = _hours_from_v211(out["opening_times"])
    if "energy_mix" in out:
        out["energy_mix"] = energy_mix_from_v211(out["energy_mix"])
    _map_list(out, "evses", _evse_from_v211)
    if whole:
        if out.get("time_zone") is None:
            out["time_zone"] = context.time_zone
        out = {
            "country_code": context.owner.country_code,
            "party_id": context.owner.party_id,
            **out,
            "publish": True,
        }
    return out


def location_from_v211(doc: Doc, context: Context) -> Doc:
    """A 2.1.1 Location (mod_locations.md 3.1) as 2.2.1; what is filled in is in the module
    docstring. Raises :class:`Unconvertible` for an ``id`` or EVSE ``uid`` longer than 36."""
    return _location_from_v211(doc, context, whole=True)


# --- the converter -------------------------------------------------------------------------


def _depth(depth: int) -> None:
    if depth not in (0, 1, 2):
        raise ValueError(
            f"Locations have depth 0 (Location), 1 (EVSE) or 2 (Connector), not {depth}"
        )


class LocationsConverter:
    """The :class:`~openroam._convert._context.ObjectConverter` of Locations."""

    def to_v211(self, doc: Doc, depth: int = 0, related: Related | None = None) -> Doc:
        """A stored 2.2.1 Location, EVSE or Connector as 2.1.1. An EVSE or Connector that 2.1.1
        cannot express raises :class:`Unconvertible` (inside a Location it is left out)."""
        _depth(depth)
        if depth == 0:
            return location_to_v211(doc)
        converted = evse_to_v211(doc) if depth == 1 else connector_to_v211(doc)
        if converted is None:
            what = "EVSE" if depth == 1 else "Connector"
            raise Unconvertible(
                f"{what} {doc.get('uid', doc.get('id'))!r}: its connector standard has no "
                "2.1.1 ConnectorType (mod_locations.md 4.4)"
            )
        return converted

    def from_v211(
        self, doc: Doc, context: Context, depth: int = 0, related: Related | None = None
    ) -> Doc:
        """A 2.1.1 Location, EVSE or Connector as 2.2.1."""
        _depth(depth)
        if depth == 0:
            return location_from_v211(doc, context)
        return evse_from_v211(doc) if depth == 1 else connector_from_v211(doc)

    def patch_to_v211(self, doc: Doc, depth: int = 0) -> Doc:
        """A 2.2.1 PATCH body as 2.1.1: only the fields it carries; a ``standard`` 2.1.1 lacks is
        left out, as are the fields 2.1.1 does not have."""
        _depth(depth)
        if depth == 0:
            return _location_to_v211(doc, whole=False)
        if depth == 1:
            converted = _evse_to_v211(doc, whole=False)
        else:
            converted = _connector_to_v211(doc, whole=False)
        assert converted is not None  # a partial document is never dropped
        return converted

    def patch_from_v211(
        self, doc: Doc, context: Context, depth: int = 0, related: Related | None = None
    ) -> Doc:
        """A 2.1.1 PATCH body as 2.2.1, with ``last_updated`` (the time of conversion when the
        body has none). A ``type`` OTHER or UNKNOWN leaves ``parking_type`` as it is."""
        _depth(depth)
        if depth == 0:
            out = _location_from_v211(doc, context, whole=False)
        elif depth == 1:
            out = _evse_from_v211(doc)
        else:
            out = _connector_from_v211(doc)
        out.setdefault("last_updated", now_v211())
        return out


CONVERTER = LocationsConverter()
