"""`openroam price` and `openroam audit` (issue 5) through typer's CliRunner."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from openroam.cli import app
from tests.spec_examples import EXAMPLES_221

runner = CliRunner()
TARIFF_4 = str(EXAMPLES_221 / "tariff_4_complex.json")
CDR_EXAMPLE = str(EXAMPLES_221 / "cdr_example.json")

SATURDAY_CSV = """timestamp,energy_kwh,current,power,charging
2024-06-08T11:30:00Z,0,43,,
2024-06-08T13:24:00Z,40,,,false
2024-06-08T14:35:00Z,40,,,
"""


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "240"})
    return result.exit_code, result.output


def _samples(tmp_path: Path, text: str = SATURDAY_CSV) -> str:
    path = tmp_path / "samples.csv"
    path.write_text(text)
    return str(path)


def test_price_samples_prints_breakdown_totals_and_periods(tmp_path: Path) -> None:
    """tariff_4 Saturday (DIGEST A4 corrected): 12.375 / 13.975 with the breakdown lines."""
    code, output = _run(
        "price", "--tariff", TARIFF_4, "--samples", _samples(tmp_path), "--tz", "Europe/Amsterdam"
    )
    assert code == 0, output
    assert "Breakdown" in output
    assert "114 min" in output
    assert "71 min" in output
    assert "75 min" in output
    assert "12.3750" in output
    assert "13.9750" in output
    assert "ChargingPeriods" in output


def test_price_json_is_exact_json(tmp_path: Path) -> None:
    code, output = _run(
        "price", "--tariff", TARIFF_4, "--samples", _samples(tmp_path), "--tz", "Europe/Amsterdam",
        "--decimals", "2", "--json",
    )  # fmt: skip
    assert code == 0, output
    data = json.loads(output, parse_float=Decimal)
    assert data["totals"]["total_cost"] == {
        "excl_vat": Decimal("12.38"),
        "incl_vat": Decimal("13.98"),
    }
    assert data["tariff_id"] == "14"
    assert [p["start_date_time"] for p in data["charging_periods"]] == [
        "2024-06-08T11:30:00Z",
        "2024-06-08T13:24:00Z",
    ]
    assert [row["dimension"] for row in data["breakdown"]] == [
        "FLAT",
        "TIME",
        "PARKING_TIME",
        "TOTAL",
    ]


def test_price_cdr_uses_the_tariff_it_carries() -> None:
    """cdr_example.json with its own Tariff 12: 4.00 / 4.40 as the CDR says."""
    code, output = _run("price", "--cdr", CDR_EXAMPLE, "--json")
    assert code == 0, output
    totals = json.loads(output, parse_float=Decimal)["totals"]
    assert totals["total_cost"] == {"excl_vat": 4, "incl_vat": Decimal("4.4")}


def test_price_session(tmp_path: Path) -> None:
    """A finished Session's periods (session_example_2, read in kWh as the spec defines them)."""
    code, output = _run(
        "price",
        "--tariff", str(EXAMPLES_221 / "tariff_13_simple_3hour_5parking.json"),
        "--session", str(EXAMPLES_221 / "session_example_2_short_finished.json"),
        "--json",
    )  # fmt: skip
    assert code == 0, output
    totals = json.loads(output, parse_float=Decimal)["totals"]
    # 28 min charging at 3/h (not rounded: parking follows) + 43:07 parking billed 45 min at 5/h.
    assert totals["total_time_cost"]["excl_vat"] == Decimal("1.4")
    assert totals["total_parking_cost"]["excl_vat"] == Decimal("3.75")


def test_price_needs_exactly_one_source(tmp_path: Path) -> None:
    code, output = _run("price", "--tariff", TARIFF_4)
    assert code == 2
    assert "exactly one of --cdr, --session and --samples" in output


def test_price_reports_unreadable_input(tmp_path: Path) -> None:
    bad = _samples(tmp_path, "timestamp,energy_kwh\n2024-06-08T11:30:00Z,abc\n")
    code, output = _run("price", "--tariff", TARIFF_4, "--samples", bad)
    assert code == 2
    assert "line 2" in output
    code, output = _run(
        "price", "--tariff", TARIFF_4, "--samples", _samples(tmp_path), "--tz", "Mars/Base"
    )
    assert code == 2
    assert "unknown time zone" in output
    code, output = _run("price", "--tariff", str(tmp_path / "missing.json"), "--cdr", CDR_EXAMPLE)
    assert code == 2
    assert "cannot read" in output


def test_audit_spec_cdr_example_reports_its_energy_inconsistency() -> None:
    """cdr_example.json: billed right (4.00 / 4.40) but total_energy 15.342 has no ENERGY
    volume in its periods: exit code 1 and one difference."""
    code, output = _run("audit", "--cdr", CDR_EXAMPLE)
    assert code == 1
    assert "1 difference" in output
    assert "total_energy" in output
    assert "15.342" in output


def test_audit_matching_cdr_exits_0(tmp_path: Path) -> None:
    body = json.loads((EXAMPLES_221 / "cdr_example.json").read_text())
    body["total_energy"] = 0  # consistent with its periods, which hold no ENERGY
    path = tmp_path / "cdr.json"
    path.write_text(json.dumps(body))
    code, output = _run("audit", "--cdr", str(path))
    assert code == 0, output
    assert "matches" in output


def test_audit_json_and_tolerance(tmp_path: Path) -> None:
    body = json.loads((EXAMPLES_221 / "cdr_example.json").read_text())
    body["total_energy"] = 0
    body["total_cost"]["excl_vat"] = 4.05
    path = tmp_path / "cdr.json"
    path.write_text(json.dumps(body))
    code, output = _run("audit", "--cdr", str(path), "--json")
    assert code == 1
    data = json.loads(output, parse_float=Decimal)
    assert [d["where"] for d in data["differences"]] == ["total_cost.excl_vat"]
    code, _ = _run("audit", "--cdr", str(path), "--tolerance", "0.1")
    assert code == 0
