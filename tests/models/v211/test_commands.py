"""OCPI 2.1.1 mod_commands.md: the command objects and CommandResponse read and written back
unchanged, and the 2.1.1 rules enforced."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from openroam.models.common import OcpiModel
from openroam.models.v211.commands import (
    COMMAND_OBJECTS,
    CommandResponse,
    CommandResponseType,
    CommandType,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
)
from tests.models.v211.documents import (
    COMMAND_RESPONSE,
    RESERVE_NOW,
    START_SESSION,
    STOP_SESSION,
    UNLOCK_CONNECTOR,
    changed,
    without,
)
from tests.models.v211.roundtrip import as_json, round_trip

DOCUMENTS: list[tuple[type[OcpiModel], dict[str, Any]]] = [
    (StartSession, START_SESSION),
    (StartSession, without(START_SESSION, "evse_uid")),
    (StopSession, STOP_SESSION),
    (ReserveNow, RESERVE_NOW),
    (UnlockConnector, UNLOCK_CONNECTOR),
    (CommandResponse, COMMAND_RESPONSE),
    (CommandResponse, {"result": "TIMEOUT"}),
]


@pytest.mark.parametrize(("model", "document"), DOCUMENTS)
def test_document_round_trips_unchanged(model: type[OcpiModel], document: dict[str, Any]) -> None:
    assert round_trip(model, document) == as_json(document)


def test_the_2_1_1_enums() -> None:
    assert [t.value for t in CommandType] == [
        "RESERVE_NOW",
        "START_SESSION",
        "STOP_SESSION",
        "UNLOCK_CONNECTOR",
    ]
    assert {r.value for r in CommandResponseType} == {
        "NOT_SUPPORTED",
        "REJECTED",
        "ACCEPTED",
        "TIMEOUT",
        "UNKNOWN_SESSION",
    }
    assert set(COMMAND_OBJECTS) == set(CommandType)


@pytest.mark.parametrize(
    ("model", "document", "path", "value"),
    [
        (ReserveNow, RESERVE_NOW, ["reservation_id"], "1234"),  # an int in 2.1.1
        (ReserveNow, RESERVE_NOW, ["expiry_date"], "2026-03-16T13:00:00+01:00"),
        (ReserveNow, RESERVE_NOW, ["token", "type"], "AD_HOC_USER"),
        (StartSession, START_SESSION, ["location_id"], "x" * 40),
        (StartSession, START_SESSION, ["response_url"], "https://emsp.example.com/\u00e9"),
        (StopSession, STOP_SESSION, ["session_id"], "x" * 37),
        (UnlockConnector, UNLOCK_CONNECTOR, ["connector_id"], "x" * 37),
        (CommandResponse, COMMAND_RESPONSE, ["result"], "EVSE_OCCUPIED"),  # 2.2.1 result only
    ],
)
def test_refuses(
    model: type[OcpiModel], document: dict[str, Any], path: list[str | int], value: Any
) -> None:
    with pytest.raises(ValidationError):
        model.model_validate_json(json.dumps(changed(document, path, value)))


@pytest.mark.parametrize("field", ["evse_uid", "connector_id", "location_id", "response_url"])
def test_unlock_connector_required_fields(field: str) -> None:
    with pytest.raises(ValidationError):
        UnlockConnector.model_validate_json(json.dumps(without(UNLOCK_CONNECTOR, field)))
