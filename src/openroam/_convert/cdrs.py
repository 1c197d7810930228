"""CDRs between 2.2.1 (mod_cdrs.asciidoc) and 2.1.1 (mod_cdrs.md 3.1 CDR).

2.1.1 embeds the Location (its relevant EVSE and Connector) where 2.2.1 has a ``cdr_location``;
2.1.1's ``tariffs`` are 2.1.1 Tariffs, converted with the Tariffs converter, so the eMSP prices a
2.1.1 CDR against the Tariff it came with.

Lost from 2.2.1:
- ``country_code``/``party_id``, ``session_id``, ``authorization_reference``, ``signed_data``,
  ``invoice_reference_id``, ``home_charging_compensation`` (2.1.1 has none).
- ``total_fixed_cost``, ``total_energy_cost``, ``total_time_cost``, ``total_parking_cost``,
  ``total_reservation_cost``; ``total_cost.incl_vat`` (2.1.1's cost is a number excluding VAT).
- ``cdr_token`` becomes ``auth_id`` = its ``contract_id``.
- AuthMethod ``COMMAND`` becomes ``AUTH_REQUEST``.
- ChargingPeriod ``tariff_id`` and the dimensions 2.1.1 lacks (CURRENT, ENERGY_EXPORT,
  ENERGY_IMPORT, MAX_POWER, MIN_POWER, POWER, RESERVATION_TIME, STATE_OF_CHARGE); a period left
  without dimensions is dropped, and a CDR left without periods cannot be sent (2.1.1 requires
  one or more).
- Credit CDRs (``credit``, ``credit_reference_id``): 2.1.1 has no way to say a CDR is a credit,
  so a Credit CDR is :class:`Unconvertible` rather than sent as a charge.
- The Location: with ``evse_uid`` or ``connector_id`` ``#NA`` (a reservation that never became
  a session) it has no EVSEs; else it is the stored Location (``Related.location``) converted
  by the Locations converter; without it the 2.1.1 Location is built from ``cdr_location`` with
  fill-ins (the Locations converter's own for a 2.2.1 Location, and: EVSE ``status`` UNKNOWN,
  Connector ``voltage``/``amperage`` 0, ``last_updated`` the CDR's).

Lost from 2.1.1:
- The embedded Location beyond what ``cdr_location`` holds (id, name, address, city,
  postal_code, country, coordinates, the EVSE's uid/evse_id, the Connector's id, standard,
  format, power_type).
- ``FLAT`` dimensions (2.2.1 has none).

Text (``meter_id``, ``remark``): 2.1.1 strings are printable ASCII; other characters are
replaced as by the Locations converter (``ascii_text``).

Filled in for 2.2.1:
- ``country_code``/``party_id`` = ``Context.owner``; ``cdr_token`` from ``auth_id`` (as for
  Sessions); ``total_cost`` = ``{"excl_vat": total_cost}``.
- ``cdr_location.evse_id`` = the EVSE's ``uid`` when the 2.1.1 EVSE has no ``evse_id``.
- Every ChargingPeriod's ``tariff_id`` = the Tariff the 2.1.1 Connector names (``tariff_id``)
  when the CDR carries it, else the CDR's first Tariff (2.1.1 periods name none; the 2.2.1
  audit prices each period by the Tariff it names).
"""

from __future__ import annotations

from openroam._convert._context import Context, Doc, ObjectConverter, Related
from openroam._convert._shared import (
    Unconvertible,
    auth_id_from_cdr_token,
    auth_method_to_v211,
    cdr_token_from_auth_id,
    charging_periods_from_v211,
    charging_periods_to_v211,
    embedded_location_from_v211,
    embedded_location_to_v211,
    price_from_v211,
    price_to_v211,
)
from openroam._convert.locations import ascii_text
from openroam._convert.tariffs import CONVERTER as TARIFFS

__all__ = ["CONVERTER", "CdrsConverter", "Unconvertible", "location_from_cdr_location"]

_COMMON = (
    "id",
    "start_date_time",
    "meter_id",
    "currency",
    "total_energy",
    "total_time",
    "total_parking_time",
    "remark",
    "last_updated",
)


def location_from_cdr_location(cdr: Doc) -> Doc:
    """A 2.2.1 Location (one EVSE, one Connector) holding what the CDR's ``cdr_location`` says,
    for when the Location itself is not stored; the fields CdrLocation lacks are fill-ins
    (named in the module docstring)."""
    where = cdr["cdr_location"]
    connector = {
        "id": where["connector_id"],
        "standard": where["connector_standard"],
        "format": where["connector_format"],
        "power_type": where["connector_power_type"],
        "max_voltage": 0,
        "max_amperage": 0,
        "last_updated": cdr["last_updated"],
    }
    evse = {
        "uid": where["evse_uid"],
        "evse_id": where["evse_id"],
        "status": "UNKNOWN",
        "connectors": [connector],
        "last_updated": cdr["last_updated"],
    }
    location: Doc = {
        "country_code": cdr["country_code"],
        "party_id": cdr["party_id"],
        "id": where["id"],
        "publish": True,
        "time_zone": "UTC",
        "evses": [evse],
        "last_updated": cdr["last_updated"],
    }
    for key in ("name", "address", "city", "postal_code", "state", "country", "coordinates"):
        if where.get(key) is not None:
            location[key] = where[key]
    return location


