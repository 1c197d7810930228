"""Sessions between 2.2.1 (mod_sessions.asciidoc) and 2.1.1 (mod_sessions.md 3.1 Session).

2.1.1 embeds the Location ("including only the relevant EVSE and connector"); 2.2.1 names it by
``location_id``/``evse_uid``/``connector_id``. To 2.1.1 the Location is the stored 2.2.1
Location (``Related.location``) converted by the Locations converter; without it the Session
cannot be sent (:class:`LocationRequired`).

Lost from 2.2.1:
- ``country_code``/``party_id`` (the connection's CPO owns it).
- ``cdr_token`` becomes ``auth_id`` = its ``contract_id``: ``uid``, ``type`` and the Token's
  party are lost.
- ``authorization_reference`` (2.1.1 has none).
- AuthMethod ``COMMAND`` becomes ``AUTH_REQUEST`` (2.1.1 mod_cdrs.md 4.1).
- Status ``RESERVATION`` becomes ``PENDING`` (2.1.1 mod_sessions.md 4.1: "it has not yet
  started ... might never become an active session"); with ``evse_uid``/``connector_id``
  ``#NA`` (none assigned yet) the embedded Location has no EVSEs.
- ``total_cost.incl_vat`` (2.1.1's cost is a number excluding VAT).
- ChargingPeriod ``tariff_id``, and the dimensions 2.1.1 lacks (CURRENT, ENERGY_EXPORT,
  ENERGY_IMPORT, MAX_POWER, MIN_POWER, POWER, RESERVATION_TIME, STATE_OF_CHARGE); a period left
  without dimensions is dropped.
- A PATCH carrying ``charging_periods`` (2.2.1: appended) or ``location_id``/``evse_uid``/
  ``connector_id`` (2.1.1 needs the whole Location) cannot be a 2.1.1 PATCH: send the whole
  Session (:class:`PatchNeedsWholeSession`).

Lost from 2.1.1:
- The embedded Location beyond its ``id``, first EVSE ``uid`` and first Connector ``id`` (the
  Locations module carries the Location itself). A Location without EVSEs (a Session with no
  EVSE assigned yet) gives ``evse_uid`` and ``connector_id`` ``#NA``.
- ``FLAT`` dimensions (2.2.1 has none).

Text (``meter_id``): 2.1.1 strings are printable ASCII; other characters are replaced as by the
Locations converter (``ascii_text``).

Filled in for 2.2.1:
- ``country_code``/``party_id`` = ``Context.owner``.
- ``cdr_token`` from ``auth_id``: ``contract_id`` = ``auth_id``; ``uid``/``type``/party from
  ``Related.token`` when known (the caller passes our own Token whose ``contract_id`` the
  ``auth_id`` is, matched case-insensitively; of several, the most recently updated), else
  ``uid`` = ``auth_id``, ``type`` = ``OTHER``, party = ``Context.token_owner`` (else
  ``Context.owner``).
- ``total_cost`` = ``{"excl_vat": total_cost}``.
- A 2.1.1 PATCH without ``last_updated`` gets the conversion time. A PATCH's ``auth_id`` gives
  a whole ``cdr_token`` as a PUT's does (from ``Related.token`` when known, else ``uid`` =
  ``auth_id`` and ``type`` OTHER), replacing the stored one.
- A 2.1.1 PATCH's ``charging_periods`` REPLACE the list (2.1.1 mod_sessions.md 2.2.3: "Same as
  the PUT method"), 2.2.1's are appended: pass them through :func:`charging_periods_to_append`.
"""

from __future__ import annotations

from typing import Any

from openroam._convert._context import Context, Doc, ObjectConverter, Related
from openroam._convert._shared import (
    NOT_AVAILABLE,
    Unconvertible,
    auth_id_from_cdr_token,
    auth_method_to_v211,
    cdr_token_from_auth_id,
    charging_periods_from_v211,
    charging_periods_to_v211,
    embedded_location_from_v211,
    embedded_location_to_v211,
    location_ids,
    price_from_v211,
    price_to_v211,
)
from openroam._convert.locations import ascii_text, location_from_v211, now_v211

__all__ = [
    "CONVERTER",
    "LocationRequired",
    "PatchNeedsWholeSession",
    "SessionsConverter",
    "Unconvertible",
    "charging_periods_to_append",
    "status_to_v211",
]

# Fields both versions carry under the same name and shape.
_COMMON = ("id", "kwh", "meter_id", "currency", "status", "last_updated")


class LocationRequired(Unconvertible):
    """A 2.2.1 Session or CDR needs its stored Location (``Related.location``) to be 2.1.1."""


class PatchNeedsWholeSession(Unconvertible):
    """A 2.2.1 Session PATCH 2.1.1 cannot express as a PATCH; send the whole Session (PUT)."""


def status_to_v211(status: Any) -> Any:
    """2.2.1 SessionStatus as 2.1.1: ``RESERVATION`` becomes ``PENDING``."""
    return "PENDING" if status == "RESERVATION" else status


