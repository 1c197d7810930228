"""Documents the converter tests share: 2.2.1 objects as stored, 2.1.1 objects as a 2.1.1
partner sends them (2.1.1 mod_tokens.md 3.2, mod_sessions.md 3.1, mod_cdrs.md 3.1,
mod_tariffs.md 3.1), and the Context of a 2.1.1 CPO connection."""

from __future__ import annotations

import copy
import json
from typing import Any

from openroam._convert._context import Context, Owner

Doc = dict[str, Any]

CPO = Owner("NL", "CPO")
EMSP = Owner("DE", "MSP")
CONTEXT = Context(owner=CPO, time_zone="Europe/Amsterdam", token_owner=EMSP)

TOKEN_221: Doc = {
    "country_code": "DE",
    "party_id": "MSP",
    "uid": "012345678",
    "type": "RFID",
    "contract_id": "DE8ACC12E46L89",
    "visual_number": "DF000-2001-8999",
    "issuer": "TheNewMotion",
    "group_id": "DF000-2001",
    "valid": True,
    "whitelist": "ALLOWED",
    "language": "it",
    "default_profile_type": "GREEN",
    "energy_contract": {"supplier_name": "Greenpeace Energy eG", "contract_id": "0123456789"},
    "last_updated": "2026-03-16T10:10:02Z",
}

LOCATION_221: Doc = {
    "country_code": "NL",
    "party_id": "CPO",
    "id": "LOC1",
    "publish": True,
    "name": "Gent Zuid",
    "address": "F.Rooseveltlaan 3A",
    "city": "Gent",
    "postal_code": "9000",
    "country": "BEL",
    "coordinates": {"latitude": "51.047599", "longitude": "3.729944"},
    "parking_type": "ON_STREET",
    "evses": [
        {
            "uid": "3256",
            "evse_id": "BE*BEC*E041503001",
            "status": "AVAILABLE",
            "connectors": [
                {
                    "id": "1",
                    "standard": "IEC_62196_T2",
                    "format": "CABLE",
                    "power_type": "AC_3_PHASE",
                    "max_voltage": 220,
                    "max_amperage": 16,
                    "tariff_ids": ["11"],
                    "last_updated": "2026-03-16T10:10:02Z",
                },
                {
                    "id": "2",
                    "standard": "IEC_62196_T2",
                    "format": "SOCKET",
                    "power_type": "AC_3_PHASE",
                    "max_voltage": 220,
                    "max_amperage": 16,
                    "last_updated": "2026-03-16T10:10:02Z",
                },
            ],
            "last_updated": "2026-03-16T10:10:02Z",
        },
        {
            "uid": "3257",
            "evse_id": "BE*BEC*E041503002",
            "status": "CHARGING",
            "connectors": [
                {
                    "id": "1",
                    "standard": "CHADEMO",
                    "format": "CABLE",
                    "power_type": "DC",
                    "max_voltage": 500,
                    "max_amperage": 125,
                    "last_updated": "2026-03-16T10:10:02Z",
                }
            ],
            "last_updated": "2026-03-16T10:10:02Z",
        },
    ],
    "time_zone": "Europe/Brussels",
    "last_updated": "2026-03-16T10:10:02Z",
}

# The Location a 2.1.1 Session or CDR at LOCATION_221's EVSE 3256, Connector 1 embeds.
LOCATION_211: Doc = {
    "id": "LOC1",
    "type": "ON_STREET",
    "name": "Gent Zuid",
    "address": "F.Rooseveltlaan 3A",
    "city": "Gent",
    "postal_code": "9000",
    "country": "BEL",
    "coordinates": {"latitude": "51.047599", "longitude": "3.729944"},
    "evses": [
        {
            "uid": "3256",
            "evse_id": "BE*BEC*E041503001",
            "status": "AVAILABLE",
            "connectors": [
                {
                    "id": "1",
                    "standard": "IEC_62196_T2",
                    "format": "CABLE",
                    "power_type": "AC_3_PHASE",
                    "voltage": 220,
                    "amperage": 16,
                    "tariff_id": "11",
                    "last_updated": "2026-03-16T10:10:02Z",
                }
            ],
            "last_updated": "2026-03-16T10:10:02Z",
        }
    ],
    "time_zone": "Europe/Brussels",
    "last_updated": "2026-03-16T10:10:02Z",
}

