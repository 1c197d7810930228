"""`openroam price` and `openroam audit` (docs/pricing.md "Use", "Audit") through typer's
CliRunner.

The tariffs are our restatements of the spec's worked examples (tests/pricing/scenarios.py), the
CDR and Session our own documents (tests/documents/). Where the spec is there, the same commands
also run on its example files (cases marked ``spec_example``).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from openroam._cli.main import app
from openroam.models.v221.tariffs import Tariff
from tests import documents
from tests.pricing import scenarios
from tests.spec_examples import example_path, spec_example

runner = CliRunner()
OUR_CDR = str(documents.path("cdr.json"))
D = Decimal

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


def _tariff_file(tmp_path: Path, tariff: Tariff) -> str:
    path = tmp_path / f"{tariff.id}.json"
    path.write_bytes(tariff.to_json())
    return str(path)


@pytest.fixture(params=["ours", pytest.param("spec", marks=spec_example)])
def complex_tariff(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """The complex tariff (start fee, TIME by current and weekday, PARKING_TIME in daytime
    windows) as a file and its id: our restatement, or the spec's tariff_4_complex.json."""
    if request.param == "ours":
        return _tariff_file(tmp_path, scenarios.COMPLEX), scenarios.COMPLEX.id
    return str(example_path("tariff_4_complex.json")), "14"


def test_price_samples_prints_breakdown_totals_and_periods(
    tmp_path: Path, complex_tariff: tuple[str, str]
) -> None:
    """tariff_4 Saturday (docs/spec-decisions.md "Complex tariff example: the Saturday total"):
    2.50 start fee + 114 min at 1.25/h (2.375) + 71
    min parking billed as 75 at 6.00/h (7.50) = 12.375 excl; 2.875 + 2.85 + 8.25 = 13.975 incl,
    with the breakdown lines."""
    tariff, _ = complex_tariff
    code, output = _run(
        "price", "--tariff", tariff, "--samples", _samples(tmp_path), "--tz", "Europe/Amsterdam"
    )
    assert code == 0, output
    assert "Breakdown" in output
    assert "114 min" in output
    assert "71 min" in output
    assert "75 min" in output
    assert "12.3750" in output
    assert "13.9750" in output
    assert "ChargingPeriods" in output


def test_price_json_is_exact_json(tmp_path: Path, complex_tariff: tuple[str, str]) -> None:
    tariff, tariff_id = complex_tariff
    code, output = _run(
        "price", "--tariff", tariff, "--samples", _samples(tmp_path), "--tz", "Europe/Amsterdam",
        "--decimals", "2", "--json",
    )  # fmt: skip
    assert code == 0, output
    data = json.loads(output, parse_float=Decimal)
    assert data["totals"]["total_cost"] == {
        "excl_vat": Decimal("12.38"),
        "incl_vat": Decimal("13.98"),
    }
    assert data["tariff_id"] == tariff_id
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
    """tests/documents/cdr.json with its own Tariff ORM-AC-STANDARD: 0.60 start fee, 16.2 kWh at
    0.35, 18 min parking billed as 20 at 2.40/h, 21 % VAT → 7.07 / 8.5547."""
    code, output = _run("price", "--cdr", OUR_CDR, "--json")
    assert code == 0, output
    totals = json.loads(output, parse_float=Decimal)["totals"]
    excl = D("0.60") + D("16.2") * D("0.35") + D(20) / 60 * D("2.40")
    assert totals["total_cost"] == {"excl_vat": excl, "incl_vat": excl * D("1.21")}
    assert totals["total_cost"] == {"excl_vat": D("7.07"), "incl_vat": D("8.5547")}


def test_price_session(tmp_path: Path) -> None:
    """A finished Session's periods (tests/documents/session_completed.json) priced with the
    3/h charging, 5/h parking tariff (our restatement of the spec's tariff_13)."""
    code, output = _run(
        "price",
        "--tariff", _tariff_file(tmp_path, scenarios.TIME_AND_PARKING),
        "--session", str(documents.path("session_completed.json")),
        "--json",
    )  # fmt: skip
    assert code == 0, output
    totals = json.loads(output, parse_float=Decimal)["totals"]
    # 45 min charging at 3/h (not rounded: parking follows) + 18 min parking billed 20 min at 5/h.
    assert totals["total_time_cost"]["excl_vat"] == D(45) / 60 * 3 == Decimal("2.25")
    assert totals["total_parking_cost"]["excl_vat"] == Decimal("1.6667")
    assert totals["total_parking_cost"]["incl_vat"] == D(20) * 5 * D("1.2") / 60 == 2
    assert totals["total_energy"] == 21


