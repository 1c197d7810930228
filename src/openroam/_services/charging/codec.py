"""A :class:`ChargingState` as JSON, for the store, and back. Pure.

OCPI objects (CdrToken, Location, Tariff) are written as their OCPI JSON. Meter values keep
what the engine needs exactly: timestamps with their microseconds (an OCPI DateTime has whole
seconds only) and numbers as decimal strings.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from openroam._services.charging.state import ChargingState
from openroam.models.v221.cdrs import AuthMethod, CdrToken
from openroam.models.v221.locations import Location
from openroam.models.v221.sessions import SessionStatus
from openroam.models.v221.tariffs import Tariff
from openroam.pricing import MeterSample

__all__ = ["dump_state", "load_state"]

VERSION = 1


def _number(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _sample(sample: MeterSample) -> dict[str, Any]:
    return {
        "at": sample.timestamp.isoformat(),
        "kwh": str(sample.energy_kwh),
        "current": _number(sample.current),
        "power": _number(sample.power),
        "charging": sample.charging,
    }


def _read_sample(data: dict[str, Any]) -> MeterSample:
    return MeterSample(
        datetime.fromisoformat(data["at"]),
        Decimal(data["kwh"]),
        _decimal(data["current"]),
        _decimal(data["power"]),
        data["charging"],
    )


def dump_state(state: ChargingState) -> bytes:
    """The state as JSON bytes."""
    return orjson.dumps(
        {
            "version": VERSION,
            "country_code": state.country_code,
            "party_id": state.party_id,
            "session_id": state.session_id,
            "cdr_token": state.cdr_token.to_dict(),
            "auth_method": state.auth_method.value,
            "authorization_reference": state.authorization_reference,
            "location": state.location.to_dict(),
            "evse_uid": state.evse_uid,
            "connector_id": state.connector_id,
            "currency": state.currency,
            "start": state.start.isoformat(),
            "tariff": state.tariff.to_dict() if state.tariff is not None else None,
            "meter_id": state.meter_id,
            "status": state.status.value,
            "samples": [_sample(sample) for sample in state.samples],
            "end": state.end.isoformat() if state.end is not None else None,
        }
    )


def load_state(data: bytes) -> ChargingState:
    """The state :func:`dump_state` wrote."""
    raw = orjson.loads(data)
    if raw.get("version") != VERSION:
        raise ValueError(f"unknown charging state version {raw.get('version')!r}")
    tariff = raw["tariff"]
    return ChargingState(
        country_code=raw["country_code"],
        party_id=raw["party_id"],
        session_id=raw["session_id"],
        cdr_token=CdrToken.from_json(orjson.dumps(raw["cdr_token"])),
        auth_method=AuthMethod(raw["auth_method"]),
        authorization_reference=raw["authorization_reference"],
        location=Location.from_json(orjson.dumps(raw["location"])),
        evse_uid=raw["evse_uid"],
        connector_id=raw["connector_id"],
        currency=raw["currency"],
        start=datetime.fromisoformat(raw["start"]),
        tariff=Tariff.from_json(orjson.dumps(tariff)) if tariff is not None else None,
        meter_id=raw["meter_id"],
        status=SessionStatus(raw["status"]),
        samples=tuple(_read_sample(sample) for sample in raw["samples"]),
        end=datetime.fromisoformat(raw["end"]) if raw["end"] is not None else None,
    )
