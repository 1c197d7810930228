"""OCPI 2.2.1 mod_tariffs.asciidoc: the Tariff models against the spec's rules, our own documents
(tests/documents/) and, where the spec is there, its examples."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from openroam.models.v221.tariffs import (
    DayOfWeek,
    ReservationRestrictionType,
    Tariff,
    TariffDimensionType,
    TariffElement,
    TariffRestrictions,
)
from tests import documents
from tests.spec_examples import EXAMPLES_221, example_bytes, load_example, spec_example

# docs/spec-decisions.md "Invalid example: tariff_put_example.json": it lacks the required
# last_updated.
INVALID_EXAMPLES = {"tariff_put_example.json"}
VALID_EXAMPLES = [
    *(
        f"tariff_{name}.json"
        for name in [
            "1_simple_2hour",
            "2_alt_text",
            "3_alt_url",
            "4_complex",
            "5_free_of_charge",
            "6_025kwh_start_max_price",
            "8_simple_025kwh",
            "9_025kwh_start",
            "10_025kwh_parking_start",
            "11_not_possible_alt_text",
            "12_025kwh_min_price",
            "13_simple_3hour_5parking",
            "14_step_size",
            "15_reservation_5_euro_per_hour",
            "16_reservation_2_euro_fee_5_euro_per_hour",
            "17_reservation_with_expire_fee",
            "18_reservation_with_expire_time",
        ]
    ),
    "tariffrestriction_example_max_duration.json",
    "tariffrestriction_example_max_power.json",
]


def _load(name: str) -> Any:
    """One of our documents with numbers as Decimal."""
    return documents.load_decimal(name)


def test_tariff_document_round_trips() -> None:
    """mod_tariffs.asciidoc "Tariff object": our Tariff (every optional field, restrictions of
    each kind, reservation elements) parses and serialises back equal."""
    tariff = Tariff.from_json(documents.raw("tariff.json"))
    assert json.loads(tariff.to_json(), parse_float=Decimal) == _load("tariff.json")


def test_tariff_without_last_updated_is_rejected() -> None:
    """mod_tariffs.asciidoc "Tariff object": last_updated has cardinality 1."""
    body = documents.load("tariff.json")
    del body["last_updated"]
    with pytest.raises(ValidationError) as info:
        Tariff.from_json(json.dumps(body))
    errors = info.value.errors()
    assert [(e["type"], e["loc"]) for e in errors] == [("missing", ("last_updated",))]


def test_tariff_document_types() -> None:
    tariff = Tariff.from_json(documents.raw("tariff.json"))
    component = tariff.elements[0].price_components[0]
    assert component.type is TariffDimensionType.FLAT
    assert component.price == Decimal("0.60")
    restrictions = tariff.elements[1].restrictions
    assert restrictions is not None
    assert restrictions.day_of_week is not None
    assert restrictions.day_of_week[-1] is DayOfWeek.FRIDAY
    reservation = tariff.elements[-1].restrictions
    assert reservation is not None
    assert reservation.reservation is ReservationRestrictionType.RESERVATION_EXPIRES


@spec_example
def test_examples_found() -> None:
    found = sorted(
        p.name
        for pattern in ("tariff_*.json", "tariffrestriction_*.json")
        for p in EXAMPLES_221.glob(pattern)
        if p.name not in INVALID_EXAMPLES
    )
    assert len(VALID_EXAMPLES) == 19, VALID_EXAMPLES
    assert found == sorted(VALID_EXAMPLES)


@spec_example
@pytest.mark.parametrize("name", VALID_EXAMPLES)
def test_spec_example_round_trips(name: str) -> None:
    """mod_tariffs.asciidoc examples: every Tariff example parses and serialises back equal."""
    tariff = Tariff.from_json(example_bytes(name))
    assert json.loads(tariff.to_json(), parse_float=Decimal) == load_example(name)


@spec_example
def test_tariff_put_example_lacks_last_updated() -> None:
    """docs/spec-decisions.md "Invalid example: tariff_put_example.json": the file misses
    last_updated, required by the Tariff object."""
    with pytest.raises(ValidationError) as info:
        Tariff.from_json(example_bytes("tariff_put_example.json"))
    errors = info.value.errors()
    assert [(e["type"], e["loc"]) for e in errors] == [("missing", ("last_updated",))]


@spec_example
def test_tariff_complex_example_types() -> None:
    tariff = Tariff.from_json(example_bytes("tariff_4_complex.json"))
    component = tariff.elements[0].price_components[0]
    assert component.type is TariffDimensionType.FLAT
    assert component.price == Decimal("2.50")
    restrictions = tariff.elements[-1].restrictions
    assert restrictions is not None
    assert restrictions.day_of_week == [DayOfWeek.SATURDAY]


def _restrictions(**fields: object) -> TariffRestrictions:
    return TariffRestrictions.from_json(json.dumps(fields))


# --- TariffRestrictions: start_time / end_time (regex ([0-1][0-9]|2[0-3]):[0-5][0-9]) ---------


@pytest.mark.parametrize("field", ["start_time", "end_time"])
@pytest.mark.parametrize("value", ["00:00", "09:30", "19:59", "23:59"])
def test_restriction_time_of_day_accepts_spec_format(field: str, value: str) -> None:
    """mod_tariffs TariffRestrictions start_time/end_time: HH:MM, 24h, leading zeros."""
    assert getattr(_restrictions(**{field: value}), field) == value


@pytest.mark.parametrize("field", ["start_time", "end_time"])
@pytest.mark.parametrize("value", ["24:00", "9:30", "09:60", "0930", "09:30:00", " 09:30", "ab:cd"])
def test_restriction_time_of_day_rejects_other_formats(field: str, value: str) -> None:
    """mod_tariffs TariffRestrictions start_time/end_time: anything else fails the regex."""
    with pytest.raises(ValidationError):
        _restrictions(**{field: value})


# --- start_date / end_date (regex ([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])) ---


@pytest.mark.parametrize("field", ["start_date", "end_date"])
@pytest.mark.parametrize("value", ["2015-12-24", "1999-01-01", "2099-12-31"])
def test_restriction_date_accepts_spec_format(field: str, value: str) -> None:
    """mod_tariffs TariffRestrictions start_date/end_date: YYYY-MM-DD."""
    assert getattr(_restrictions(**{field: value}), field) == value


@pytest.mark.parametrize("field", ["start_date", "end_date"])
@pytest.mark.parametrize(
    "value", ["2015-13-01", "2015-00-10", "2015-12-32", "3015-01-01", "15-12-24", "2015-12-24Z"]
)
def test_restriction_date_rejects_other_formats(field: str, value: str) -> None:
    """mod_tariffs TariffRestrictions start_date/end_date: anything else fails the regex."""
    with pytest.raises(ValidationError):
        _restrictions(**{field: value})


# --- numbers, ints, enums -------------------------------------------------------------------


def test_restriction_numbers_and_ints() -> None:
    """mod_tariffs TariffRestrictions: kWh/current/power are numbers, durations are ints."""
    r = _restrictions(min_kwh=0.5, max_kwh=50, min_current=32, max_power=16.5, max_duration=1800)
    assert r.min_kwh == Decimal("0.5")
    assert r.max_power == Decimal("16.5")
    assert r.max_duration == 1800


@pytest.mark.parametrize(
    ("field", "value"),
    [("min_duration", 1.5), ("max_duration", "1800"), ("min_kwh", "20"), ("max_power", True)],
)
def test_restriction_rejects_wrong_json_types(field: str, value: object) -> None:
    """mod_tariffs TariffRestrictions: durations are int, kWh/current/power are number."""
    with pytest.raises(ValidationError):
        _restrictions(**{field: value})


def test_restriction_day_of_week_and_reservation_enums() -> None:
    r = _restrictions(day_of_week=["MONDAY", "SUNDAY"], reservation="RESERVATION_EXPIRES")
    assert r.day_of_week == [DayOfWeek.MONDAY, DayOfWeek.SUNDAY]
    assert r.reservation is ReservationRestrictionType.RESERVATION_EXPIRES
    with pytest.raises(ValidationError):
        _restrictions(day_of_week=["MONDAYS"])
    with pytest.raises(ValidationError):
        _restrictions(reservation="RESERVED")


# --- TariffElement: reservation elements hold only FLAT and TIME -----------------------------


def _element(*types: str, reservation: str | None = None) -> TariffElement:
    body: dict[str, object] = {
        "price_components": [{"type": t, "price": 1, "step_size": 1} for t in types]
    }
    if reservation is not None:
        body["restrictions"] = {"reservation": reservation}
    return TariffElement.from_json(json.dumps(body))


@pytest.mark.parametrize("reservation", ["RESERVATION", "RESERVATION_EXPIRES"])
def test_reservation_element_accepts_flat_and_time(reservation: str) -> None:
    """mod_tariffs TariffRestrictions.reservation: a reservation can have FLAT and TIME."""
    element = _element("FLAT", "TIME", reservation=reservation)
    assert [c.type for c in element.price_components] == ["FLAT", "TIME"]


@pytest.mark.parametrize("reservation", ["RESERVATION", "RESERVATION_EXPIRES"])
@pytest.mark.parametrize("dimension", ["ENERGY", "PARKING_TIME"])
def test_reservation_element_rejects_energy_and_parking(reservation: str, dimension: str) -> None:
    """mod_tariffs TariffRestrictions.reservation: "can only have FLAT and TIME"."""
    with pytest.raises(ValidationError, match="only have FLAT and TIME"):
        _element("TIME", dimension, reservation=reservation)


def test_non_reservation_element_may_price_any_dimension() -> None:
    element = _element("FLAT", "ENERGY", "TIME", "PARKING_TIME")
    assert len(element.price_components) == 4


def test_element_needs_a_price_component() -> None:
    """mod_tariffs TariffElement.price_components has cardinality +."""
    with pytest.raises(ValidationError):
        TariffElement.from_json(b'{"price_components": []}')


def test_tariff_needs_an_element() -> None:
    """mod_tariffs Tariff.elements has cardinality +."""
    body = _load("tariff.json")
    assert isinstance(body, dict)
    body["elements"] = []
    with pytest.raises(ValidationError):
        Tariff.from_json(json.dumps(body, default=str))


def test_price_component_vat_absent_is_not_zero() -> None:
    """mod_tariffs PriceComponent.vat: omitted means no VAT, unlike 0.0."""
    element = TariffElement.from_json(
        b'{"price_components": [{"type": "FLAT", "price": 0, "step_size": 0},'
        b' {"type": "ENERGY", "price": 0.3, "vat": 0.0, "step_size": 1}]}'
    )
    free, zero_rated = element.price_components
    assert free.vat is None
    assert "vat" not in free.to_dict()
    assert zero_rated.vat == 0
    assert zero_rated.to_dict()["vat"] == 0


@spec_example
def test_price_component_vat_absent_in_the_free_of_charge_example() -> None:
    """mod_tariffs "Free of Charge Tariff example": no vat at all."""
    tariff = Tariff.from_json(example_bytes("tariff_5_free_of_charge.json"))
    assert tariff.elements[0].price_components[0].vat is None
    assert "vat" not in tariff.elements[0].price_components[0].to_dict()


def test_price_component_step_size_is_int() -> None:
    """mod_tariffs PriceComponent.step_size is an int."""
    with pytest.raises(ValidationError):
        TariffElement.from_json(
            b'{"price_components": [{"type": "TIME", "price": 1, "step_size": 1.5}]}'
        )


def test_tariff_energy_mix_is_the_locations_energy_mix() -> None:
    """mod_tariffs Tariff.energy_mix is a mod_locations EnergyMix (our EnergyMix document)."""
    mix = documents.load("energy_mix.json")
    body = documents.load("tariff.json")
    body["energy_mix"] = mix
    tariff = Tariff.from_json(json.dumps(body))
    assert tariff.energy_mix is not None
    assert tariff.energy_mix.is_green_energy is mix["is_green_energy"]
    assert tariff.to_dict()["energy_mix"] == mix
    body["energy_mix"] = {"energy_sources": []}  # is_green_energy is required
    with pytest.raises(ValidationError):
        Tariff.from_json(json.dumps(body))
