"""Example OCPI 2.1.1 documents, written for these tests (no spec text needed): every object type
with every field the 2.1.1 tables define, so a round trip exercises each one. Converter tests may
reuse them."""

from __future__ import annotations

import copy
from typing import Any

CONNECTOR: dict[str, Any] = {
    "id": "1",
    "standard": "IEC_62196_T2",
    "format": "CABLE",
    "power_type": "AC_3_PHASE",
    "voltage": 230,
    "amperage": 32,
    "tariff_id": "T-11",
    "terms_and_conditions": "https://cpo.example.com/terms",
    "last_updated": "2026-03-16T10:10:02Z",
}

EVSE_DOC: dict[str, Any] = {
    "uid": "E-3256",
    "evse_id": "NL*ORM*E3256",
    "status": "AVAILABLE",
    "status_schedule": [
        {
            "period_begin": "2026-04-01T00:00:00Z",
            "period_end": "2026-04-02T00:00:00Z",
            "status": "INOPERATIVE",
        }
    ],
    "capabilities": ["RESERVABLE", "REMOTE_START_STOP_CAPABLE", "UNLOCK_CAPABLE"],
    "connectors": [CONNECTOR, {**CONNECTOR, "id": "2", "format": "SOCKET"}],
    "floor_level": "-1",
    "coordinates": {"latitude": "52.370216", "longitude": "4.895168"},
    "physical_reference": "A1",
    "directions": [{"language": "en", "text": "Left of the entrance"}],
    "parking_restrictions": ["EV_ONLY", "CUSTOMERS"],
    "images": [
        {
            "url": "https://cpo.example.com/e.jpg",
            "category": "CHARGER",
            "type": "jpeg",
            "width": 800,
            "height": 600,
        }
    ],
    "last_updated": "2026-03-16T10:10:02Z",
}

ENERGY_MIX: dict[str, Any] = {
    "is_green_energy": False,
    "energy_sources": [
        {"source": "GENERAL_GREEN", "percentage": 35.9},
        {"source": "COAL", "percentage": 64.1},
    ],
    "environ_impact": [
        {"source": "NUCLEAR_WASTE", "amount": 0.0006},
        {"source": "CARBON_DIOXIDE", "amount": 372},
    ],
    "supplier_name": "Example Energy",
    "energy_product_name": "Eco power",
}

HOURS: dict[str, Any] = {
    "regular_hours": [
        {"weekday": 1, "period_begin": "08:00", "period_end": "20:00"},
        {"weekday": 6, "period_begin": "10:00", "period_end": "00:00"},
    ],
    "twentyfourseven": False,
    "exceptional_openings": [
        {"period_begin": "2026-06-21T09:00:00Z", "period_end": "2026-06-21T12:00:00Z"}
    ],
    "exceptional_closings": [
        {"period_begin": "2026-06-24T00:00:00Z", "period_end": "2026-06-25T00:00:00Z"}
    ],
}

LOCATION: dict[str, Any] = {
    "id": "LOC-1",
    "type": "PARKING_GARAGE",
    "name": "Garage Centrum",
    "address": "Damrak 1",
    "city": "Amsterdam",
    "postal_code": "1012 LG",
    "country": "NLD",
    "coordinates": {"latitude": "52.370216", "longitude": "4.895168"},
    "related_locations": [
        {
            "latitude": "52.370300",
            "longitude": "4.895200",
            "name": {"language": "en", "text": "Entrance"},
        }
    ],
    "evses": [EVSE_DOC],
    "directions": [{"language": "nl", "text": "Ingang aan de Damrak"}],
    "operator": {
        "name": "Open Roam CPO",
        "website": "https://cpo.example.com",
        "logo": {
            "url": "https://cpo.example.com/logo.png",
            "thumbnail": "https://cpo.example.com/logo-t.png",
            "category": "OPERATOR",
            "type": "png",
            "width": 512,
            "height": 512,
        },
    },
    "suboperator": {"name": "Sub"},
    "owner": {"name": "Owner"},
    "facilities": ["MALL", "TRAIN_STATION", "WIFI"],
    "time_zone": "Europe/Amsterdam",
    "opening_times": HOURS,
    "charging_when_closed": True,
    "images": [{"url": "https://cpo.example.com/l.jpg", "category": "LOCATION", "type": "jpeg"}],
    "energy_mix": ENERGY_MIX,
    "last_updated": "2026-03-16T10:10:02Z",
}

TARIFF: dict[str, Any] = {
    "id": "T-11",
    "currency": "EUR",
    "tariff_alt_text": [
        {"language": "en", "text": "2.50 start, 1.00 per hour"},
        {"language": "nl", "text": "2,50 start, 1,00 per uur"},
    ],
    "tariff_alt_url": "https://cpo.example.com/tariffs/11",
    "elements": [
        {"price_components": [{"type": "FLAT", "price": 2.5, "step_size": 1}]},
        {
            "price_components": [
                {"type": "TIME", "price": 1.0, "step_size": 900},
                {"type": "ENERGY", "price": 0.25, "step_size": 1},
            ],
            "restrictions": {
                "start_time": "09:00",
                "end_time": "00:00",
                "start_date": "2026-01-01",
                "end_date": "2027-01-01",
                "min_kwh": 0,
                "max_kwh": 50.5,
                "min_power": 0,
                "max_power": 32.0,
                "min_duration": 0,
                "max_duration": 7200,
                "day_of_week": ["MONDAY", "SATURDAY", "SUNDAY"],
            },
        },
        {"price_components": [{"type": "PARKING_TIME", "price": 5.0, "step_size": 300}]},
    ],
    "energy_mix": {"is_green_energy": True, "supplier_name": "Green Power"},
    "last_updated": "2026-03-16T10:10:02Z",
}


