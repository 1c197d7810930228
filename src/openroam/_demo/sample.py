"""The demo's sample data: a CPO's Locations and Tariffs, and an eMSP driver's Token.

Three Locations in the Netherlands with AC and DC EVSEs. The AC Connectors use a time-of-use
Tariff whose peak starts a few minutes after the demo starts (``peak_from``), so the demo's
session crosses a price change: the tariff engine then starts a new ChargingPeriod (mod_cdrs
"ChargingPeriod") and the CDR shows both prices.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

__all__ = ["CPO", "EMSP", "TIME_ZONE", "driver_token", "locations", "tariffs"]

CPO = ("NL", "ORC", "openroam demo CPO")
EMSP = ("DE", "MSP", "openroam demo eMSP")
TIME_ZONE = "Europe/Amsterdam"
AC_TARIFF = "AC-TIME-OF-USE"
DC_TARIFF = "DC-FAST"

JSON = dict[str, Any]

_SITES = (
    # id, name, address, city, postal code, latitude, longitude, AC EVSEs, DC EVSEs
    ("UTR-CS", "Utrecht Centraal P+R", "Stationsplein 1", "Utrecht", "3511 CE",
     "52.089444", "5.110278", 2, 1),
    ("AMS-ZD", "Amsterdam Zuid", "Zuidplein 10", "Amsterdam", "1077 XV",
     "52.339167", "4.873611", 3, 1),
    ("RTD-CS", "Rotterdam Centraal", "Stationsplein 2", "Rotterdam", "3013 AJ",
     "51.924419", "4.469008", 2, 0),
)  # fmt: skip


def _connector(dc: bool) -> JSON:
    if dc:
        return {
            "id": "1", "standard": "IEC_62196_T2_COMBO", "format": "CABLE", "power_type": "DC",
            "max_voltage": 500, "max_amperage": 200, "max_electric_power": 100000,
            "tariff_ids": [DC_TARIFF],
        }  # fmt: skip
    return {
        "id": "1", "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE",
        "max_voltage": 230, "max_amperage": 32, "tariff_ids": [AC_TARIFF],
    }  # fmt: skip


def locations() -> list[JSON]:
    """The CPO's Locations (``last_updated`` is filled in by the backend API)."""
    country_code, party_id, _ = CPO
    found = []
    for site_id, name, address, city, postal, lat, lon, ac, dc in _SITES:
        evses = [
            {
                "uid": f"{site_id}-{number}",
                "evse_id": f"NL*ORC*E{site_id.replace('-', '')}{number}",
                "status": "AVAILABLE",
                "capabilities": ["REMOTE_START_STOP_CAPABLE", "RESERVABLE", "RFID_READER"],
                "connectors": [_connector(dc=number > ac)],
            }
            for number in range(1, ac + dc + 1)
        ]
        found.append(
            {
                "country_code": country_code, "party_id": party_id, "id": site_id,
                "publish": True, "name": name, "address": address, "city": city,
                "postal_code": postal, "country": "NLD",
                "coordinates": {"latitude": lat, "longitude": lon},
                "time_zone": TIME_ZONE, "evses": evses,
            }
        )  # fmt: skip
    return found


def _clock(moment: time) -> str:
    return moment.strftime("%H:%M")


def tariffs(peak_from: datetime) -> list[JSON]:
    """The AC Tariff (off-peak 0.30 EUR/kWh, peak 0.45 EUR/kWh for four hours from
    ``peak_from``, a local time) and the DC Tariff (0.59 EUR/kWh and 1.00 EUR per session)."""
    country_code, party_id, _ = CPO
    start = _clock(peak_from.time())
    end = _clock((peak_from + timedelta(hours=4)).time())
    ac = {
        "country_code": country_code, "party_id": party_id, "id": AC_TARIFF, "currency": "EUR",
        "tariff_alt_text": [{"language": "en", "text": f"0.45 EUR/kWh {start}-{end}, else 0.30"}],
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": 0.45, "vat": 21.0, "step_size": 1}],
             "restrictions": {"start_time": start, "end_time": end}},
            {"price_components": [{"type": "ENERGY", "price": 0.30, "vat": 21.0, "step_size": 1}]},
        ],
    }  # fmt: skip
    dc = {
        "country_code": country_code, "party_id": party_id, "id": DC_TARIFF, "currency": "EUR",
        "elements": [
            {"price_components": [{"type": "FLAT", "price": 1.00, "vat": 21.0, "step_size": 1},
                                  {"type": "ENERGY", "price": 0.59, "vat": 21.0, "step_size": 1}]},
        ],
    }  # fmt: skip
    return [ac, dc]


def driver_token(uid: str = "DEMO0001") -> JSON:
    """The eMSP's Token for the demo driver (an app user, so START_SESSION by command)."""
    country_code, party_id, name = EMSP
    return {
        "country_code": country_code, "party_id": party_id, "uid": uid, "type": "APP_USER",
        "contract_id": f"{country_code}-{party_id}-C{uid}", "visual_number": "DEMO 0001",
        "issuer": name, "valid": True, "whitelist": "ALLOWED", "language": "en",
    }  # fmt: skip
