"""Builders for the charging tests: a Location with two connectors, a token, a started state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from openroam._services.charging import ChargingState, SessionStart, begin
from openroam.models.common import fold_id
from openroam.models.v221.cdrs import AuthMethod, CdrToken
from openroam.models.v221.locations import Location
from openroam.models.v221.tariffs import Tariff
from openroam.pricing import MeterSample
from tests.spec_examples import dump_json

START = datetime(2024, 11, 5, 16, 20, tzinfo=UTC)  # 17:20 in Amsterdam (CET)


def location(
    *, tariff_ids: Sequence[str] = ("T1",), time_zone: str = "Europe/Amsterdam"
) -> Location:
    connector: dict[str, Any] = {
        "id": "1",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 32,
        "last_updated": "2024-01-01T00:00:00Z",
    }
    if tariff_ids:
        connector["tariff_ids"] = list(tariff_ids)
    body = {
        "country_code": "NL",
        "party_id": "ORM",
        "id": "LOC1",
        "publish": True,
        "name": "Stationsplein",
        "address": "Stationsplein 1",
        "city": "Utrecht",
        "postal_code": "3511ED",
        "country": "NLD",
        "coordinates": {"latitude": "52.089000", "longitude": "5.110000"},
        "time_zone": time_zone,
        "evses": [
            {
                "uid": "E1",
                "evse_id": "NL*ORM*E1",
                "status": "CHARGING",
                "connectors": [connector],
                "last_updated": "2024-01-01T00:00:00Z",
            },
            {
                "uid": "E2",
                "status": "REMOVED",
                "connectors": [{**connector, "id": "1", "standard": "CHADEMO"}],
                "last_updated": "2024-01-01T00:00:00Z",
            },
        ],
        "last_updated": "2024-01-01T00:00:00Z",
    }
    return Location.from_json(dump_json(body))


def token() -> CdrToken:
    return CdrToken.from_json(
        b'{"country_code":"DE","party_id":"MSP","uid":"04A1B2C3","type":"RFID",'
        b'"contract_id":"DE-MSP-C12345678-X"}'
    )


def start(**changes: Any) -> SessionStart:
    fields: dict[str, Any] = {
        "country_code": "NL",
        "party_id": "ORM",
        "session_id": "S1",
        "cdr_token": token(),
        "auth_method": AuthMethod.WHITELIST,
        "location": location(),
        "evse_uid": "e1",  # CiStrings: matched case-insensitively
        "connector_id": "1",
        "start": START,
        "authorization_reference": "AUTH1",
    }
    fields.update(changes)
    return SessionStart(**fields)


def started(tariff: Tariff | None, **changes: Any) -> ChargingState:
    tariffs = {fold_id(tariff.id): tariff} if tariff is not None else {}
    return begin(start(**changes), tariffs)


def minute_samples(count: int, *, every: int = 2, kwh: str = "0.35") -> list[MeterSample]:
    """``count`` meter values every ``every`` minutes from START, ``kwh`` per interval,
    16 A and 11 kW measured."""
    return [
        MeterSample(
            START + timedelta(minutes=every * (i + 1)),
            Decimal(kwh) * (i + 1),
            current=Decimal(16),
            power=Decimal(11),
        )
        for i in range(count)
    ]
