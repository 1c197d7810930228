"""OCPI 2.2.1 mod_sessions.asciidoc: the Session models against the spec's rules, our own
documents (tests/documents/) and, where the spec is there, its examples."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from openroam.models.v221 import tokens
from openroam.models.v221.cdrs import AuthMethod, CdrDimensionType
from openroam.models.v221.sessions import (
    ChargingPreferences,
    ChargingPreferencesResponse,
    ProfileType,
    Session,
    SessionPatch,
    SessionStatus,
)
from tests import documents
from tests.spec_examples import EXAMPLES_221, example_bytes, load_example, spec_example

SESSION_EXAMPLES = ["session_example_1_simple_start.json", "session_example_2_short_finished.json"]
PATCH_EXAMPLES = [
    "session_patch_example_charging_period.json",
    "session_patch_example_total_cost.json",
]


# Our own documents (tests/documents/), by model.
OUR_DOCUMENTS = [
    (Session, "session_pending.json"),
    (Session, "session_completed.json"),
    (SessionPatch, "session_patch.json"),
    (SessionPatch, "session_patch_charging_period.json"),
]


def _load(name: str) -> dict[str, Any]:
    """One of our documents as plain JSON data, to be changed per test."""
    data: dict[str, Any] = documents.load(name)
    return data


def _errors(model: type[Any], data: object) -> list[tuple[str, tuple[int | str, ...]]]:
    with pytest.raises(ValidationError) as info:
        model.from_json(json.dumps(data))
    return [(e["type"], e["loc"]) for e in info.value.errors()]


@pytest.mark.parametrize(("model", "name"), OUR_DOCUMENTS)
def test_document_round_trips(model: type[Any], name: str) -> None:
    """mod_sessions.asciidoc "Session Object" and "PATCH Method": our Sessions and PATCH bodies
    serialise back equal."""
    parsed = model.from_json(documents.raw(name))
    assert json.loads(parsed.to_json(), parse_float=Decimal) == documents.load_decimal(name)


def test_finished_session_types() -> None:
    session = Session.from_json(documents.raw("session_completed.json"))
    assert session.status is SessionStatus.COMPLETED
    assert session.auth_method is AuthMethod.WHITELIST
    assert session.end_date_time == datetime(2024, 3, 14, 18, 5, tzinfo=UTC)
    assert session.kwh == Decimal("21.0")
    assert session.charging_periods is not None
    assert [p.tariff_id for p in session.charging_periods] == [None, None, "ORM-TIME-PARKING"]
    parking = session.charging_periods[2].dimensions[0]
    assert parking.type is CdrDimensionType.PARKING_TIME
    assert parking.volume == Decimal("0.3")


@spec_example
def test_examples_found() -> None:
    found = sorted(p.name for p in EXAMPLES_221.glob("session_*.json"))
    assert found == sorted(SESSION_EXAMPLES + PATCH_EXAMPLES)


@spec_example
@pytest.mark.parametrize(
    ("model", "name"),
    [(Session, name) for name in SESSION_EXAMPLES] + [(SessionPatch, n) for n in PATCH_EXAMPLES],
)
def test_spec_example_round_trips(model: type[Any], name: str) -> None:
    """mod_sessions.asciidoc examples: Sessions and PATCH bodies serialise back equal."""
    parsed = model.from_json(example_bytes(name))
    original = load_example(name)
    assert json.loads(parsed.to_json(), parse_float=Decimal) == original


@spec_example
def test_finished_session_example_types() -> None:
    session = Session.from_json(example_bytes("session_example_2_short_finished.json"))
    assert session.status is SessionStatus.COMPLETED
    assert session.auth_method is AuthMethod.WHITELIST
    assert session.end_date_time == datetime(2015, 6, 29, 23, 50, 16, tzinfo=UTC)
    assert session.kwh == Decimal("41.12")
    assert session.charging_periods is not None
    assert [p.tariff_id for p in session.charging_periods] == [None, None, "12"]
    parking = session.charging_periods[2].dimensions[0]
    assert parking.type is CdrDimensionType.PARKING_TIME
    assert parking.volume == Decimal("0.718")


@pytest.mark.parametrize(
    "field",
    [
        "country_code",
        "party_id",
        "id",
        "start_date_time",
        "kwh",
        "cdr_token",
        "auth_method",
        "location_id",
        "evse_uid",
        "connector_id",
        "currency",
        "status",
        "last_updated",
    ],
)
def test_session_required_fields(field: str) -> None:
    """mod_sessions.asciidoc "Session Object": every Card. 1 field is required."""
    data = _load("session_pending.json")
    del data[field]
    assert _errors(Session, data) == [("missing", (field,))]


def test_session_without_total_cost_has_no_cost() -> None:
    """mod_sessions.asciidoc "Session Object" total_cost: absent is unknown, not free."""
    data = _load("session_pending.json")
    del data["total_cost"]
    session = Session.from_json(json.dumps(data))
    assert session.total_cost is None
    assert "total_cost" not in session.to_dict()


def test_reservation_session_may_use_na_for_evse_and_connector() -> None:
    """mod_sessions.asciidoc "Session Object": #NA for a reservation without EVSE yet."""
    data = {
        **_load("session_pending.json"),
        "status": "RESERVATION",
        "auth_method": "COMMAND",
        "evse_uid": "#NA",
        "connector_id": "#NA",
    }
    session = Session.from_json(json.dumps(data))
    assert session.status is SessionStatus.RESERVATION
    assert (session.evse_uid, session.connector_id) == ("#NA", "#NA")


