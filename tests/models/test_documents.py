"""The project's own documents (tests/documents/) against the models: no spec needed.

Every object type has a valid document, which parses into its model and serialises back to equal
JSON (key order and number formatting aside), and an invalid one, rejected with exactly the
problems tests/documents/__init__.py lists for it, each at its JSON path.
"""

from __future__ import annotations

from typing import Any

import pytest

from openroam.models._check import OBJECT_TYPES, check_document
from openroam.models.common import OcpiResponse
from tests import documents
from tests.documents import DOCUMENTS, INVALID, VALID
from tests.spec_examples import as_comparable, dump_json

# Every object a party sends or receives in OCPI 2.2.1, and the PATCH bodies the tests use.
OBJECT_TYPES_WITH_DOCUMENTS = {
    "Location",
    "EVSE",
    "Connector",
    "LocationPatch",
    "EVSEPatch",
    "ConnectorPatch",
    "Hours",
    "EnergyMix",
    "Session",
    "SessionPatch",
    "ChargingPreferences",
    "CDR",
    "Tariff",
    "Token",
    "TokenPatch",
    "AuthorizationInfo",
    "LocationReferences",
    "Credentials",
    "Version",
    "VersionDetails",
    "ClientInfo",
    "CommandResponse",
    "CommandResult",
    "StartSession",
    "StopSession",
    "ReserveNow",
    "CancelReservation",
    "UnlockConnector",
    "SetChargingProfile",
    "ActiveChargingProfile",
    "ChargingProfileResponse",
    "ActiveChargingProfileResult",
    "ChargingProfileResult",
    "ClearProfileResult",
    "DisplayText",
}


def test_every_object_type_has_a_valid_and_an_invalid_document() -> None:
    assert set(VALID.values()) == OBJECT_TYPES_WITH_DOCUMENTS
    assert {type_name for type_name, _ in INVALID.values()} == OBJECT_TYPES_WITH_DOCUMENTS
    assert set(OBJECT_TYPES["2.2.1"]) >= OBJECT_TYPES_WITH_DOCUMENTS


def test_every_document_file_is_listed() -> None:
    assert {p.name for p in DOCUMENTS.glob("*.json")} == set(VALID)
    assert {p.name for p in (DOCUMENTS / "invalid").glob("*.json")} == set(INVALID)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_document_parses_and_serialises_back_equal(name: str) -> None:
    model = documents.model_of(VALID[name])
    original = documents.load_decimal(name)
    if name.startswith("envelope_"):
        data_type: Any = list[model] if isinstance(original["data"], list) else model  # type: ignore[valid-type]
        envelope = OcpiResponse[data_type].model_validate_json(documents.raw(name))
        assert as_comparable(envelope.to_json()) == original
    elif isinstance(original, list):
        parsed = [model.model_validate_json(dump_json(item)) for item in original]
        assert [as_comparable(item.to_json()) for item in parsed] == original
    else:
        parsed_object = model.from_json(documents.raw(name))
        assert as_comparable(parsed_object.to_json()) == original


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_document_checks_as_valid(name: str) -> None:
    """check_document (behind ``openroam validate``) finds no problem, in the right shape."""
    result = check_document(documents.raw(name), VALID[name])
    assert result.valid, result.problems
    data = documents.load(name)
    expected_count = len(data["data"] if name.startswith("envelope_") else data)
    if name.startswith("envelope_"):
        assert result.shape.startswith("envelope")
        assert result.count == (expected_count if isinstance(data["data"], list) else 1)
    elif isinstance(data, list):
        assert (result.shape, result.count) == ("list", expected_count)
    else:
        assert (result.shape, result.count) == ("object", 1)


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_document_is_rejected_with_exactly_its_problems(name: str) -> None:
    type_name, expected_paths = INVALID[name]
    result = check_document(documents.invalid_path(name).read_bytes(), type_name)
    assert not result.valid
    found = {problem.path for problem, _ in result.problems}
    assert found == expected_paths
    for problem, rule in result.problems:
        assert problem.message
        assert ".asciidoc, " in rule
