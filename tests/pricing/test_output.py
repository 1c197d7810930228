"""The engine's OCPI output: trusted model construction and what ChargingPeriods report."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from openroam.models.v221.cdrs import CdrDimension, CdrDimensionType, ChargingPeriod
from openroam.models.v221.types import Price
from openroam.pricing._output import CdrTotals, trusted
from tests.pricing import scenarios
from tests.pricing.support import charge, local, run

PRICE = {"excl_vat": Decimal("1.5"), "incl_vat": Decimal("1.65")}
DIMENSION = {"type": CdrDimensionType.ENERGY, "volume": Decimal("2.25")}
CASES: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (Price, PRICE),
    (CdrDimension, DIMENSION),
    (
        ChargingPeriod,
        {
            "start_date_time": datetime(2024, 6, 3, 8, tzinfo=UTC),
            "dimensions": [CdrDimension.model_construct(**DIMENSION)],
            "tariff_id": "T1",
        },
    ),
    (
        CdrTotals,
        {  # in field order, as the engine passes them
            name: Price.model_construct(**PRICE) if "cost" in name else Decimal(1)
            for name in CdrTotals.model_fields
        },
    ),
]


@pytest.mark.parametrize(("model", "values"), CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_trusted_equals_model_construct(model: type[BaseModel], values: dict[str, Any]) -> None:
    """The fast constructor builds exactly what pydantic's model_construct builds (guards a
    pydantic upgrade), for every model the engine outputs."""
    assert list(values) == list(model.model_fields)
    fast, slow = trusted(model, dict(values)), model.model_construct(**values)
    assert fast == slow
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.model_extra == slow.model_extra
    assert fast.__pydantic_private__ == slow.__pydantic_private__
    assert fast.model_dump_json() == slow.model_dump_json()
    assert model.model_validate_json(fast.model_dump_json()) == slow


def test_output_validates_as_ocpi() -> None:
    """Everything the engine outputs passes the models' own validation (a round trip)."""
    result = run(
        scenarios.COMPLEX,
        local("2024-06-03 09:30"),
        charge(60, "10", current="16"),
    )
    for period in result.charging_periods():
        assert ChargingPeriod.from_json(period.to_json()) == period
    assert CdrTotals.from_json(result.totals.to_json()) == result.totals
    assert list(result.totals.to_dict()) == list(CdrTotals.model_fields)  # field order kept


def test_current_and_power_reported_only_when_the_tariff_restricts_them() -> None:
    """mod_cdrs "ChargingPeriod": "at least all the relevant information": current for
    tariff_4 (current restrictions), neither for tariff_1 (time only)."""
    by_current = run(
        scenarios.COMPLEX,
        local("2024-06-03 09:30"),
        charge(60, "10", current="16"),
    )
    plain = run(
        scenarios.TIME_2_PER_HOUR,
        local("2024-06-03 09:30"),
        charge(60, "10", current="16"),
    )
    assert [d.type.value for d in by_current.charging_periods()[0].dimensions] == [
        "ENERGY",
        "TIME",
        "MIN_CURRENT",
        "MAX_CURRENT",
    ]
    assert [d.type.value for d in plain.charging_periods()[0].dimensions] == ["ENERGY", "TIME"]