def charging_periods_to_append(stored: list[Doc], replacement: list[Doc]) -> list[Doc]:
    """The 2.2.1 PATCH ``charging_periods`` (appended, mod_sessions.asciidoc "PATCH Method")
    that turn ``stored`` into ``replacement``, a 2.1.1 PATCH's whole list (already converted).

    ``replacement`` must extend ``stored``; periods are compared by ``start_date_time``. A 2.1.1
    PATCH that rewrites an earlier period cannot be expressed as appending.
    """
    starts = [p.get("start_date_time") for p in replacement]
    if starts[: len(stored)] != [p.get("start_date_time") for p in stored]:
        raise Unconvertible("the 2.1.1 PATCH rewrites charging periods, not only appends")
    return replacement[len(stored) :]


def _common_to_v211(doc: Doc, out: Doc) -> None:
    for key in _COMMON:
        if key in doc:
            out[key] = doc[key]
    if "status" in out:
        out["status"] = status_to_v211(out["status"])
    if "start_date_time" in doc:
        out["start_datetime"] = doc["start_date_time"]
    if "end_date_time" in doc:
        out["end_datetime"] = doc["end_date_time"]
    if "cdr_token" in doc:
        out["auth_id"] = auth_id_from_cdr_token(doc["cdr_token"])
    if "auth_method" in doc:
        out["auth_method"] = auth_method_to_v211(doc["auth_method"])
    if doc.get("charging_periods") is not None:
        out["charging_periods"] = charging_periods_to_v211(doc["charging_periods"])
    if doc.get("total_cost") is not None:
        out["total_cost"] = price_to_v211(doc["total_cost"])
    if "meter_id" in out:
        out["meter_id"] = ascii_text(out["meter_id"])


def _common_from_v211(doc: Doc, out: Doc) -> None:
    for key in _COMMON:
        if key in doc:
            out[key] = doc[key]
    if "start_datetime" in doc:
        out["start_date_time"] = doc["start_datetime"]
    if "end_datetime" in doc:
        out["end_date_time"] = doc["end_datetime"]
    if "auth_method" in doc:
        out["auth_method"] = doc["auth_method"]
    if doc.get("charging_periods") is not None:
        out["charging_periods"] = charging_periods_from_v211(doc["charging_periods"])
    if doc.get("total_cost") is not None:
        out["total_cost"] = price_from_v211(doc["total_cost"])


def _ids_from_v211(location: Doc, context: Context) -> tuple[str, str, str]:
    if not location.get("evses"):  # a PENDING Session with no EVSE assigned yet
        return str(location_from_v211(location, context)["id"]), NOT_AVAILABLE, NOT_AVAILABLE
    return location_ids(embedded_location_from_v211(location, context, "Session"), "Session")


class SessionsConverter:
    """The ObjectConverter of Sessions; ``depth`` is unused."""

    def to_v211(self, doc: Doc, depth: int = 0, related: Related | None = None) -> Doc:
        if related is None or related.location is None:
            raise LocationRequired(
                f"Session {doc.get('id')}: 2.1.1 embeds the Location, and Location "
                f"{doc.get('location_id')} is not known"
            )
        out: Doc = {}
        _common_to_v211(doc, out)
        out["location"] = embedded_location_to_v211(
            related.location, doc["evse_uid"], doc["connector_id"]
        )
        return out

    def from_v211(
        self, doc: Doc, context: Context, depth: int = 0, related: Related | None = None
    ) -> Doc:
        out: Doc = {
            "country_code": context.owner.country_code,
            "party_id": context.owner.party_id,
        }
        _common_from_v211(doc, out)
        out["cdr_token"] = cdr_token_from_auth_id(doc["auth_id"], context, related)
        out["location_id"], out["evse_uid"], out["connector_id"] = _ids_from_v211(
            doc["location"], context
        )
        return out

    def patch_to_v211(self, doc: Doc, depth: int = 0) -> Doc:
        whole = sorted({"charging_periods", "location_id", "evse_uid", "connector_id"} & set(doc))
        if whole:
            raise PatchNeedsWholeSession(
                f"a 2.1.1 Session PATCH cannot carry {', '.join(whole)} as 2.2.1 does"
            )
        out: Doc = {}
        _common_to_v211(doc, out)
        return out

    def patch_from_v211(
        self, doc: Doc, context: Context, depth: int = 0, related: Related | None = None
    ) -> Doc:
        out: Doc = {}
        _common_from_v211(doc, out)
        if "auth_id" in doc:
            out["cdr_token"] = cdr_token_from_auth_id(doc["auth_id"], context, related)
        if doc.get("location") is not None:
            out["location_id"], out["evse_uid"], out["connector_id"] = _ids_from_v211(
                doc["location"], context
            )
        out.setdefault("last_updated", now_v211())
        return out


CONVERTER: ObjectConverter = SessionsConverter()
