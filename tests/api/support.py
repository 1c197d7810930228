"""OCPI 2.2.1 objects for backend API tests, and the check of the API's error shape."""

from __future__ import annotations

import re
from typing import Any

import httpx

CPO = ("NL", "ORM")
EMSP = ("NL", "ORM")
T0 = "2026-01-01T10:00:00Z"
# types.asciidoc "DateTime": we produce UTC with a Z, whole seconds.
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def connector(connector_id: str = "1", **changes: Any) -> dict[str, Any]:
    body = {
        "id": connector_id,
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 32,
        "last_updated": T0,
    }
    return body | changes


def evse(uid: str = "E1", **changes: Any) -> dict[str, Any]:
    body = {
        "uid": uid,
        "evse_id": f"NL*ORM*E{uid}",
        "status": "AVAILABLE",
        "connectors": [connector()],
        "last_updated": T0,
    }
    return body | changes


def location(
    location_id: str = "LOC1", country_code: str = "NL", party_id: str = "ORM", **changes: Any
) -> dict[str, Any]:
    body = {
        "country_code": country_code,
        "party_id": party_id,
        "id": location_id,
        "publish": True,
        "address": "Stationsplein 1",
        "city": "Utrecht",
        "country": "NLD",
        "coordinates": {"latitude": "52.089000", "longitude": "5.110000"},
        "evses": [evse()],
        "time_zone": "Europe/Amsterdam",
        "last_updated": T0,
    }
    return body | changes


def tariff(tariff_id: str = "T1", **changes: Any) -> dict[str, Any]:
    body = {
        "country_code": "NL",
        "party_id": "ORM",
        "id": tariff_id,
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0.25, "step_size": 1}]}],
        "last_updated": T0,
    }
    return body | changes


def token(uid: str = "012345678", **changes: Any) -> dict[str, Any]:
    body = {
        "country_code": "NL",
        "party_id": "ORM",
        "uid": uid,
        "type": "RFID",
        "contract_id": "NL-ORM-C12345678-X",
        "issuer": "openroam test eMSP",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": T0,
    }
    return body | changes


def charging_period(start: str, kwh: float = 1.0) -> dict[str, Any]:
    """A ChargingPeriod (mod_cdrs "CdrDimension": ENERGY in kWh)."""
    return {"start_date_time": start, "dimensions": [{"type": "ENERGY", "volume": kwh}]}


def session(
    session_id: str = "S1",
    *,
    emsp: tuple[str, str] = ("NL", "ORM"),
    periods: int = 0,
    **changes: Any,
) -> dict[str, Any]:
    """A Session (mod_sessions "Session object") of NL/ORM for a token of ``emsp``; with
    ``periods`` charging periods a minute apart."""
    body: dict[str, Any] = {
        "country_code": "NL",
        "party_id": "ORM",
        "id": session_id,
        "start_date_time": "2026-01-01T10:00:00Z",
        "kwh": 0,
        "cdr_token": {
            "country_code": emsp[0],
            "party_id": emsp[1],
            "uid": "012345678",
            "type": "RFID",
            "contract_id": f"{emsp[0]}-{emsp[1]}-C12345678-X",
        },
        "auth_method": "WHITELIST",
        "location_id": "LOC1",
        "evse_uid": "E1",
        "connector_id": "1",
        "currency": "EUR",
        "status": "ACTIVE",
        "last_updated": T0,
    }
    if periods:
        body["charging_periods"] = [
            charging_period(f"2026-01-01T10:{minute:02d}:00Z") for minute in range(periods)
        ]
    return body | changes


def without(document: dict[str, Any], *fields: str) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key not in fields}


def error_of(response: httpx.Response, http_status: int, status_code: int) -> str:
    """Assert the API's error shape and statuses; return the message."""
    assert response.status_code == http_status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"status_code", "message"}, body
    assert body["error"]["status_code"] == status_code, body
    message: str = body["error"]["message"]
    assert message
    return message


def data_of(response: httpx.Response, http_status: int = 200) -> Any:
    assert response.status_code == http_status, response.text
    body = response.json()
    assert "error" not in body, body
    return body["data"]


def cdr(
    cdr_id: str = "CDR1",
    owner: tuple[str, str] = CPO,
    token_party: tuple[str, str] = ("DE", "MSP"),
    **changes: Any,
) -> dict[str, Any]:
    """A CDR of ``owner`` for a Token of ``token_party`` (mod_cdrs "CDR Object"; the values of
    the spec's cdr_example: TIME €2/h excl. VAT, 10 % VAT, 1.973 h billed as 2 h)."""
    body = {
        "country_code": owner[0],
        "party_id": owner[1],
        "id": cdr_id,
        "start_date_time": "2026-01-01T08:00:00Z",
        "end_date_time": "2026-01-01T09:58:23Z",
        "session_id": f"S-{cdr_id}"[:36],
        "cdr_token": {
            "country_code": token_party[0],
            "party_id": token_party[1],
            "uid": "012345678",
            "type": "RFID",
            "contract_id": f"{token_party[0]}-{token_party[1]}-C12345678",
        },
        "auth_method": "WHITELIST",
        "cdr_location": {
            "id": "LOC1",
            "address": "Stationsplein 1",
            "city": "Utrecht",
            "country": "NLD",
            "coordinates": {"latitude": "52.089000", "longitude": "5.110000"},
            "evse_uid": "E1",
            "evse_id": "NL*ORM*EE1",
            "connector_id": "1",
            "connector_standard": "IEC_62196_T2",
            "connector_format": "SOCKET",
            "connector_power_type": "AC_3_PHASE",
        },
        "currency": "EUR",
        "charging_periods": [
            {
                "start_date_time": "2026-01-01T08:00:00Z",
                "dimensions": [{"type": "TIME", "volume": 1.973}],
                "tariff_id": "T1",
            }
        ],
        "total_cost": {"excl_vat": 4.0, "incl_vat": 4.4},
        "total_energy": 15.342,
        "total_time": 1.973,
        "total_time_cost": {"excl_vat": 4.0, "incl_vat": 4.4},
        "last_updated": "2026-01-01T10:00:00Z",
    }
    return body | changes


def credit_of(original: dict[str, Any], suffix: str = "-C", **changes: Any) -> dict[str, Any]:
    """The Credit CDR of ``original`` (mod_cdrs "Credit CDRs"): a new id, ``credit`` true,
    ``credit_reference_id`` the original id, the data copied, ``total_cost`` negated."""
    cost = original["total_cost"]
    negated = {key: -value for key, value in cost.items()}
    credit = original | {
        "id": original["id"] + suffix,
        "credit": True,
        "credit_reference_id": original["id"],
        "total_cost": negated,
    }
    return credit | changes
