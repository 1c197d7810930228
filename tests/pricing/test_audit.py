"""Auditing a partner's CDR against a recomputation (docs/pricing.md "Audit", `openroam audit`)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from openroam.models.v221.cdrs import CDR
from openroam.models.v221.tariffs import Tariff
from openroam.pricing import PricingResult, audit
from openroam.pricing._timeline import to_datetime
from tests import documents
from tests.pricing.support import charge, component, element, local, make_tariff, park, run
from tests.spec_examples import dump_json, example_bytes, spec_example

EVENING = make_tariff(
    element(component("ENERGY", "0.20", vat="21"), end_time="17:00"),
    element(component("ENERGY", "0.30", vat="21")),
    element(component("PARKING_TIME", "2.00", 300, vat="21")),
)


def cdr_from(result: PricingResult, tariff: Tariff, **changes: Any) -> CDR:
    """A CDR as a CPO running openroam would send it, with ``changes`` applied (the parts that
    are not priced come from our CDR document, tests/documents/cdr.json)."""
    body = documents.load_decimal("cdr.json")
    periods = [json.loads(p.to_json()) for p in result.charging_periods()]
    body.update(
        {
            "start_date_time": periods[0]["start_date_time"],
            "end_date_time": f"{to_datetime(result.periods[-1].end):%Y-%m-%dT%H:%M:%SZ}",
            "tariffs": [json.loads(tariff.to_json())],
            "charging_periods": periods,
            **json.loads(result.totals.to_json()),
        }
    )
    body.update(changes)
    return CDR.from_json(dump_json(body))


def session() -> PricingResult:
    return run(EVENING, local("2024-06-03 16:30"), charge(60, "20"), park(22))


def test_audit_of_our_cdr_document() -> None:
    """tests/documents/cdr.json priced with the Tariff it carries: a 0.60 start fee, 16.2 kWh at
    0.35 (5.67) and 18 min parking billed as 20 at 2.40/h (0.80), 21 % VAT: 7.07 / 8.5547,
    billed as 7.07 / 8.55 (within the cent). Nothing to report."""
    cdr = CDR.from_json(documents.raw("cdr.json"))
    report = audit(cdr)
    fee, energy, parking = Decimal("0.60"), Decimal("16.2") * Decimal("0.35"), Decimal("0.80")
    assert report.result.totals.total_cost.excl_vat == fee + energy + parking == Decimal("7.07")
    assert report.result.totals.total_cost.incl_vat == Decimal("7.07") * Decimal("1.21")
    assert report.result.totals.total_parking_cost.excl_vat == parking
    assert report.ok, report.differences


def test_audit_of_our_cdr_document_with_an_energy_inconsistency() -> None:
    """Billed right, but total_energy says 18 kWh where the periods hold 16.2."""
    body = documents.load("cdr.json")
    body["total_energy"] = 18
    report = audit(CDR.from_json(json.dumps(body)))
    assert report.result.totals.total_cost.excl_vat == Decimal("7.07")
    assert [(d.where, d.expected, d.actual) for d in report.differences] == [
        ("total_energy", "16.2000", "18")
    ]


@spec_example
def test_audit_of_the_spec_cdr_example() -> None:
    """cdr_example.json priced with the Tariff it carries: 4.00 / 4.40 as billed. Its
    total_energy 15.342 kWh has no ENERGY volume in any period, which the audit reports."""
    cdr = CDR.from_json(example_bytes("cdr_example.json"))
    report = audit(cdr)
    assert report.result.totals.total_cost.excl_vat == 4
    assert report.result.totals.total_cost.incl_vat == Decimal("4.40")
    assert [(d.where, d.expected, d.actual) for d in report.differences] == [
        ("total_energy", "0.0000", "15.342")
    ]


def test_audit_of_a_correct_cdr_finds_nothing() -> None:
    """A CDR whose periods and totals are what openroam computes passes its own audit."""
    result = session()
    report = audit(cdr_from(result, EVENING), zone="Europe/Amsterdam")
    assert report.ok, report.differences
    assert report.result.totals.total_cost == result.totals.total_cost


def test_audit_reports_a_wrong_total_beyond_tolerance() -> None:
    result = session()
    expected = result.totals.total_cost
    assert expected.incl_vat is not None
    wrong = {"excl_vat": expected.excl_vat + Decimal("0.50"), "incl_vat": expected.incl_vat}
    report = audit(cdr_from(result, EVENING, total_cost=wrong), zone="Europe/Amsterdam")
    assert [(d.where, d.message) for d in report.differences] == [
        ("total_cost.excl_vat", "differs by 0.5000")
    ]
    close = {"excl_vat": expected.excl_vat + Decimal("0.004"), "incl_vat": expected.incl_vat}
    assert audit(cdr_from(result, EVENING, total_cost=close), zone="Europe/Amsterdam").ok


def test_audit_reports_a_missing_period_split() -> None:
    """mod_cdrs "ChargingPeriod": a new period SHALL start when another PriceComponent becomes
    active. A CDR with one charging period across the 17:00 price change misses one."""
    result = session()
    periods = [json.loads(p.to_json()) for p in result.charging_periods()]
    merged = {
        **periods[0],
        "dimensions": [{"type": "ENERGY", "volume": 20}, {"type": "TIME", "volume": 1}],
    }
    cdr = cdr_from(result, EVENING, charging_periods=[merged, periods[2]])
    report = audit(cdr, zone="Europe/Amsterdam")
    wheres = [d.where for d in report.differences]
    assert wheres == ["charging_periods"]
    assert "2024-06-03 17:00:00 local" in report.differences[0].message


def test_audit_reports_missing_tariff_id_and_wrong_currency() -> None:
    result = session()
    periods = [json.loads(p.to_json()) for p in result.charging_periods()]
    del periods[1]["tariff_id"]
    report = audit(
        cdr_from(result, EVENING, charging_periods=periods, currency="CHF"), zone="Europe/Amsterdam"
    )
    assert [d.where for d in report.differences] == ["currency", "charging_periods[1].tariff_id"]


def test_audit_reports_absent_breakdown_only_when_not_zero() -> None:
    """Optional breakdown fields a CPO leaves out are reported only if they should hold money."""
    result = session()
    body = json.loads(result.totals.to_json())
    cdr = cdr_from(result, EVENING)
    data = json.loads(cdr.to_json())
    del data["total_parking_cost"], data["total_reservation_cost"]
    report = audit(CDR.from_json(json.dumps(data)), zone="Europe/Amsterdam")
    assert [(d.where, d.actual) for d in report.differences] == [("total_parking_cost", "absent")]
    assert body["total_reservation_cost"]["excl_vat"] == 0


def test_audit_of_a_cdr_without_any_breakdown_checks_total_cost_only() -> None:
    """mod_cdrs "CDR Object": the breakdown is optional; a CDR reporting none of it (an OCPI 2.1.1
    CDR has none) is not a mismatch for that, but its total_cost still is checked."""
    cdr = cdr_from(session(), EVENING)
    data = json.loads(cdr.to_json())
    for name in ("fixed", "energy", "time", "parking", "reservation"):
        data.pop(f"total_{name}_cost", None)
    assert audit(CDR.from_json(json.dumps(data)), zone="Europe/Amsterdam").differences == ()
    data["total_cost"]["excl_vat"] += 1
    report = audit(CDR.from_json(json.dumps(data)), zone="Europe/Amsterdam")
    assert [d.where for d in report.differences] == ["total_cost.excl_vat"]
