"""OCPI 2.2.1 mod_commands.asciidoc: the Commands models against the spec tables.

The spec has no JSON examples for command bodies, so the objects here are built from its
tables; the Token inside StartSession/ReserveNow is our own (tests/documents/token.json). The
complete command documents, valid and invalid, are in tests/documents/ too (test_documents.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from openroam.models.v221.commands import (
    COMMAND_OBJECTS,
    CancelReservation,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CommandResultType,
    CommandType,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
)
from openroam.models.v221.tokens import Token, TokenType
from tests import documents

RESPONSE_URL = "https://emsp.example.com/ocpi/2.2.1/commands/START_SESSION/1234"
TOKEN: dict[str, Any] = documents.load("token.json")
START_SESSION = {
    "response_url": RESPONSE_URL,
    "token": TOKEN,
    "location_id": "LOC1",
    "evse_uid": "3256",
    "connector_id": "1",
    "authorization_reference": "auth-ref-42",
}
RESERVE_NOW = {
    "response_url": RESPONSE_URL,
    "token": TOKEN,
    "expiry_date": "2024-03-01T13:00:00Z",
    "reservation_id": "RES-1",
    "location_id": "LOC1",
    "evse_uid": "3256",
    "authorization_reference": "auth-ref-43",
}
STOP_SESSION = {"response_url": RESPONSE_URL, "session_id": "101"}
CANCEL_RESERVATION = {"response_url": RESPONSE_URL, "reservation_id": "RES-1"}
UNLOCK_CONNECTOR = {
    "response_url": RESPONSE_URL,
    "location_id": "LOC1",
    "evse_uid": "3256",
    "connector_id": "1",
}
COMMAND_RESPONSE = {
    "result": "ACCEPTED",
    "timeout": 30,
    "message": [{"language": "en", "text": "Command sent to the Charge Point"}],
}
COMMAND_RESULT = {
    "result": "EVSE_OCCUPIED",
    "message": [{"language": "nl", "text": "Laadpunt bezet"}],
}


def _errors(model: type[Any], data: object) -> list[tuple[str, tuple[int | str, ...]]]:
    with pytest.raises(ValidationError) as info:
        model.from_json(json.dumps(data))
    return [(e["type"], e["loc"]) for e in info.value.errors()]


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (StartSession, START_SESSION),
        (ReserveNow, RESERVE_NOW),
        (StopSession, STOP_SESSION),
        (CancelReservation, CANCEL_RESERVATION),
        (UnlockConnector, UNLOCK_CONNECTOR),
        (CommandResponse, COMMAND_RESPONSE),
        (CommandResult, COMMAND_RESULT),
        (CommandResult, {"result": "CANCELED_RESERVATION"}),
    ],
)
def test_objects_from_spec_tables_round_trip(model: type[Any], data: object) -> None:
    """mod_commands.asciidoc object tables: each object parses and serialises back equal."""
    text = json.dumps(data)
    parsed = model.from_json(text)
    assert json.loads(parsed.to_json(), parse_float=Decimal) == json.loads(
        text, parse_float=Decimal
    )


def test_start_session_token_is_the_token_object() -> None:
    """mod_commands.asciidoc "StartSession Object": token is a full Token (mod_tokens)."""
    command = StartSession.from_json(json.dumps(START_SESSION))
    assert isinstance(command.token, Token)
    assert command.token.type is TokenType.APP_USER
    assert command.authorization_reference == "auth-ref-42"


def test_start_session_token_must_be_complete() -> None:
    """mod_commands.asciidoc "StartSession Object": the Token is validated as a Token object."""
    token = {k: v for k, v in TOKEN.items() if k != "whitelist"}
    assert _errors(StartSession, {**START_SESSION, "token": token}) == [
        ("missing", ("token", "whitelist"))
    ]


def test_reserve_now_expiry_date_is_utc_datetime() -> None:
    command = ReserveNow.from_json(json.dumps(RESERVE_NOW))
    assert command.expiry_date == datetime(2024, 3, 1, 13, 0, tzinfo=UTC)


# --- StartSession: evse_uid "Required when connector_id is set" (mod_commands "StartSession
# Object") ------------------------------------------------------------------------------------


def test_start_session_with_evse_and_connector_is_valid() -> None:
    """mod_commands.asciidoc "StartSession Object": connector_id together with evse_uid."""
    command = StartSession.from_json(json.dumps(START_SESSION))
    assert (command.evse_uid, command.connector_id) == ("3256", "1")


def test_start_session_without_evse_and_connector_is_valid() -> None:
    """mod_commands.asciidoc "StartSession Object": without evse_uid the CP chooses the EVSE."""
    data = {k: v for k, v in START_SESSION.items() if k not in ("evse_uid", "connector_id")}
    command = StartSession.from_json(json.dumps(data))
    assert command.evse_uid is None
    assert command.connector_id is None


def test_start_session_evse_without_connector_is_valid() -> None:
    data = {k: v for k, v in START_SESSION.items() if k != "connector_id"}
    assert StartSession.from_json(json.dumps(data)).connector_id is None


def test_start_session_connector_without_evse_is_rejected() -> None:
    """mod_commands.asciidoc "StartSession Object": evse_uid required when connector_id set."""
    data = {k: v for k, v in START_SESSION.items() if k != "evse_uid"}
    with pytest.raises(ValidationError) as info:
        StartSession.from_json(json.dumps(data))
    errors = info.value.errors()
    assert [(e["type"], e["loc"]) for e in errors] == [("value_error", ("evse_uid",))]
    assert "connector_id" in errors[0]["msg"]


# --- required fields, limits and enums ---------------------------------------------------


@pytest.mark.parametrize(
    ("model", "data", "missing"),
    [
        (StartSession, START_SESSION, ["response_url", "token", "location_id"]),
        (
            ReserveNow,
            RESERVE_NOW,
            ["response_url", "token", "expiry_date", "reservation_id", "location_id"],
        ),
        (StopSession, STOP_SESSION, ["response_url", "session_id"]),
        (CancelReservation, CANCEL_RESERVATION, ["response_url", "reservation_id"]),
        (
            UnlockConnector,
            UNLOCK_CONNECTOR,
            ["response_url", "location_id", "evse_uid", "connector_id"],
        ),
        (CommandResponse, COMMAND_RESPONSE, ["result", "timeout"]),
        (CommandResult, COMMAND_RESULT, ["result"]),
    ],
)
def test_required_fields(model: type[Any], data: dict[str, Any], missing: list[str]) -> None:
    """mod_commands.asciidoc object tables: every Card. 1 field is required."""
    for field in missing:
        without = {k: v for k, v in data.items() if k != field}
        assert _errors(model, without) == [("missing", (field,))]


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (StopSession, STOP_SESSION, "session_id"),
        (CancelReservation, CANCEL_RESERVATION, "reservation_id"),
        (ReserveNow, RESERVE_NOW, "reservation_id"),
        (StartSession, START_SESSION, "authorization_reference"),
        (UnlockConnector, UNLOCK_CONNECTOR, "connector_id"),
    ],
)
def test_cistring36_ids_are_limited(model: type[Any], data: dict[str, Any], field: str) -> None:
    """mod_commands.asciidoc object tables: ids are CiString(36)."""
    assert model.from_json(json.dumps({**data, field: "x" * 36}))
    assert _errors(model, {**data, field: "x" * 37}) == [("string_too_long", (field,))]


def test_response_url_is_url_255() -> None:
    """types.asciidoc "URL": string(255)."""
    long_url = "https://emsp.example.com/" + "a" * 231
    assert _errors(StopSession, {**STOP_SESSION, "response_url": long_url}) == [
        ("string_too_long", ("response_url",))
    ]


def test_command_response_timeout_is_int() -> None:
    """mod_commands.asciidoc "CommandResponse Object": timeout is an int (seconds)."""
    assert _errors(CommandResponse, {"result": "ACCEPTED", "timeout": "30"}) == [
        ("int_type", ("timeout",))
    ]


def test_command_response_message_is_display_text() -> None:
    data = {**COMMAND_RESPONSE, "message": [{"language": "en"}]}
    assert _errors(CommandResponse, data) == [("missing", ("message", 0, "text"))]


def test_enum_values() -> None:
    """mod_commands.asciidoc Data types: the three enums with exactly the spec's values."""
    assert [t.value for t in CommandType] == [
        "CANCEL_RESERVATION",
        "RESERVE_NOW",
        "START_SESSION",
        "STOP_SESSION",
        "UNLOCK_CONNECTOR",
    ]
    assert [t.value for t in CommandResponseType] == [
        "NOT_SUPPORTED",
        "REJECTED",
        "ACCEPTED",
        "UNKNOWN_SESSION",
    ]
    assert [t.value for t in CommandResultType] == [
        "ACCEPTED",
        "CANCELED_RESERVATION",
        "EVSE_OCCUPIED",
        "EVSE_INOPERATIVE",
        "FAILED",
        "NOT_SUPPORTED",
        "REJECTED",
        "TIMEOUT",
        "UNKNOWN_RESERVATION",
    ]


def test_unknown_result_value_is_rejected() -> None:
    assert _errors(CommandResponse, {"result": "UNKNOWN", "timeout": 30}) == [("enum", ("result",))]


def test_command_objects_cover_every_command_type() -> None:
    """mod_commands.asciidoc "Receiver Interface": one request object per CommandType."""
    assert set(COMMAND_OBJECTS) == set(CommandType)
    assert COMMAND_OBJECTS[CommandType.START_SESSION] is StartSession
    assert COMMAND_OBJECTS[CommandType.CANCEL_RESERVATION] is CancelReservation
