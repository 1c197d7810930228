"""`openroam validate`: a valid file, an invalid one, an envelope and unreadable input."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from openroam.cli import app
from tests.spec_examples import EXAMPLES_221

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["validate", *args], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_valid_object_exits_0_and_names_the_guessed_type() -> None:
    code, output = _run(str(EXAMPLES_221 / "location_example.json"))
    assert code == 0
    assert "valid" in output
    assert "Location" in output


def test_invalid_object_exits_1_with_each_path_and_spec_rule() -> None:
    code, output = _run(str(EXAMPLES_221 / "location_put_example_add_evse.json"), "--type", "EVSE")
    assert code == 1
    assert "invalid" in output
    assert "$.connectors[0].power_type" in output
    assert "Field required" in output
    assert "mod_locations.asciidoc, Connector.power_type (required)" in output
    assert "$.physical_reference" in output


def test_envelope_with_a_list_is_checked_item_by_item(tmp_path: Path) -> None:
    code, output = _run(str(EXAMPLES_221 / "transport_and_format_get_token_list_example.json"))
    assert code == 0
    assert "3 Token" in output
    broken = (EXAMPLES_221 / "transport_and_format_get_token_list_example.json").read_text()
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
    code, output = _run(str(EXAMPLES_221 / "location_example.json"), "--type", "Nope")
    assert code == 2
    assert "unknown type" in output


def test_patch_body_with_explicit_type() -> None:
    code, _ = _run(str(EXAMPLES_221 / "token_patch_example.json"), "--type", "TokenPatch")
    assert code == 0
