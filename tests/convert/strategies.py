"""Hypothesis strategies for the converter round-trip properties: valid 2.2.1 Tokens, Sessions
and CDRs whose text is printable ASCII (2.1.1 types.md 1.5 allows nothing else, so other text
cannot survive 2.1.1), with numbers as JSON numbers."""

from __future__ import annotations

import string
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

Doc = dict[str, Any]

ASCII = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
IDENT = st.text(string.ascii_letters + string.digits + "-_.", min_size=1, max_size=36)
UPPER = string.ascii_uppercase
DATETIME = st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)).map(
    lambda d: d.replace(microsecond=0, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
)
NUMBER = st.integers(0, 10**6) | st.decimals(0, 10**6, places=4).map(float)


def text(max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    return st.text(ASCII, min_size=min_size, max_size=max_size)


def letters(size: int) -> st.SearchStrategy[str]:
    return st.text(UPPER, min_size=size, max_size=size)


def doc(required: Doc, optional: Doc) -> st.SearchStrategy[Doc]:
    return st.fixed_dictionaries(required, optional=optional)


def _ordered(doc: Doc, begin: str, end: str) -> Doc:
    if end in doc and doc[end] < doc[begin]:
        doc[begin], doc[end] = doc[end], doc[begin]
    return doc


TOKEN_TYPES = ["AD_HOC_USER", "APP_USER", "OTHER", "RFID"]
TOKENS_221 = doc(
    {
        "country_code": letters(2),
        "party_id": letters(3),
        "uid": IDENT,
        "type": st.sampled_from(TOKEN_TYPES),
        "contract_id": IDENT,
        "issuer": text(64),
        "valid": st.booleans(),
        "whitelist": st.sampled_from(["ALWAYS", "ALLOWED", "ALLOWED_OFFLINE", "NEVER"]),
        "last_updated": DATETIME,
    },
    {
        "visual_number": text(64),
        "group_id": IDENT,
        "language": st.text(string.ascii_lowercase, min_size=2, max_size=2),
        "default_profile_type": st.sampled_from(["CHEAP", "FAST", "GREEN", "REGULAR"]),
        "energy_contract": doc({"supplier_name": text(64)}, {"contract_id": text(64)}),
    },
)

CDR_TOKEN = doc(
    {
        "country_code": letters(2),
        "party_id": letters(3),
        "uid": IDENT,
        "type": st.sampled_from(TOKEN_TYPES),
        "contract_id": IDENT,
    },
    {},
)
PRICE = doc({"excl_vat": NUMBER}, {"incl_vat": NUMBER})
SESSION_DIMENSIONS = [
    "CURRENT", "ENERGY", "ENERGY_EXPORT", "ENERGY_IMPORT", "MAX_CURRENT", "MIN_CURRENT",
    "MAX_POWER", "MIN_POWER", "PARKING_TIME", "POWER", "RESERVATION_TIME", "STATE_OF_CHARGE",
    "TIME",
]  # fmt: skip
CDR_DIMENSIONS = [
    "ENERGY", "MAX_CURRENT", "MIN_CURRENT", "MAX_POWER", "MIN_POWER", "PARKING_TIME",
    "RESERVATION_TIME", "TIME",
]  # fmt: skip
V211_DIMENSIONS = {"ENERGY", "MAX_CURRENT", "MIN_CURRENT", "PARKING_TIME", "TIME"}


def charging_periods(kinds: list[str], min_size: int = 0) -> st.SearchStrategy[list[Doc]]:
    dimension = doc({"type": st.sampled_from(kinds), "volume": st.integers(0, 100)}, {})
    period = doc(
        {"start_date_time": DATETIME, "dimensions": st.lists(dimension, min_size=1, max_size=4)},
        {"tariff_id": IDENT},
    )
    return st.lists(period, min_size=min_size, max_size=4)


SESSIONS_221 = doc(
    {
        "country_code": letters(2),
        "party_id": letters(3),
        "id": IDENT,
        "start_date_time": DATETIME,
        "kwh": NUMBER,
        "cdr_token": CDR_TOKEN,
        "auth_method": st.sampled_from(["AUTH_REQUEST", "COMMAND", "WHITELIST"]),
        "location_id": IDENT,
        "evse_uid": IDENT,
        "connector_id": IDENT,
        "currency": letters(3),
        "status": st.sampled_from(["ACTIVE", "COMPLETED", "INVALID", "PENDING", "RESERVATION"]),
        "last_updated": DATETIME,
    },
    {
        "end_date_time": DATETIME,
        "authorization_reference": IDENT,
        "meter_id": text(255),
        "charging_periods": charging_periods(SESSION_DIMENSIONS),
        "total_cost": PRICE,
    },
).map(lambda d: _ordered(d, "start_date_time", "end_date_time"))

# Connector standards both versions have (2.1.1 mod_locations.md 4.4).
STANDARDS = ["CHADEMO", "DOMESTIC_F", "IEC_62196_T1", "IEC_62196_T2", "IEC_62196_T2_COMBO"]
COORDINATE = st.builds(
    lambda whole, frac: f"{whole}.{frac:06d}", st.integers(-89, 89), st.integers(0, 999999)
)
CDR_LOCATION = doc(
    {
        "id": IDENT,
        "address": text(45, 1),
        "city": text(45, 1),
        "postal_code": text(10, 1),
        "country": letters(3),
        "coordinates": doc({"latitude": COORDINATE, "longitude": COORDINATE}, {}),
        "evse_uid": IDENT,
        "evse_id": IDENT,
        "connector_id": IDENT,
        "connector_standard": st.sampled_from(STANDARDS),
        "connector_format": st.sampled_from(["SOCKET", "CABLE"]),
        "connector_power_type": st.sampled_from(["AC_1_PHASE", "AC_3_PHASE", "DC"]),
    },
    {"name": text(255, 1)},
)


def _v211_period(periods: list[Doc]) -> list[Doc]:
    # A CDR needs one period 2.1.1 can carry (2.1.1 mod_cdrs.md 3.1: charging_periods "+").
    return [
        *periods,
        {"start_date_time": "2050-01-01T00:00:00Z", "dimensions": [{"type": "TIME", "volume": 1}]},
    ]


CDRS_221 = doc(
    {
        "country_code": letters(2),
        "party_id": letters(3),
        "id": IDENT,
        "start_date_time": DATETIME,
        "end_date_time": DATETIME,
        "cdr_token": CDR_TOKEN,
        "auth_method": st.sampled_from(["AUTH_REQUEST", "COMMAND", "WHITELIST"]),
        "cdr_location": CDR_LOCATION,
        "currency": letters(3),
        "charging_periods": charging_periods(CDR_DIMENSIONS).map(_v211_period),
        "total_cost": PRICE,
        "total_energy": NUMBER,
        "total_time": NUMBER,
        "last_updated": DATETIME,
    },
    {
        "session_id": IDENT,
        "authorization_reference": IDENT,
        "meter_id": text(255),
        "total_fixed_cost": PRICE,
        "total_energy_cost": PRICE,
        "total_time_cost": PRICE,
        "total_parking_time": NUMBER,
        "total_parking_cost": PRICE,
        "total_reservation_cost": PRICE,
        "remark": text(255),
        "invoice_reference_id": IDENT,
        "home_charging_compensation": st.booleans(),
        "credit": st.just(False),
    },
).map(lambda d: _ordered(d, "start_date_time", "end_date_time"))
