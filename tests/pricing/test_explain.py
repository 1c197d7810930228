"""The line-by-line breakdown (`explain`, docs/pricing.md "Use"): element, reason, rounding for
every line."""

from __future__ import annotations

from decimal import Decimal

from openroam.pricing import explain
from openroam.pricing._explain import format_explain
from tests.pricing import scenarios
from tests.pricing.support import charge, local, park, run


def test_explain_step_size_switching_to_free() -> None:
    """tariff_14 "switching to Free-of-Charge": the rows say which element priced what, that
    the 8 parking minutes were billed as 15, and that parking after 20:00 is free."""
    result = run(
        scenarios.STEP_SIZE,
        local("2024-06-03 19:40"),
        charge(12, "2"),
        park(20),
    )
    rows = explain(result)
    assert [(r.kind, r.dimension, r.element, r.quantity, r.billed) for r in rows] == [
        ("line", "TIME", 2, "12 min", "12 min"),
        ("line", "PARKING_TIME", 2, "8 min", "15 min"),
        ("free", "PARKING_TIME", None, "12 min", "0"),
        ("total", "TOTAL", None, "", ""),
    ]
    assert "local time 17:00-20:00" in rows[1].why
    assert "session total 8 min billed as 15 min, the surplus 7 min added here" in rows[1].why
    assert "no element with a PARKING_TIME component applies" in rows[2].why
    assert rows[-1].excl_vat == Decimal("0.73")
    assert rows[0].start is not None
    assert f"{rows[0].start:%H:%M %Z}" == "19:40 CEST"


def test_explain_reasons_and_adjustments() -> None:
    """Why an element applied (its restrictions, the session's current) and what max_price did."""
    complex_ = run(
        scenarios.COMPLEX,
        local("2024-06-08 13:30"),
        charge(114, "40", current="43"),
    )
    time_row = next(r for r in explain(complex_) if r.dimension == "TIME")
    assert time_row.element == 4
    assert "on Sat, Sun, current ≥ 32.0 A" in time_row.why
    assert "current 43 A" in time_row.why

    capped = run(
        scenarios.START_FEE_MAX_PRICE,
        local("2019-06-01 10:00"),
        charge(60, "50"),
    )
    adjustments = [r for r in explain(capped) if r.kind == "adjustment"]
    assert [(r.dimension, r.excl_vat, r.incl_vat) for r in adjustments] == [
        ("max_price", Decimal("-3.00"), None),
        ("max_price", None, Decimal("-3.350")),
    ]


def test_explain_text() -> None:
    result = run(scenarios.TIME_2_PER_HOUR, local("2024-06-03 10:00"), charge(150, "20"))
    text = format_explain(explain(result), decimals=2)
    assert text.splitlines()[0].startswith(
        "2024-06-03 10:00-12:30 TIME element 1 150 min = 5.00 excl"
    )
    assert text.splitlines()[-1].startswith("TOTAL  = 5.00 excl / 5.50 incl")