def _cdr_location_from_v211(embedded: Doc, context: Context) -> Doc:
    location = embedded_location_from_v211(embedded, context, "CDR")
    evse = location["evses"][0]
    connector = evse["connectors"][0]
    out: Doc = {"id": location["id"]}
    for key in ("name", "address", "city", "postal_code", "country", "coordinates"):
        if location.get(key) is not None:
            out[key] = location[key]
    out["evse_uid"] = evse["uid"]
    out["evse_id"] = evse.get("evse_id") or evse["uid"]
    out["connector_id"] = connector["id"]
    out["connector_standard"] = connector["standard"]
    out["connector_format"] = connector["format"]
    out["connector_power_type"] = connector["power_type"]
    return out


def _period_tariff_id(doc: Doc) -> str | None:
    tariffs = doc.get("tariffs") or []
    if not tariffs:
        return None
    ids = [t["id"] for t in tariffs]
    evses = doc["location"].get("evses") or [{}]
    connectors = evses[0].get("connectors") or [{}]
    named = connectors[0].get("tariff_id")
    if named is not None:
        for tariff_id in ids:
            if str(tariff_id).upper() == str(named).upper():
                return str(tariff_id)
    return str(ids[0])


class CdrsConverter:
    """The ObjectConverter of CDRs; ``depth`` is unused. CDRs are never PATCHed."""

    def to_v211(self, doc: Doc, depth: int = 0, related: Related | None = None) -> Doc:
        if doc.get("credit"):
            raise Unconvertible(f"CDR {doc.get('id')} is a Credit CDR; 2.1.1 has no Credit CDRs")
        out: Doc = {key: doc[key] for key in _COMMON if key in doc}
        out["stop_date_time"] = doc["end_date_time"]
        out["auth_id"] = auth_id_from_cdr_token(doc["cdr_token"])
        out["auth_method"] = auth_method_to_v211(doc["auth_method"])
        where = doc["cdr_location"]
        stored = related.location if related is not None else None
        location = stored if stored is not None else location_from_cdr_location(doc)
        out["location"] = embedded_location_to_v211(
            location, where["evse_uid"], where["connector_id"]
        )
        tariffs = _tariffs_to_v211(doc, related)
        if tariffs:
            out["tariffs"] = tariffs
        periods = charging_periods_to_v211(doc["charging_periods"])
        if not periods:
            raise Unconvertible(f"CDR {doc.get('id')} has no charging period 2.1.1 can express")
        out["charging_periods"] = periods
        out["total_cost"] = price_to_v211(doc["total_cost"])
        for key in ("meter_id", "remark"):
            if key in out:
                out[key] = ascii_text(out[key])
        return out

    def from_v211(
        self, doc: Doc, context: Context, depth: int = 0, related: Related | None = None
    ) -> Doc:
        out: Doc = {
            "country_code": context.owner.country_code,
            "party_id": context.owner.party_id,
        }
        out.update({key: doc[key] for key in _COMMON if key in doc})
        out["end_date_time"] = doc["stop_date_time"]
        out["cdr_token"] = cdr_token_from_auth_id(doc["auth_id"], context, related)
        out["auth_method"] = doc["auth_method"]
        out["cdr_location"] = _cdr_location_from_v211(doc["location"], context)
        if doc.get("tariffs"):
            out["tariffs"] = [TARIFFS.from_v211(t, context) for t in doc["tariffs"]]
        periods = charging_periods_from_v211(doc["charging_periods"])
        if not periods:
            raise Unconvertible(f"CDR {doc.get('id')} has no charging period 2.2.1 can express")
        tariff_id = _period_tariff_id(doc)
        if tariff_id is not None:
            for period in periods:
                period["tariff_id"] = tariff_id
        out["charging_periods"] = periods
        out["total_cost"] = price_from_v211(doc["total_cost"])
        return out

    def patch_to_v211(self, doc: Doc, depth: int = 0) -> Doc:
        raise Unconvertible("CDRs have no PATCH (2.1.1 mod_cdrs.md 2, mod_cdrs.asciidoc)")

    def patch_from_v211(
        self, doc: Doc, context: Context, depth: int = 0, related: Related | None = None
    ) -> Doc:
        raise Unconvertible("CDRs have no PATCH (2.1.1 mod_cdrs.md 2, mod_cdrs.asciidoc)")


def _tariffs_to_v211(doc: Doc, related: Related | None) -> list[Doc]:
    tariffs: list[Doc] = list(doc.get("tariffs") or [])
    if not tariffs and related is not None and related.tariffs:
        held = {str(k).upper(): v for k, v in related.tariffs.items()}
        for period in doc["charging_periods"]:
            found = held.get(str(period.get("tariff_id", "")).upper())
            if found is not None and found not in tariffs:
                tariffs.append(found)
    if not tariffs:
        return []
    return [TARIFFS.to_v211(t) for t in tariffs]


CONVERTER: ObjectConverter = CdrsConverter()
