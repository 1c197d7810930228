"""`openroam validate`: a valid file, an invalid one, an envelope and unreadable input.

Every document of tests/documents/ is validated end to end: the valid ones exit 0, the invalid
ones exit 1 and name each problem's JSON path. The spec's example files are validated too where
the spec is there (cases marked ``spec_example``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openroam._cli.main import app
from tests import documents
from tests.documents import INVALID, VALID
from tests.models.v211 import documents as v211_documents
from tests.spec_examples import example_path, spec_example

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["validate", *args], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_valid_object_exits_0_and_names_the_guessed_type() -> None:
    code, output = _run(str(documents.path("location.json")))
    assert code == 0
    assert "valid" in output
    assert "Location" in output


def test_invalid_object_exits_1_with_each_path_and_spec_rule() -> None:
    code, output = _run(str(documents.invalid_path("evse.json")), "--type", "EVSE")
    assert code == 1
    assert "invalid" in output
    assert "$.connectors[0].power_type" in output
    assert "Field required" in output
    assert "mod_locations.asciidoc, Connector.power_type (required)" in output
    assert "$.physical_reference" in output


def test_envelope_with_a_list_is_checked_item_by_item(tmp_path: Path) -> None:
    code, output = _run(str(documents.path("envelope_token_list.json")))
    assert code == 0
    assert "3 Token" in output
    broken = documents.path("envelope_token_list.json").read_text()
    broken = broken.replace('"whitelist": "ALWAYS"', '"whitelist": "SOMETIMES"', 1)
    path = tmp_path / "envelope.json"
    path.write_text(broken)
    code, output = _run(str(path))
    assert code == 1
    assert "$.data[" in output
    assert "whitelist" in output


def test_unreadable_input_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"country_code": ')
    code, output = _run(str(path))
    assert code == 2
    assert "not valid JSON" in output
    code, _ = _run(str(tmp_path / "missing.json"))
    assert code == 2


def test_unknown_type_exits_2() -> None:
    code, output = _run(str(documents.path("location.json")), "--type", "Nope")
    assert code == 2
    assert "unknown type" in output


def test_patch_body_with_explicit_type() -> None:
    code, _ = _run(str(documents.path("token_patch.json")), "--type", "TokenPatch")
    assert code == 0


# --- every document of tests/documents/ --------------------------------------------------------


@pytest.mark.parametrize("name", sorted(VALID))
def test_every_valid_document_exits_0(name: str) -> None:
    code, output = _run(str(documents.path(name)), "--type", VALID[name])
    assert code == 0, output
    assert "✓ valid" in output
    assert VALID[name] in output


@pytest.mark.parametrize(
    "name", ["location.json", "session_completed.json", "cdr.json", "tariff.json", "token.json"]
)
def test_the_main_objects_are_recognised_without_a_type(name: str) -> None:
    code, output = _run(str(documents.path(name)))
    assert code == 0, output
    assert f": {VALID[name]} (object, OCPI 2.2.1)" in output


@pytest.mark.parametrize("name", sorted(INVALID))
def test_every_invalid_document_exits_1_naming_each_problem(name: str) -> None:
    type_name, paths = INVALID[name]
    code, output = _run(str(documents.invalid_path(name)), "--type", type_name)
    assert code == 1, output
    assert "✗ invalid" in output
    assert f"{len(paths)} problem(s)" in output
    for path in paths:
        assert path in output


# --- the spec's example files ------------------------------------------------------------------


@spec_example
def test_spec_location_example_exits_0() -> None:
    code, output = _run(str(example_path("location_example.json")))
    assert code == 0
    assert "valid" in output
    assert "Location" in output


@spec_example
def test_spec_add_evse_example_exits_1_with_each_path_and_spec_rule() -> None:
    code, output = _run(str(example_path("location_put_example_add_evse.json")), "--type", "EVSE")
    assert code == 1
    assert "invalid" in output
    assert "$.connectors[0].power_type" in output
    assert "Field required" in output
    assert "mod_locations.asciidoc, Connector.power_type (required)" in output
    assert "$.physical_reference" in output


@spec_example
def test_spec_token_list_envelope_is_checked_item_by_item(tmp_path: Path) -> None:
    code, output = _run(str(example_path("transport_and_format_get_token_list_example.json")))
    assert code == 0
    assert "3 Token" in output
    broken = example_path("transport_and_format_get_token_list_example.json").read_text()
    broken = broken.replace('"whitelist": "ALWAYS"', '"whitelist": "SOMETIMES"', 1)
    path = tmp_path / "envelope.json"
    path.write_text(broken)
    code, output = _run(str(path))
    assert code == 1
    assert "$.data[" in output
    assert "whitelist" in output


@spec_example
def test_spec_token_patch_example_with_explicit_type() -> None:
    code, _ = _run(str(example_path("token_patch_example.json")), "--type", "TokenPatch")
    assert code == 0


# --- OCPI 2.1.1 (--version 2.1.1) --------------------------------------------------------------

V211_DOCUMENTS = {
    "Location": v211_documents.LOCATION,
    "EVSE": v211_documents.EVSE_DOC,
    "Connector": v211_documents.CONNECTOR,
    "Tariff": v211_documents.TARIFF,
    "Token": v211_documents.TOKEN,
    "AuthorizationInfo": v211_documents.AUTHORIZATION_INFO,
    "Session": v211_documents.SESSION,
    "CDR": v211_documents.CDR,
    "StartSession": v211_documents.START_SESSION,
    "StopSession": v211_documents.STOP_SESSION,
    "ReserveNow": v211_documents.RESERVE_NOW,
    "UnlockConnector": v211_documents.UNLOCK_CONNECTOR,
    "CommandResponse": v211_documents.COMMAND_RESPONSE,
}


def _write(tmp_path: Path, document: object) -> str:
    path = tmp_path / "document.json"
    path.write_text(json.dumps(document))
    return str(path)


@pytest.mark.parametrize("type_name", sorted(V211_DOCUMENTS))
def test_v211_document_is_valid_as_2_1_1(tmp_path: Path, type_name: str) -> None:
    path = _write(tmp_path, V211_DOCUMENTS[type_name])
    code, output = _run(path, "--version", "2.1.1", "--type", type_name)
    assert code == 0, output
    assert f"✓ valid {path}: {type_name} (object, OCPI 2.1.1)" in output.replace("\n", "")


@pytest.mark.parametrize("type_name", ["Location", "Session", "CDR", "Tariff", "Token"])
def test_v211_main_objects_are_recognised_without_a_type(tmp_path: Path, type_name: str) -> None:
    code, output = _run(_write(tmp_path, V211_DOCUMENTS[type_name]), "--version", "2.1.1")
    assert code == 0, output
    assert f": {type_name} (object, OCPI 2.1.1)" in output


def test_v211_location_is_invalid_as_2_2_1_and_the_default_stays_2_2_1(tmp_path: Path) -> None:
    code, output = _run(_write(tmp_path, v211_documents.LOCATION), "--type", "Location")
    assert code == 1
    assert "OCPI 2.2.1" in output
    assert "$.publish" in output


def test_v211_problems_cite_the_2_1_1_text(tmp_path: Path) -> None:
    broken = v211_documents.changed(
        v211_documents.LOCATION, ["evses", 0, "connectors", 0, "voltage"], "230"
    )
    broken = v211_documents.without(broken, "postal_code")
    broken["name"] = "Caf\u00e9"
    code, output = _run(_write(tmp_path, broken), "--version", "2.1.1")
    assert code == 1, output
    assert "OCPI 2.1.1" in output
    assert "3 problem(s)" in output
    assert "$.evses[0].connectors[0].voltage" in output
    assert "mod_locations.md, Connector.voltage (required)" in output
    assert "mod_locations.md, Location.postal_code (required, max 10)" in output
    assert "$.name" in output


def test_v211_envelope_with_a_list_is_checked_item_by_item(tmp_path: Path) -> None:
    token = v211_documents.TOKEN
    envelope = {
        "data": [token, {**token, "uid": "2"}, {**token, "uid": "3", "type": "APP_USER"}],
        "status_code": 1000,
        "timestamp": "2026-03-16T10:10:02Z",
    }
    code, output = _run(_write(tmp_path, envelope), "--version", "2.1.1")
    assert code == 1, output
    assert "3 Token" in output
    assert "$.data[2].type" in output


def test_unknown_version_exits_2(tmp_path: Path) -> None:
    code, output = _run(_write(tmp_path, v211_documents.TOKEN), "--version", "2.0")
    assert code == 2
    assert "unsupported OCPI version" in output