@pytest.mark.parametrize("dimension", ["CURRENT", "POWER", "STATE_OF_CHARGE", "ENERGY_IMPORT"])
def test_session_may_use_session_only_dimensions(dimension: str) -> None:
    """mod_cdrs.asciidoc "CdrDimensionType": types marked Session are allowed in a Session."""
    data = _load("session_completed.json")
    data["charging_periods"][0]["dimensions"].append({"type": dimension, "volume": 55})
    session = Session.from_json(json.dumps(data))
    assert session.charging_periods is not None
    assert session.charging_periods[0].dimensions[-1].type == dimension


def test_session_status_reserved_is_not_a_value() -> None:
    """docs/spec-decisions.md "Reservation status is RESERVATION, not RESERVED": the text says
    RESERVED, the enum value is RESERVATION."""
    data = {**_load("session_pending.json"), "status": "RESERVED"}
    assert _errors(Session, data) == [("enum", ("status",))]


def test_session_charging_period_error_names_path() -> None:
    data = _load("session_completed.json")
    data["charging_periods"][1]["dimensions"] = []
    assert _errors(Session, data) == [("too_short", ("charging_periods", 1, "dimensions"))]


def test_session_id_is_cistring36() -> None:
    """mod_sessions.asciidoc "Session Object" id: CiString(36)."""
    data = {**_load("session_pending.json"), "id": "s" * 37}
    assert _errors(Session, data) == [("string_too_long", ("id",))]


# --- SessionPatch (mod_sessions.asciidoc "PATCH Method") -----------------------------------


def test_session_patch_requires_last_updated() -> None:
    """mod_sessions.asciidoc "PATCH Method": every PATCH SHALL contain last_updated."""
    data = _load("session_patch.json")
    del data["last_updated"]
    assert _errors(SessionPatch, data) == [("missing", ("last_updated",))]


def test_session_patch_keeps_only_given_fields() -> None:
    patch = SessionPatch.from_json(documents.raw("session_patch.json"))
    assert set(patch.model_dump(exclude_none=True)) == {"total_cost", "last_updated"}


def test_session_patch_validates_values_like_a_session() -> None:
    """A value in a PATCH is validated exactly as in a PUT."""
    data = {**_load("session_patch.json"), "status": "DONE", "kwh": "15"}
    assert sorted(_errors(SessionPatch, data), key=str) == [
        ("enum", ("status",)),
        ("value_error", ("kwh",)),
    ]


# --- ChargingPreferences -------------------------------------------------------------------


def test_charging_preferences_full_round_trip() -> None:
    """mod_sessions.asciidoc "ChargingPreferences Object"."""
    data = {
        "profile_type": "FAST",
        "departure_time": "2024-03-01T18:30:00Z",
        "energy_need": 32.5,
        "discharge_allowed": False,
    }
    preferences = ChargingPreferences.from_json(json.dumps(data))
    assert preferences.profile_type is ProfileType.FAST
    assert preferences.energy_need == Decimal("32.5")
    assert json.loads(preferences.to_json()) == data


def test_charging_preferences_requires_profile_type() -> None:
    assert ChargingPreferences.from_json('{"profile_type": "CHEAP"}').discharge_allowed is None
    assert _errors(ChargingPreferences, {"energy_need": 10}) == [("missing", ("profile_type",))]


def test_profile_type_is_reexported_from_tokens() -> None:
    """mod_sessions.asciidoc "ProfileType": one enum, shared with Token.default_profile_type."""
    assert ProfileType is tokens.ProfileType
    assert [p.value for p in ProfileType] == ["CHEAP", "FAST", "GREEN", "REGULAR"]


def test_session_enum_values() -> None:
    """mod_sessions.asciidoc Data types: SessionStatus and ChargingPreferencesResponse."""
    assert [s.value for s in SessionStatus] == [
        "ACTIVE",
        "COMPLETED",
        "INVALID",
        "PENDING",
        "RESERVATION",
    ]
    assert [r.value for r in ChargingPreferencesResponse] == [
        "ACCEPTED",
        "DEPARTURE_REQUIRED",
        "ENERGY_NEED_REQUIRED",
        "NOT_POSSIBLE",
        "PROFILE_TYPE_NOT_SUPPORTED",
    ]