def test_price_needs_exactly_one_source(tmp_path: Path) -> None:
    code, output = _run("price", "--tariff", _tariff_file(tmp_path, scenarios.COMPLEX))
    assert code == 2
    assert "exactly one of --cdr, --session and --samples" in output


def test_price_reports_unreadable_input(tmp_path: Path) -> None:
    tariff = _tariff_file(tmp_path, scenarios.COMPLEX)
    bad = _samples(tmp_path, "timestamp,energy_kwh\n2024-06-08T11:30:00Z,abc\n")
    code, output = _run("price", "--tariff", tariff, "--samples", bad)
    assert code == 2
    assert "line 2" in output
    code, output = _run(
        "price", "--tariff", tariff, "--samples", _samples(tmp_path), "--tz", "Mars/Base"
    )
    assert code == 2
    assert "unknown time zone" in output
    code, output = _run("price", "--tariff", str(tmp_path / "missing.json"), "--cdr", OUR_CDR)
    assert code == 2
    assert "cannot read" in output


def _cdr_file(tmp_path: Path, body: dict[str, Any]) -> str:
    path = tmp_path / "cdr.json"
    path.write_text(json.dumps(body))
    return str(path)


def test_audit_our_cdr_exits_0() -> None:
    code, output = _run("audit", "--cdr", OUR_CDR)
    assert code == 0, output
    assert "matches" in output


def test_audit_cdr_with_an_energy_inconsistency(tmp_path: Path) -> None:
    """Billed right, but total_energy 18 kWh where its periods hold 16.2: exit code 1 and one
    difference."""
    body = documents.load("cdr.json")
    body["total_energy"] = 18.0
    code, output = _run("audit", "--cdr", _cdr_file(tmp_path, body))
    assert code == 1
    assert "1 difference" in output
    assert "total_energy" in output
    assert "16.2" in output


def test_audit_json_and_tolerance(tmp_path: Path) -> None:
    body = documents.load("cdr.json")
    body["total_cost"]["excl_vat"] = 7.12
    path = _cdr_file(tmp_path, body)
    code, output = _run("audit", "--cdr", path, "--json")
    assert code == 1
    data = json.loads(output, parse_float=Decimal)
    assert [d["where"] for d in data["differences"]] == ["total_cost.excl_vat"]
    code, _ = _run("audit", "--cdr", path, "--tolerance", "0.1")
    assert code == 0


# --- reported volumes against timestamps (docs/pricing.md "Reported volumes and timestamps") ---


def _parking_reported_as_half_an_hour() -> dict[str, Any]:
    """tests/documents/cdr.json whose parking period (19:45-20:03, 18 min) reports 0.5 h."""
    body = documents.load("cdr.json")
    body["charging_periods"][1]["dimensions"] = [{"type": "PARKING_TIME", "volume": 0.5}]
    return body


VOLUME_FINDING = {
    "where": "charging_periods[1].dimensions.PARKING_TIME",
    "expected": "0.3000 h",
    "actual": "0.5 h",
    "message": "the PARKING_TIME volume 0.5 h differs from the timestamps' 0.3000 h by more "
    "than 2 s: the volume is priced",
}


def test_price_cdr_prices_reported_volumes_with_a_finding(tmp_path: Path) -> None:
    """30 min of parking reported over 18 min of timestamps: 30 min at 2.40/h (1.20), so
    0.60 + 5.67 + 1.20 = 7.47 excl., and the finding says why."""
    path = _cdr_file(tmp_path, _parking_reported_as_half_an_hour())
    code, output = _run("price", "--cdr", path, "--json")
    assert code == 0, output
    data = json.loads(output, parse_float=Decimal)
    assert data["totals"]["total_cost"] == {"excl_vat": D("7.47"), "incl_vat": D("9.0387")}
    assert data["totals"]["total_parking_time"] == D("0.5")
    assert data["findings"] == [VOLUME_FINDING]
    sources = [(row["dimension"], row["duration_from"]) for row in data["breakdown"]]
    assert sources == [
        ("FLAT", None),
        ("ENERGY", None),
        ("PARKING_TIME", "volume"),
        ("TOTAL", None),
    ]
    code, output = _run("price", "--cdr", path)
    assert code == 0, output
    assert "Findings" in output
    assert "charging_periods[1].dimensions.PARKING_TIME" in output
    assert "the volume is priced" in output


def test_price_cdr_with_agreeing_volumes_has_no_findings() -> None:
    code, output = _run("price", "--cdr", OUR_CDR, "--json")
    assert code == 0, output
    data = json.loads(output, parse_float=Decimal)
    assert data["findings"] == []
    assert [row["duration_from"] for row in data["breakdown"]] == [
        None, None, "timestamps", None
    ]  # fmt: skip
    code, output = _run("price", "--cdr", OUR_CDR)
    assert "Findings" not in output
    assert "timestamps" in output