SESSION_221: Doc = {
    "country_code": "NL",
    "party_id": "CPO",
    "id": "101",
    "start_date_time": "2026-03-16T10:00:00Z",
    "end_date_time": "2026-03-16T11:00:00Z",
    "kwh": 11.5,
    "cdr_token": {
        "country_code": "DE",
        "party_id": "MSP",
        "uid": "012345678",
        "type": "RFID",
        "contract_id": "DE8ACC12E46L89",
    },
    "auth_method": "WHITELIST",
    "authorization_reference": "REF1",
    "location_id": "LOC1",
    "evse_uid": "3256",
    "connector_id": "1",
    "meter_id": "M-1",
    "currency": "EUR",
    "charging_periods": [
        {
            "start_date_time": "2026-03-16T10:00:00Z",
            "dimensions": [
                {"type": "ENERGY", "volume": 11.5},
                {"type": "STATE_OF_CHARGE", "volume": 80},
            ],
            "tariff_id": "11",
        },
        {
            "start_date_time": "2026-03-16T10:30:00Z",
            "dimensions": [{"type": "POWER", "volume": 7.2}],
        },
    ],
    "total_cost": {"excl_vat": 2.5, "incl_vat": 3.03},
    "status": "ACTIVE",
    "last_updated": "2026-03-16T11:00:00Z",
}

SESSION_211: Doc = {
    "id": "101",
    "start_datetime": "2026-03-16T10:00:00Z",
    "end_datetime": "2026-03-16T11:00:00Z",
    "kwh": 11.5,
    "auth_id": "DE8ACC12E46L89",
    "auth_method": "WHITELIST",
    "location": LOCATION_211,
    "meter_id": "M-1",
    "currency": "EUR",
    "charging_periods": [
        {
            "start_date_time": "2026-03-16T10:00:00Z",
            "dimensions": [{"type": "ENERGY", "volume": 11.5}, {"type": "FLAT", "volume": 1}],
        },
        {
            "start_date_time": "2026-03-16T10:30:00Z",
            "dimensions": [{"type": "FLAT", "volume": 1}],
        },
    ],
    "total_cost": 2.5,
    "status": "ACTIVE",
    "last_updated": "2026-03-16T11:00:00Z",
}

# 0.25/kWh for the first two hours, then 0.30/kWh and 2.00/h. By 2.1.1's rule (mod_tariffs.md
# 3.1: the first element whose restrictions hold applies as a whole) the first two hours have no
# time cost; 2.2.1's per-dimension rule read on these elements would price TIME at 2.00/h from
# the start.
TARIFF_211: Doc = {
    "id": "11",
    "currency": "EUR",
    "elements": [
        {
            "price_components": [{"type": "ENERGY", "price": 0.25, "step_size": 1}],
            "restrictions": {"max_duration": 7200},
        },
        {
            "price_components": [
                {"type": "ENERGY", "price": 0.30, "step_size": 1},
                {"type": "TIME", "price": 2.00, "step_size": 60},
            ]
        },
    ],
    "last_updated": "2026-03-01T00:00:00Z",
}

# 10 kWh in one hour at 0.25 = 2.50 excluding VAT (no time cost in the first two hours).
CDR_211: Doc = {
    "id": "CDR-1",
    "start_date_time": "2026-03-16T10:00:00Z",
    "stop_date_time": "2026-03-16T11:00:00Z",
    "auth_id": "DE8ACC12E46L89",
    "auth_method": "AUTH_REQUEST",
    "location": LOCATION_211,
    "meter_id": "M-1",
    "currency": "EUR",
    "tariffs": [TARIFF_211],
    "charging_periods": [
        {
            "start_date_time": "2026-03-16T10:00:00Z",
            "dimensions": [{"type": "ENERGY", "volume": 10}, {"type": "TIME", "volume": 1}],
        }
    ],
    "total_cost": 2.5,
    "total_energy": 10,
    "total_time": 1,
    "remark": "ok",
    "last_updated": "2026-03-16T11:05:00Z",
}


def fresh(doc: Doc) -> Doc:
    """A deep copy, so a test may change it."""
    return copy.deepcopy(doc)


def valid(model: Any, doc: Doc) -> Any:
    """``doc`` parsed by ``model`` from JSON, as a partner's document is (strict models)."""
    return model.model_validate_json(json.dumps(doc))
