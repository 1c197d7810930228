"""`openroam validate`: a valid file, an invalid one, an envelope and unreadable input.

Every document of tests/documents/ is validated end to end: the valid ones exit 0, the invalid
ones exit 1 and name each problem's JSON path. The spec's example files are validated too where
the spec is there (cases marked ``spec_example``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from openroam._cli.main import app
from tests import documents
from tests.documents import INVALID, VALID
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