def test_audit_cdr_priced_from_its_volumes_matches_with_a_finding(tmp_path: Path) -> None:
    """The CPO billed the reported 30 min: the CDR matches (exit 0), the finding is shown."""
    body = _parking_reported_as_half_an_hour()
    body.update(
        total_cost={"excl_vat": 7.47, "incl_vat": 9.04},
        total_parking_cost={"excl_vat": 1.20, "incl_vat": 1.45},
        total_time=2.0,
        total_parking_time=0.5,
    )
    path = _cdr_file(tmp_path, body)
    code, output = _run("audit", "--cdr", path)
    assert code == 0, output
    assert "matches" in output
    assert "Findings" in output
    assert "charging_periods[1].dimensions.PARKING_TIME" in output
    code, output = _run("audit", "--cdr", path, "--json")
    assert code == 0, output
    data = json.loads(output)
    assert (data["ok"], data["differences"], data["findings"]) == (True, [], [VOLUME_FINDING])


def test_audit_cdr_billed_by_timestamps_differs_and_says_why(tmp_path: Path) -> None:
    """The CPO billed its timestamps' 18 min (7.07) but reports 30: the totals differ from the
    volumes' price (exit 1), and the finding explains the difference."""
    code, output = _run("audit", "--cdr", _cdr_file(tmp_path, _parking_reported_as_half_an_hour()))
    assert code == 1
    assert "total_parking_cost.excl_vat" in output
    assert "Findings" in output
    assert "0.3000 h" in output


def test_price_cdr_with_a_period_after_its_end_is_a_clear_error(tmp_path: Path) -> None:
    body = documents.load("cdr.json")
    body["charging_periods"][1]["start_date_time"] = "2024-02-20T21:00:00Z"
    code, output = _run("price", "--cdr", _cdr_file(tmp_path, body))
    assert code == 2
    assert "ends before it starts" in output


# --- the spec's cdr_example.json and session_example_2 ------------------------------------------


@spec_example
def test_price_spec_cdr_example_uses_the_tariff_it_carries() -> None:
    """cdr_example.json with its own Tariff 12: 4.00 / 4.40 as the CDR says."""
    code, output = _run("price", "--cdr", str(example_path("cdr_example.json")), "--json")
    assert code == 0, output
    totals = json.loads(output, parse_float=Decimal)["totals"]
    assert totals["total_cost"] == {"excl_vat": 4, "incl_vat": Decimal("4.4")}


@spec_example
def test_price_spec_session_example() -> None:
    """A finished Session's periods (session_example_2, read in kWh as the spec defines them)."""
    code, output = _run(
        "price",
        "--tariff", str(example_path("tariff_13_simple_3hour_5parking.json")),
        "--session", str(example_path("session_example_2_short_finished.json")),
        "--json",
    )  # fmt: skip
    assert code == 0, output
    totals = json.loads(output, parse_float=Decimal)["totals"]
    # 28 min charging at 3/h (not rounded: parking follows) + 43:07 parking billed 45 min at 5/h.
    assert totals["total_time_cost"]["excl_vat"] == Decimal("1.4")
    assert totals["total_parking_cost"]["excl_vat"] == Decimal("3.75")


@spec_example
def test_audit_spec_cdr_example_reports_its_energy_inconsistency() -> None:
    """cdr_example.json: billed right (4.00 / 4.40) but total_energy 15.342 has no ENERGY
    volume in its periods: exit code 1 and one difference."""
    code, output = _run("audit", "--cdr", str(example_path("cdr_example.json")))
    assert code == 1
    assert "1 difference" in output
    assert "total_energy" in output
    assert "15.342" in output


@spec_example
def test_audit_matching_spec_cdr_exits_0(tmp_path: Path) -> None:
    body = json.loads(example_path("cdr_example.json").read_text())
    body["total_energy"] = 0  # consistent with its periods, which hold no ENERGY
    code, output = _run("audit", "--cdr", _cdr_file(tmp_path, body))
    assert code == 0, output
    assert "matches" in output


@spec_example
def test_audit_json_and_tolerance_on_the_spec_cdr(tmp_path: Path) -> None:
    body = json.loads(example_path("cdr_example.json").read_text())
    body["total_energy"] = 0
    body["total_cost"]["excl_vat"] = 4.05
    path = _cdr_file(tmp_path, body)
    code, output = _run("audit", "--cdr", path, "--json")
    assert code == 1
    data = json.loads(output, parse_float=Decimal)
    assert [d["where"] for d in data["differences"]] == ["total_cost.excl_vat"]
    code, _ = _run("audit", "--cdr", path, "--tolerance", "0.1")
    assert code == 0
