"""OCPI 2.1.1 mod_tariffs.md: Tariffs read and written back unchanged, 2.1.1 rules enforced."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pydantic import ValidationError

from openroam.models.common import OcpiModel
from openroam.models.v211.tariffs import (
    PriceComponent,
    Tariff,
    TariffElement,
    TariffPatch,
    TariffRestrictions,
)
from tests.models.v211.documents import TARIFF
from tests.models.v211.roundtrip import as_json, round_trip

DOCUMENTS: list[tuple[type[OcpiModel], dict[str, Any]]] = [
    (Tariff, TARIFF),
    (TariffElement, TARIFF["elements"][1]),
    (TariffPatch, {"elements": TARIFF["elements"][:1]}),
    (TariffPatch, {"currency": "USD", "last_updated": "2026-03-17T00:00:00Z"}),
]


@pytest.mark.parametrize(("model", "document"), DOCUMENTS)
def test_document_round_trips_unchanged(model: type[OcpiModel], document: dict[str, Any]) -> None:
    assert round_trip(model, document) == as_json(document)


def _changed(path: list[str | int], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(TARIFF)
    target: Any = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return changed


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["id"], "x" * 37),  # string(36)
        (["tariff_alt_text", 0, "text"], "2,50 \u20ac start"),  # ASCII only
        (["last_updated"], "2026-03-16T11:10:02+01:00"),  # UTC only
        (["elements"], []),  # at least one element
        (["elements", 0, "price_components"], []),  # at least one component
        (["elements", 0, "price_components", 0, "type"], "RESERVATION_TIME"),
        (["elements", 0, "price_components", 0, "price"], "2.50"),  # a number, not a string
        (["elements", 1, "restrictions", "start_time"], "9:00"),
        (["elements", 1, "restrictions", "start_date"], "01-01-2026"),
        (["elements", 1, "restrictions", "day_of_week", 0], "monday"),
    ],
)
def test_tariff_refuses(path: list[str | int], value: Any) -> None:
    with pytest.raises(ValidationError):
        Tariff.model_validate_json(json.dumps(_changed(path, value)))


@pytest.mark.parametrize("field", ["id", "currency", "elements", "last_updated"])
def test_required_fields(field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Tariff.model_validate_json(json.dumps({k: v for k, v in TARIFF.items() if k != field}))
    assert (field,) in [error["loc"] for error in caught.value.errors()]


def test_2_2_1_only_fields_are_no_2_1_1_fields() -> None:
    # PriceComponent.vat, Tariff.min_price, TariffRestrictions.reservation: 2.2.1 only, so kept
    # as unknown extras (written back unchanged), never validated as 2.1.1 fields.
    assert "vat" not in PriceComponent.model_fields
    assert "min_price" not in Tariff.model_fields
    assert "reservation" not in TariffRestrictions.model_fields