#: A Session's and a CDR's Location: "including only the relevant EVSE and connector".
SESSION_LOCATION: dict[str, Any] = {
    **{k: v for k, v in LOCATION.items() if k not in ("evses", "opening_times", "images")},
    "evses": [{**EVSE_DOC, "connectors": [CONNECTOR]}],
}

TOKEN: dict[str, Any] = {
    "uid": "012345678",
    "type": "RFID",
    "auth_id": "NL-ORM-C12345678-X",
    "visual_number": "DF000-2001-8999",
    "issuer": "Open Roam eMSP",
    "valid": True,
    "whitelist": "ALLOWED",
    "language": "nl",
    "last_updated": "2026-03-16T10:10:02Z",
}

AUTHORIZATION_INFO: dict[str, Any] = {
    "allowed": "ALLOWED",
    "location": {"location_id": "LOC-1", "evse_uids": ["E-3256"], "connector_ids": ["1", "2"]},
    "info": {"language": "en", "text": "Welcome"},
}

CHARGING_PERIODS: list[dict[str, Any]] = [
    {
        "start_date_time": "2026-03-16T10:10:02Z",
        "dimensions": [
            {"type": "ENERGY", "volume": 12.5},
            {"type": "MAX_CURRENT", "volume": 32},
            {"type": "MIN_CURRENT", "volume": 6},
            {"type": "TIME", "volume": 1.025},
        ],
    },
    {
        "start_date_time": "2026-03-16T11:11:32Z",
        "dimensions": [{"type": "PARKING_TIME", "volume": 0.5}, {"type": "FLAT", "volume": 1}],
    },
]

SESSION: dict[str, Any] = {
    "id": "S-101",
    "start_datetime": "2026-03-16T10:10:02Z",
    "end_datetime": "2026-03-16T11:41:32Z",
    "kwh": 12.5,
    "auth_id": "NL-ORM-C12345678-X",
    "auth_method": "WHITELIST",
    "location": SESSION_LOCATION,
    "meter_id": "M-0001",
    "currency": "EUR",
    "charging_periods": CHARGING_PERIODS,
    "total_cost": 8.75,
    "status": "COMPLETED",
    "last_updated": "2026-03-16T11:41:32Z",
}

CDR: dict[str, Any] = {
    "id": "CDR-12345",
    "start_date_time": "2026-03-16T10:10:02Z",
    "stop_date_time": "2026-03-16T11:41:32Z",
    "auth_id": "NL-ORM-C12345678-X",
    "auth_method": "AUTH_REQUEST",
    "location": SESSION_LOCATION,
    "meter_id": "M-0001",
    "currency": "EUR",
    "tariffs": [TARIFF],
    "charging_periods": CHARGING_PERIODS,
    "total_cost": 8.75,
    "total_energy": 12.5,
    "total_time": 1.525,
    "total_parking_time": 0.5,
    "remark": "Stopped by the driver",
    "last_updated": "2026-03-16T11:45:00Z",
}

START_SESSION: dict[str, Any] = {
    "response_url": "https://emsp.example.com/ocpi/emsp/2.1.1/commands/START_SESSION/42",
    "token": TOKEN,
    "location_id": "LOC-1",
    "evse_uid": "E-3256",
}

STOP_SESSION: dict[str, Any] = {
    "response_url": "https://emsp.example.com/ocpi/emsp/2.1.1/commands/STOP_SESSION/43",
    "session_id": "S-101",
}

RESERVE_NOW: dict[str, Any] = {
    "response_url": "https://emsp.example.com/ocpi/emsp/2.1.1/commands/RESERVE_NOW/44",
    "token": TOKEN,
    "expiry_date": "2026-03-16T12:00:00Z",
    "reservation_id": 1234,
    "location_id": "LOC-1",
    "evse_uid": "E-3256",
}

UNLOCK_CONNECTOR: dict[str, Any] = {
    "response_url": "https://emsp.example.com/ocpi/emsp/2.1.1/commands/UNLOCK_CONNECTOR/45",
    "location_id": "LOC-1",
    "evse_uid": "E-3256",
    "connector_id": "1",
}

COMMAND_RESPONSE: dict[str, Any] = {"result": "ACCEPTED"}


def changed(document: dict[str, Any], path: list[str | int], value: Any) -> dict[str, Any]:
    """A deep copy of ``document`` with the value at ``path`` replaced."""
    copied = copy.deepcopy(document)
    target: Any = copied
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return copied


def without(document: dict[str, Any], field: str) -> dict[str, Any]:
    """A copy of ``document`` without ``field``."""
    return {key: value for key, value in document.items() if key != field}
