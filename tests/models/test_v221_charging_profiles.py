"""OCPI 2.2.1 mod_charging_profiles.asciidoc: the ChargingProfiles models against the spec tables.

The spec has no JSON examples for this module, so the objects here are built from its tables.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from openroam.models.v221.charging_profiles import (
    ActiveChargingProfile,
    ActiveChargingProfileResult,
    ChargingProfile,
    ChargingProfilePeriod,
    ChargingProfileResponse,
    ChargingProfileResponseType,
    ChargingProfileResult,
    ChargingProfileResultType,
    ChargingRateUnit,
    ClearProfileResult,
    SetChargingProfile,
)

PROFILE: dict[str, Any] = {
    "start_date_time": "2024-03-01T12:00:00Z",
    "duration": 3600,
    "charging_rate_unit": "A",
    "min_charging_rate": 6.5,
    "charging_profile_period": [
        {"start_period": 0, "limit": 16},
        {"start_period": 900, "limit": 8.1},
    ],
}
SET_PROFILE = {
    "charging_profile": PROFILE,
    "response_url": "https://emsp.example.com/ocpi/2.2.1/chargingprofiles/result/1234",
}
ACTIVE_RESULT = {
    "result": "ACCEPTED",
    "profile": {"start_date_time": "2024-03-01T12:05:00Z", "charging_profile": PROFILE},
}


def _errors(model: type[Any], data: object) -> list[tuple[str, tuple[int | str, ...]]]:
    with pytest.raises(ValidationError) as info:
        model.from_json(json.dumps(data))
    return [(e["type"], e["loc"]) for e in info.value.errors()]


def _round_trip(model: type[Any], data: object) -> None:
    text = json.dumps(data)
    parsed = model.from_json(text)
    assert json.loads(parsed.to_json(), parse_float=Decimal) == json.loads(
        text, parse_float=Decimal
    )


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (ChargingProfile, PROFILE),
        (SetChargingProfile, SET_PROFILE),
        (ActiveChargingProfileResult, ACTIVE_RESULT),
        (ActiveChargingProfileResult, {"result": "UNKNOWN"}),
        (ChargingProfileResponse, {"result": "TOO_OFTEN", "timeout": 30}),
        (ChargingProfileResult, {"result": "REJECTED"}),
        (ClearProfileResult, {"result": "ACCEPTED"}),
    ],
)
def test_objects_from_spec_tables_round_trip(model: type[Any], data: object) -> None:
    """mod_charging_profiles.asciidoc object tables: each object parses and serialises back."""
    _round_trip(model, data)


def test_set_charging_profile_fields() -> None:
    body = SetChargingProfile.from_json(json.dumps(SET_PROFILE))
    profile = body.charging_profile
    assert profile.charging_rate_unit is ChargingRateUnit.A
    assert profile.start_date_time == datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    assert profile.min_charging_rate == Decimal("6.5")
    assert profile.charging_profile_period is not None
    assert [p.limit for p in profile.charging_profile_period] == [Decimal(16), Decimal("8.1")]


def test_active_charging_profile_result_carries_profile() -> None:
    """mod_charging_profiles "ActiveChargingProfileResult": profile given when ACCEPTED."""
    result = ActiveChargingProfileResult.from_json(json.dumps(ACTIVE_RESULT))
    assert result.result is ChargingProfileResultType.ACCEPTED
    assert isinstance(result.profile, ActiveChargingProfile)
    assert result.profile.charging_profile.duration == 3600


def test_charging_profile_minimal() -> None:
    """mod_charging_profiles "ChargingProfile": only charging_rate_unit is required."""
    profile = ChargingProfile.from_json('{"charging_rate_unit": "W"}')
    assert profile.to_dict() == {"charging_rate_unit": "W"}


def test_charging_profile_requires_charging_rate_unit() -> None:
    assert _errors(ChargingProfile, {}) == [("missing", ("charging_rate_unit",))]


# --- limit and min_charging_rate: "Accepts at most one digit fraction (e.g. 8.1)" ---------


@pytest.mark.parametrize("text", ["0", "8", "8.1", "8.10", "11000", "22000.5", "-3.5"])
def test_period_limit_accepts_at_most_one_decimal(text: str) -> None:
    """mod_charging_profiles "ChargingProfilePeriod": limit accepts at most one digit fraction."""
    period = ChargingProfilePeriod.from_json(f'{{"start_period": 0, "limit": {text}}}')
    assert period.limit == Decimal(text)


@pytest.mark.parametrize("text", ["8.15", "0.05", "16.001"])
def test_period_limit_rejects_two_decimals(text: str) -> None:
    """mod_charging_profiles "ChargingProfilePeriod": limit with 2+ fractional digits → error."""
    period = f'{{"start_period": 0, "limit": {text}}}'
    body = f'{{"charging_rate_unit": "A", "charging_profile_period": [{period}]}}'
    with pytest.raises(ValidationError) as info:
        ChargingProfile.from_json(body)
    errors = info.value.errors()
    assert [(e["type"], e["loc"]) for e in errors] == [
        ("value_error", ("charging_profile_period", 0, "limit"))
    ]
    assert "one fractional digit" in errors[0]["msg"]


@pytest.mark.parametrize("text", ["6", "6.0", "6.5"])
def test_min_charging_rate_accepts_one_decimal(text: str) -> None:
    """mod_charging_profiles "ChargingProfile": min_charging_rate accepts one digit fraction."""
    profile = ChargingProfile.from_json(
        f'{{"charging_rate_unit": "A", "min_charging_rate": {text}}}'
    )
    assert profile.min_charging_rate == Decimal(text)


def test_min_charging_rate_rejects_two_decimals() -> None:
    """mod_charging_profiles "ChargingProfile": min_charging_rate 6.25 has two digits → error."""
    with pytest.raises(ValidationError) as info:
        ChargingProfile.from_json('{"charging_rate_unit": "A", "min_charging_rate": 6.25}')
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [
        ("value_error", ("min_charging_rate",))
    ]


def test_limit_inside_set_charging_profile_names_full_path() -> None:
    body = json.loads(json.dumps(SET_PROFILE))
    body["charging_profile"]["charging_profile_period"][1]["limit"] = 8.12
    assert _errors(SetChargingProfile, body) == [
        ("value_error", ("charging_profile", "charging_profile_period", 1, "limit"))
    ]


# --- enums --------------------------------------------------------------------------------


def test_charging_rate_unit_values() -> None:
    """mod_charging_profiles "ChargingRateUnit": W and A only."""
    assert [u.value for u in ChargingRateUnit] == ["W", "A"]
    assert _errors(ChargingProfile, {"charging_rate_unit": "kW"}) == [
        ("enum", ("charging_rate_unit",))
    ]


def test_response_and_result_type_values() -> None:
    """mod_charging_profiles "ChargingProfileResponseType" and "ChargingProfileResultType"."""
    assert [t.value for t in ChargingProfileResponseType] == [
        "ACCEPTED",
        "NOT_SUPPORTED",
        "REJECTED",
        "TOO_OFTEN",
        "UNKNOWN_SESSION",
    ]
    assert [t.value for t in ChargingProfileResultType] == ["ACCEPTED", "REJECTED", "UNKNOWN"]


@pytest.mark.parametrize(
    ("model", "data", "expected"),
    [
        (ChargingProfileResponse, {"result": "ACCEPTED"}, [("missing", ("timeout",))]),
        (
            ChargingProfileResponse,
            {"result": "ACCEPTED", "timeout": 1.5},
            [("int_type", ("timeout",))],
        ),
        (SetChargingProfile, {"charging_profile": PROFILE}, [("missing", ("response_url",))]),
        (ChargingProfileResult, {"result": "TIMEOUT"}, [("enum", ("result",))]),
        (ClearProfileResult, {}, [("missing", ("result",))]),
        (
            ActiveChargingProfile,
            {"charging_profile": PROFILE},
            [("missing", ("start_date_time",))],
        ),
    ],
)
def test_required_fields_and_types(model: type[Any], data: object, expected: object) -> None:
    """mod_charging_profiles object tables: Card. 1 fields are required, with their JSON types."""
    assert _errors(model, data) == expected
