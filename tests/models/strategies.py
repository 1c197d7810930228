"""Hypothesis strategies for valid OCPI 2.2.1 JSON documents, as dicts with Decimal numbers.

A document is what a conforming party may send: the max lengths, regexes, enums and cardinality
of the spec tables (``+`` lists non-empty, ``*`` lists possibly empty), the cross-field rules of
the chapters, optional fields sometimes absent and sometimes unknown extra fields (which a hub
forwards, OCPI 2.3.0 "Non-specified JSON fields"). Write one with ``tests.spec_examples.dump_json``.

The ranges are chosen so a document round-trips *textually* through the models:

* DateTime: whole seconds, UTC, ``Z``, years 1970-2199: the form openroam produces
  (types.asciidoc "DateTime").
* Number: at most 4 decimals (types.asciidoc "number") and below 10**9, so at most 13
  significant digits; ``Number`` is written through a float, which is exact up to 15.
* Int: 0..10**6. Integers beyond 64 bits cannot be written at all (see the xfail in
  test_v221_roundtrip_properties.py).
"""

from __future__ import annotations

import string as chars
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from importlib import resources
from typing import Any

from hypothesis import strategies as st

from openroam.models import v221
from openroam.models.common import OcpiModel

Doc = dict[str, Any]

# types.asciidoc "string": printable UTF-8 (no control characters); lone surrogates are not UTF-8.
TEXT = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))
# types.asciidoc "CiString": printable ASCII.
ASCII = st.characters(min_codepoint=0x20, max_codepoint=0x7E)


def _text(alphabet: st.SearchStrategy[str], max_size: int, min_size: int = 0) -> st.SearchStrategy:
    short = st.text(alphabet, min_size=min_size, max_size=min(max_size, 16))
    if max_size <= 16:
        return short
    # The limit itself is valid: sometimes fill the field to exactly max_size characters.
    full = st.text(alphabet, min_size=1, max_size=3).map(lambda s: (s * max_size)[:max_size])
    return short | full


def string(max_size: int) -> st.SearchStrategy[str]:
    return _text(TEXT, max_size)


def cistring(max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    return _text(ASCII, max_size, min_size)


def ident(max_size: int = 36) -> st.SearchStrategy[str]:
    """A CiString id: never empty."""
    return cistring(max_size, min_size=1)


def letters(size: int, alphabet: str = chars.ascii_uppercase) -> st.SearchStrategy[str]:
    return st.text(st.sampled_from(alphabet), min_size=size, max_size=size)


def enum(kind: type[StrEnum]) -> st.SearchStrategy[str]:
    return st.sampled_from([member.value for member in kind])


def number(low: int = 0, high: int = 10**9) -> st.SearchStrategy[Decimal]:
    return st.decimals(Decimal(low), Decimal(high), places=4, allow_nan=False, allow_infinity=False)


def lists(elements: st.SearchStrategy, min_size: int = 0, **unique: Any) -> st.SearchStrategy:
    return st.lists(elements, min_size=min_size, max_size=2, **unique)


INT = st.integers(0, 10**6)
DATETIME = st.datetimes(datetime(1970, 1, 1), datetime(2199, 12, 31, 23, 59, 59)).map(
    lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ")
)


def in_order(begin: str, end: str) -> Any:
    """Swap the DateTimes ``begin`` and ``end`` of a document if they are out of order (the
    text form sorts chronologically). A map, so strategies are built once, not per draw."""

    def fix(doc: Doc) -> Doc:
        if begin in doc and end in doc and doc[end] < doc[begin]:
            return {**doc, begin: doc[end], end: doc[begin]}
        return doc

    return fix


HH_MM = st.builds("{:02d}:{:02d}".format, st.integers(0, 23), st.integers(0, 59))
DATE = st.dates(datetime(1000, 1, 1).date(), datetime(2999, 12, 31).date()).map(str)


def _degrees(whole_digits: int, max_size: int) -> st.SearchStrategy[str]:
    r"""mod_locations.asciidoc "GeoLocation class": ``-?[0-9]{1,n}\.[0-9]{5,7}`` in string(max).

    Built, not filtered: the decimals are cut to fit, and at least 5 always fit.
    """
    digits = st.sampled_from(chars.digits)
    head = st.builds(
        "{}{}.".format,
        st.sampled_from(["", "-"]),
        st.text(digits, min_size=1, max_size=whole_digits),
    )
    tail = st.text(digits, min_size=5, max_size=7)
    return st.builds(lambda h, t: h + t[: max_size - len(h)], head, tail)


LATITUDE = _degrees(2, 10)
LONGITUDE = _degrees(3, 11)
COUNTRY_CODE = letters(2)  # ISO 3166-1 alpha-2
PARTY_ID = letters(3, chars.ascii_uppercase + chars.digits)
COUNTRY = letters(3)  # ISO 3166-1 alpha-3
CURRENCY = letters(3)  # ISO 4217
LANGUAGE = letters(2, chars.ascii_lowercase)  # ISO 639-1
URL = _text(st.sampled_from(chars.ascii_letters + chars.digits + "-._~/?=&%"), 235).map(
    "https://example.com/{}".format
)
# mod_locations.asciidoc "Location Object" time_zone: one of IANA tzdata's TZ values.
TIME_ZONE = st.sampled_from(
    sorted(resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split())
)

# --- unknown fields ----------------------------------------------------------------------------

_SCALAR = (
    st.booleans() | st.integers(-(2**63), 2**63 - 1) | number(-(10**9)) | st.text(TEXT, max_size=8)
)
_KEY = st.text(TEXT, max_size=6)
JSON_VALUE = st.recursive(
    st.none() | _SCALAR,
    lambda inner: lists(inner) | st.dictionaries(_KEY, inner, max_size=2),
    max_leaves=5,
)
# Not null at the top (see unknown_fields); null inside lists and objects is kept.
_UNKNOWN_VALUE = _SCALAR | lists(JSON_VALUE) | st.dictionaries(_KEY, JSON_VALUE, max_size=2)


def unknown_fields(model: type[OcpiModel], min_size: int = 0) -> st.SearchStrategy[Doc]:
    """Fields ``model`` does not declare, with any JSON value.

    Never ``null`` at the top: an unknown field set to null is written as absent (OcpiModel
    drops None; transport_and_format.asciidoc: a missing field means its default or NULL).
    """
    names = st.text(TEXT, min_size=1, max_size=12).filter(lambda n: n not in model.model_fields)
    return st.dictionaries(names, _UNKNOWN_VALUE, min_size=min_size, max_size=2)


def obj(
    model: type[OcpiModel], required: dict[str, Any], optional: dict[str, Any] | None = None
) -> st.SearchStrategy:
    """An object of ``model``: all ``required`` fields, some ``optional`` ones, maybe unknowns."""
    known = st.fixed_dictionaries(required, optional=optional or {})
    return st.builds(lambda doc, extra: {**extra, **doc}, known, unknown_fields(model))


# --- types.asciidoc ----------------------------------------------------------------------------

DISPLAY_TEXT = obj(v221.DisplayText, {"language": LANGUAGE, "text": string(512)})


def prices(low: int = 0, high: int = 10**9) -> st.SearchStrategy[Doc]:
    amount = number(low, high)
    return obj(v221.Price, {"excl_vat": amount}, {"incl_vat": amount})


PRICE = prices()

# --- mod_tokens.asciidoc -----------------------------------------------------------------------

TOKEN = obj(
    v221.Token,
    {
        "country_code": COUNTRY_CODE,
        "party_id": PARTY_ID,
        "uid": ident(),
        "type": enum(v221.TokenType),
        "contract_id": ident(),
        "issuer": string(64),
        "valid": st.booleans(),
        "whitelist": enum(v221.WhitelistType),
        "last_updated": DATETIME,
    },
    {
        "visual_number": string(64),
        "group_id": ident(),
        "language": LANGUAGE,
        "default_profile_type": enum(v221.ProfileType),
        "energy_contract": obj(
            v221.EnergyContract, {"supplier_name": string(64)}, {"contract_id": string(64)}
        ),
    },
)

# --- mod_locations.asciidoc --------------------------------------------------------------------

GEO_LOCATION = obj(v221.GeoLocation, {"latitude": LATITUDE, "longitude": LONGITUDE})
ADDITIONAL_GEO_LOCATION = obj(
    v221.AdditionalGeoLocation,
    {"latitude": LATITUDE, "longitude": LONGITUDE},
    {"name": DISPLAY_TEXT},
)
SIZE = st.integers(0, 99999)  # int(5)
IMAGE = obj(
    v221.Image,
    {"url": URL, "category": enum(v221.ImageCategory), "type": cistring(4, min_size=1)},
    {"thumbnail": URL, "width": SIZE, "height": SIZE},
)
BUSINESS_DETAILS = obj(v221.BusinessDetails, {"name": string(100)}, {"website": URL, "logo": IMAGE})
ENERGY_MIX = obj(
    v221.EnergyMix,
    {"is_green_energy": st.booleans()},
    {
        "energy_sources": lists(
            obj(
                v221.EnergySource,
                {"source": enum(v221.EnergySourceCategory), "percentage": number(0, 100)},
            )
        ),
        "environ_impact": lists(
            obj(
                v221.EnvironmentalImpact,
                {"category": enum(v221.EnvironmentalImpactCategory), "amount": number()},
            )
        ),
        "supplier_name": string(64),
        "energy_product_name": string(64),
    },
)


def _end_after_begin(doc: Doc) -> Doc:
    # "RegularHours class": period_end later than period_begin, or 00:00 (end of the day).
    begin, end = doc["period_begin"], doc["period_end"]
    if end == "00:00" or begin < end:
        return doc
    return {**doc, "period_begin": end, "period_end": begin if end < begin else "00:00"}


REGULAR_HOURS = obj(
    v221.RegularHours,
    {"weekday": st.integers(1, 7), "period_begin": HH_MM, "period_end": HH_MM},
).map(_end_after_begin)
EXCEPTIONAL_PERIOD = obj(
    v221.ExceptionalPeriod, {"period_begin": DATETIME, "period_end": DATETIME}
).map(in_order("period_begin", "period_end"))
_EXCEPTIONS = {
    "exceptional_openings": lists(EXCEPTIONAL_PERIOD),
    "exceptional_closings": lists(EXCEPTIONAL_PERIOD),
}
# "Hours class": regular_hours only when not twentyfourseven, and then at least one entry.
HOURS = obj(v221.Hours, {"twentyfourseven": st.just(True)}, _EXCEPTIONS) | obj(
    v221.Hours,
    {"twentyfourseven": st.just(False), "regular_hours": lists(REGULAR_HOURS, min_size=1)},
    _EXCEPTIONS,
)
STATUS_SCHEDULE = obj(
    v221.StatusSchedule,
    {"period_begin": DATETIME, "status": enum(v221.Status)},
    {"period_end": DATETIME},
).map(in_order("period_begin", "period_end"))


_PUBLISH_TOKEN_FIELDS = {
    "uid": ident(),
    "type": enum(v221.TokenType),
    "visual_number": string(64),
    "issuer": string(64),
    "group_id": ident(),
}
_PUBLISH_TOKEN = obj(v221.PublishTokenType, {}, _PUBLISH_TOKEN_FIELDS)


@st.composite
def publish_token_type(draw: st.DrawFn) -> Doc:
    """ "PublishTokenType class": uid, visual_number or group_id; uid needs type, and
    visual_number needs issuer."""
    doc: Doc = draw(_PUBLISH_TOKEN)
    if not {"uid", "visual_number", "group_id"} & doc.keys():
        doc["group_id"] = draw(_PUBLISH_TOKEN_FIELDS["group_id"])
    if "uid" in doc and "type" not in doc:
        doc["type"] = draw(_PUBLISH_TOKEN_FIELDS["type"])
    if "visual_number" in doc and "issuer" not in doc:
        doc["issuer"] = draw(_PUBLISH_TOKEN_FIELDS["issuer"])
    return doc


CONNECTOR = obj(
    v221.Connector,
    {
        "id": ident(),
        "standard": enum(v221.ConnectorType),
        "format": enum(v221.ConnectorFormat),
        "power_type": enum(v221.PowerType),
        "max_voltage": INT,
        "max_amperage": INT,
        "last_updated": DATETIME,
    },
    {"max_electric_power": INT, "tariff_ids": lists(ident()), "terms_and_conditions": URL},
)


def _folded(key: str) -> Any:
    # CiString ids are unique case-insensitively (mod_locations "Connector Object", "EVSE Object").
    return lambda doc: doc[key].upper()


EVSE = obj(
    v221.EVSE,
    {
        "uid": ident(),
        "status": enum(v221.Status),
        "connectors": lists(CONNECTOR, min_size=1, unique_by=_folded("id")),
        "last_updated": DATETIME,
    },
    {
        "evse_id": ident(48),
        "status_schedule": lists(STATUS_SCHEDULE),
        "capabilities": lists(enum(v221.Capability)),
        "floor_level": string(4),
        "coordinates": GEO_LOCATION,
        "physical_reference": string(16),
        "directions": lists(DISPLAY_TEXT),
        "parking_restrictions": lists(enum(v221.ParkingRestriction)),
        "images": lists(IMAGE),
    },
)
_LOCATION_REQUIRED = {
    "country_code": COUNTRY_CODE,
    "party_id": PARTY_ID,
    "id": ident(),
    "address": string(255),
    "city": string(45),
    "country": COUNTRY,
    "coordinates": GEO_LOCATION,
    "time_zone": TIME_ZONE,
    "last_updated": DATETIME,
}
_LOCATION_OPTIONAL = {
    "name": string(255),
    "postal_code": string(10),
    "state": string(45),
    "related_locations": lists(ADDITIONAL_GEO_LOCATION),
    "parking_type": enum(v221.ParkingType),
    "evses": lists(EVSE, unique_by=_folded("uid")),
    "directions": lists(DISPLAY_TEXT),
    "operator": BUSINESS_DETAILS,
    "suboperator": BUSINESS_DETAILS,
    "owner": BUSINESS_DETAILS,
    "facilities": lists(enum(v221.Facility)),
    "opening_times": HOURS,
    "charging_when_closed": st.booleans(),
    "images": lists(IMAGE),
    "energy_mix": ENERGY_MIX,
}
# "Location Object": publish_allowed_to may only be used when publish is false.
LOCATION = obj(
    v221.Location, {**_LOCATION_REQUIRED, "publish": st.just(True)}, _LOCATION_OPTIONAL
) | obj(
    v221.Location,
    {**_LOCATION_REQUIRED, "publish": st.just(False)},
    {**_LOCATION_OPTIONAL, "publish_allowed_to": lists(publish_token_type())},
)

# --- mod_tariffs.asciidoc ----------------------------------------------------------------------

RESTRICTIONS = {
    "start_time": HH_MM,
    "end_time": HH_MM,
    "start_date": DATE,
    "end_date": DATE,
    "min_kwh": number(),
    "max_kwh": number(),
    "min_current": number(),
    "max_current": number(),
    "min_power": number(),
    "max_power": number(),
    "min_duration": INT,
    "max_duration": INT,
    "day_of_week": lists(enum(v221.DayOfWeek), unique=True),
}


def _price_components(dimension: st.SearchStrategy[str]) -> st.SearchStrategy[list[Doc]]:
    required = {"type": dimension, "price": number(), "step_size": INT}
    return lists(obj(v221.PriceComponent, required, {"vat": number(0, 100)}), min_size=1)


def _restrictions(required: dict[str, Any]) -> st.SearchStrategy[Doc]:
    return obj(v221.TariffRestrictions, required, RESTRICTIONS)


TARIFF_ELEMENT = obj(
    v221.TariffElement,
    {"price_components": _price_components(enum(v221.TariffDimensionType))},
    {"restrictions": _restrictions({})},
) | obj(
    # "TariffRestrictions class" reservation: "A reservation can only have: FLAT and TIME".
    v221.TariffElement,
    {
        "price_components": _price_components(st.sampled_from(["FLAT", "TIME"])),
        "restrictions": _restrictions({"reservation": enum(v221.ReservationRestrictionType)}),
    },
)
TARIFF = obj(
    v221.Tariff,
    {
        "country_code": COUNTRY_CODE,
        "party_id": PARTY_ID,
        "id": ident(),
        "currency": CURRENCY,
        "elements": lists(TARIFF_ELEMENT, min_size=1),
        "last_updated": DATETIME,
    },
    {
        "type": enum(v221.TariffType),
        "tariff_alt_text": lists(DISPLAY_TEXT),
        "tariff_alt_url": URL,
        "min_price": PRICE,
        "max_price": PRICE,
        "start_date_time": DATETIME,
        "end_date_time": DATETIME,
        "energy_mix": ENERGY_MIX,
    },
).map(in_order("start_date_time", "end_date_time"))

# --- mod_cdrs.asciidoc and mod_sessions.asciidoc -----------------------------------------------

CDR_TOKEN = obj(
    v221.CdrToken,
    {
        "country_code": COUNTRY_CODE,
        "party_id": PARTY_ID,
        "uid": ident(),
        "type": enum(v221.TokenType),
        "contract_id": ident(),
    },
)


def _dimension(kind: str) -> st.SearchStrategy[Doc]:
    # "CdrDimensionType" STATE_OF_CHARGE: a percentage, 0 to 100.
    volume = number(0, 100) if kind == "STATE_OF_CHARGE" else number()
    return obj(v221.CdrDimension, {"type": st.just(kind), "volume": volume})


_DIMENSIONS = {kind.value: _dimension(kind.value) for kind in v221.CdrDimensionType}


def charging_periods(kinds: list[str], min_size: int = 0) -> st.SearchStrategy[list[Doc]]:
    dimension = st.one_of([_DIMENSIONS[kind] for kind in kinds])
    period = obj(
        v221.ChargingPeriod,
        {"start_date_time": DATETIME, "dimensions": lists(dimension, min_size=1)},
        {"tariff_id": ident()},
    )
    return lists(period, min_size=min_size)


ALL_DIMENSIONS = [kind.value for kind in v221.CdrDimensionType]
# "CdrDimensionType", column "Session": those types SHALL NOT be used in CDRs.
CDR_DIMENSIONS = [
    k
    for k in ALL_DIMENSIONS
    if k not in {"CURRENT", "ENERGY_EXPORT", "ENERGY_IMPORT", "POWER", "STATE_OF_CHARGE"}
]

SESSION = obj(
    v221.Session,
    {
        "country_code": COUNTRY_CODE,
        "party_id": PARTY_ID,
        "id": ident(),
        "start_date_time": DATETIME,
        "kwh": number(),
        "cdr_token": CDR_TOKEN,
        "auth_method": enum(v221.AuthMethod),
        "location_id": ident(),
        "evse_uid": ident(),
        "connector_id": ident(),
        "currency": CURRENCY,
        "status": enum(v221.SessionStatus),
        "last_updated": DATETIME,
    },
    {
        "end_date_time": DATETIME,
        "authorization_reference": ident(),
        "meter_id": string(255),
        "charging_periods": charging_periods(ALL_DIMENSIONS),
        "total_cost": PRICE,
    },
).map(in_order("start_date_time", "end_date_time"))
CDR_LOCATION = obj(
    v221.CdrLocation,
    {
        "id": ident(),
        "address": string(255),
        "city": string(45),
        "country": COUNTRY,
        "coordinates": GEO_LOCATION,
        "evse_uid": ident(),
        "evse_id": ident(48),
        "connector_id": ident(),
        "connector_standard": enum(v221.ConnectorType),
        "connector_format": enum(v221.ConnectorFormat),
        "connector_power_type": enum(v221.PowerType),
    },
    {"name": string(255), "postal_code": string(10), "state": string(45)},
)
SIGNED_VALUE = obj(
    v221.SignedValue,
    {"nature": ident(32), "plain_data": string(5000), "signed_data": string(5000)},
)
SIGNED_DATA = obj(
    v221.SignedData,
    {"encoding_method": ident(), "signed_values": lists(SIGNED_VALUE, min_size=1)},
    {"encoding_method_version": INT, "public_key": string(512), "url": string(512)},
)
_CDR_OPTIONAL = {
    "session_id": ident(),
    "authorization_reference": ident(),
    "meter_id": string(255),
    "tariffs": lists(TARIFF),
    "signed_data": SIGNED_DATA,
    "total_fixed_cost": PRICE,
    "total_energy_cost": PRICE,
    "total_time_cost": PRICE,
    "total_parking_time": number(),
    "total_parking_cost": PRICE,
    "total_reservation_cost": PRICE,
    "remark": string(255),
    "invoice_reference_id": ident(39),
    "home_charging_compensation": st.booleans(),
}


def _cdr(credit: dict[str, Any], total_cost: st.SearchStrategy[Doc]) -> st.SearchStrategy[Doc]:
    required = {
        "country_code": COUNTRY_CODE,
        "party_id": PARTY_ID,
        "start_date_time": DATETIME,
        "end_date_time": DATETIME,
        "cdr_token": CDR_TOKEN,
        "auth_method": enum(v221.AuthMethod),
        "cdr_location": CDR_LOCATION,
        "currency": CURRENCY,
        "charging_periods": charging_periods(CDR_DIMENSIONS, min_size=1),
        "total_cost": total_cost,
        "total_energy": number(),
        "total_time": number(),
        "last_updated": DATETIME,
    }
    cdr = obj(v221.CDR, {**required, **credit}, _CDR_OPTIONAL)
    return cdr.map(in_order("start_date_time", "end_date_time"))


# "CDR Object": a normal CDR id has at most 36 characters; a Credit CDR (credit = true) has
# up to 39, names the original in credit_reference_id, and carries negative total_cost
# ("Credit CDRs").
_NORMAL = {"id": ident(36)}
_CREDIT = {"id": ident(39), "credit": st.just(True), "credit_reference_id": ident(36)}
CDR = (
    _cdr(_NORMAL, PRICE)
    | _cdr({**_NORMAL, "credit": st.just(False)}, PRICE)
    | _cdr(_CREDIT, prices(-(10**9), 0))
)
