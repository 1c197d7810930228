"""OCPI 2.2.1 mod_cdrs.asciidoc: the CDR models against the spec's rules, our own CDR document
(tests/documents/cdr.json) and, where the spec is there, its example."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from openroam.models.v221.cdrs import (
    CDR,
    SESSION_ONLY_DIMENSIONS,
    AuthMethod,
    CdrDimension,
    CdrDimensionType,
    CdrLocation,
    ChargingPeriod,
    SignedData,
    SignedValue,
)
from openroam.models.v221.locations import ConnectorType, PowerType
from openroam.models.v221.tariffs import Tariff
from openroam.models.v221.tokens import TokenType
from tests import documents
from tests.spec_examples import example_bytes, load_example, spec_example

Errors = list[tuple[str, tuple[int | str, ...]]]


def _example() -> dict[str, Any]:
    """Our CDR document (tests/documents/cdr.json) as plain JSON data, to be changed per test."""
    data: dict[str, Any] = documents.load("cdr.json")
    return data


def _errors(model: type[Any], data: object) -> Errors:
    with pytest.raises(ValidationError) as info:
        model.from_json(json.dumps(data))
    return [(e["type"], e["loc"]) for e in info.value.errors()]


def test_cdr_document_round_trips() -> None:
    """mod_cdrs.asciidoc "CDR Object": our CDR parses and serialises back equal (as Decimal)."""
    cdr = CDR.from_json(documents.raw("cdr.json"))
    assert json.loads(cdr.to_json(), parse_float=Decimal) == documents.load_decimal("cdr.json")


def test_cdr_document_types() -> None:
    cdr = CDR.from_json(documents.raw("cdr.json"))
    assert cdr.auth_method is AuthMethod.AUTH_REQUEST
    assert cdr.cdr_token.type is TokenType.RFID
    assert cdr.cdr_location.connector_standard is ConnectorType.IEC_62196_T2
    assert cdr.cdr_location.connector_power_type is PowerType.AC_3_PHASE
    assert cdr.tariffs is not None
    assert isinstance(cdr.tariffs[0], Tariff)
    assert cdr.end_date_time == datetime(2024, 2, 20, 20, 3, tzinfo=UTC)
    assert [p.dimensions[0].type for p in cdr.charging_periods] == [
        CdrDimensionType.ENERGY,
        CdrDimensionType.PARKING_TIME,
    ]
    assert cdr.charging_periods[1].dimensions[0].volume == Decimal("0.3")
    assert cdr.total_cost.incl_vat == Decimal("8.55")
    assert cdr.total_energy == Decimal("16.2")


@spec_example
def test_cdr_example_round_trips() -> None:
    """mod_cdrs.asciidoc "Example of a CDR": parses and serialises back equal (as Decimal)."""
    cdr = CDR.from_json(example_bytes("cdr_example.json"))
    original = load_example("cdr_example.json")
    assert json.loads(cdr.to_json(), parse_float=Decimal) == original


@spec_example
def test_cdr_example_types() -> None:
    cdr = CDR.from_json(example_bytes("cdr_example.json"))
    assert cdr.auth_method is AuthMethod.WHITELIST
    assert cdr.cdr_token.type is TokenType.RFID
    assert cdr.cdr_location.connector_standard is ConnectorType.IEC_62196_T2
    assert cdr.cdr_location.connector_power_type is PowerType.AC_1_PHASE
    assert cdr.tariffs is not None
    assert isinstance(cdr.tariffs[0], Tariff)
    assert cdr.charging_periods[0].dimensions[0].type is CdrDimensionType.TIME
    assert cdr.charging_periods[0].dimensions[0].volume == Decimal("1.973")
    assert cdr.total_cost.incl_vat == Decimal("4.40")
    assert cdr.total_energy == Decimal("15.342")


@pytest.mark.parametrize(
    "field",
    [
        "country_code",
        "party_id",
        "id",
        "start_date_time",
        "end_date_time",
        "cdr_token",
        "auth_method",
        "cdr_location",
        "currency",
        "charging_periods",
        "total_cost",
        "total_energy",
        "total_time",
        "last_updated",
    ],
)
def test_cdr_required_fields(field: str) -> None:
    """mod_cdrs.asciidoc "CDR Object": every Card. 1 / + field is required."""
    data = _example()
    del data[field]
    assert _errors(CDR, data) == [("missing", (field,))]


def test_cdr_needs_at_least_one_charging_period() -> None:
    """mod_cdrs.asciidoc "CDR Object": charging_periods has cardinality +."""
    assert _errors(CDR, {**_example(), "charging_periods": []}) == [
        ("too_short", ("charging_periods",))
    ]


def test_charging_period_needs_at_least_one_dimension() -> None:
    """mod_cdrs.asciidoc "ChargingPeriod class": dimensions has cardinality +."""
    period = {"start_date_time": "2015-06-29T21:39:09Z", "dimensions": []}
    assert _errors(ChargingPeriod, period) == [("too_short", ("dimensions",))]


# --- Credit CDRs (mod_cdrs.asciidoc "Credit CDRs", "CDR Object" credit) --------------------


def test_credit_cdr_with_reference_is_valid() -> None:
    """mod_cdrs.asciidoc "Credit CDRs": credit=true with credit_reference_id = original id."""
    data = {**_example(), "id": "12345-C", "credit": True, "credit_reference_id": "12345"}
    data["total_cost"] = {"excl_vat": -4.00, "incl_vat": -4.40}
    cdr = CDR.from_json(json.dumps(data))
    assert cdr.credit is True
    assert cdr.credit_reference_id == "12345"
    assert cdr.total_cost.excl_vat == Decimal("-4.0")


def test_credit_cdr_without_reference_is_rejected() -> None:
    """mod_cdrs.asciidoc "CDR Object" credit: credit=true needs credit_reference_id
    (docs/spec-decisions.md "Credit CDR without credit_reference_id")."""
    data = {**_example(), "id": "12345-C", "credit": True}
    with pytest.raises(ValidationError) as info:
        CDR.from_json(json.dumps(data))
    errors = info.value.errors()
    assert [(e["type"], e["loc"]) for e in errors] == [("value_error", ("credit_reference_id",))]
    assert "credit is true" in errors[0]["msg"]


@pytest.mark.parametrize("credit", [False, None])
def test_non_credit_cdr_needs_no_reference(credit: bool | None) -> None:
    data = _example()
    if credit is not None:
        data["credit"] = credit
    assert CDR.from_json(json.dumps(data)).credit_reference_id is None


def test_credit_cdr_id_may_have_39_characters() -> None:
    """mod_cdrs.asciidoc "CDR Object" id: CiString(39), longer to let credit CDRs append."""
    data = {**_example(), "id": "x" * 36 + "-CR", "credit": True, "credit_reference_id": "x" * 36}
    assert len(CDR.from_json(json.dumps(data)).id) == 39
    data["id"] = "x" * 40
    assert _errors(CDR, data) == [("string_too_long", ("id",))]


def test_non_credit_cdr_id_has_at_most_36_characters() -> None:
    """mod_cdrs.asciidoc "CDR Object" id: normal (non-credit) CDRs SHALL have an id ≤ 36."""
    assert CDR.from_json(json.dumps({**_example(), "id": "x" * 36})).id == "x" * 36
    with pytest.raises(ValidationError) as info:
        CDR.from_json(json.dumps({**_example(), "id": "x" * 37}))
    errors = info.value.errors()
    assert [(e["type"], e["loc"]) for e in errors] == [("value_error", ("id",))]
    assert "36" in errors[0]["msg"]


# --- CdrDimensionType: Session-only types (mod_cdrs.asciidoc "CdrDimensionType") ----------


def test_session_only_dimensions_are_the_marked_ones() -> None:
    """mod_cdrs.asciidoc "CdrDimensionType": CURRENT, ENERGY_EXPORT/IMPORT, POWER, SoC."""
    assert {t.value for t in SESSION_ONLY_DIMENSIONS} == {
        "CURRENT",
        "ENERGY_EXPORT",
        "ENERGY_IMPORT",
        "POWER",
        "STATE_OF_CHARGE",
    }


@pytest.mark.parametrize("dimension", sorted(t.value for t in SESSION_ONLY_DIMENSIONS))
def test_session_only_dimension_in_cdr_is_rejected(dimension: str) -> None:
    """mod_cdrs.asciidoc "CdrDimensionType": Session-only types SHALL NOT be used in CDRs."""
    data = _example()
    data["charging_periods"][0]["dimensions"].append({"type": dimension, "volume": 50})
    with pytest.raises(ValidationError) as info:
        CDR.from_json(json.dumps(data))
    errors = info.value.errors()
    assert [(e["type"], e["loc"]) for e in errors] == [
        ("value_error", ("charging_periods", 0, "dimensions", 1, "type"))
    ]
    assert dimension in errors[0]["msg"]


@pytest.mark.parametrize(
    "dimension",
    sorted(t.value for t in CdrDimensionType if t not in SESSION_ONLY_DIMENSIONS),
)
def test_cdr_dimension_types_allowed_in_cdr(dimension: str) -> None:
    data = _example()
    data["charging_periods"][0]["dimensions"] = [{"type": dimension, "volume": 1.5}]
    assert CDR.from_json(json.dumps(data)).charging_periods[0].dimensions[0].type == dimension


@pytest.mark.parametrize("volume", [0, 42.5, 100])
def test_state_of_charge_within_0_to_100(volume: float) -> None:
    """mod_cdrs.asciidoc "CdrDimensionType" STATE_OF_CHARGE: values allowed 0 to 100."""
    dimension = CdrDimension.from_json(json.dumps({"type": "STATE_OF_CHARGE", "volume": volume}))
    assert dimension.volume == Decimal(str(volume))


@pytest.mark.parametrize("volume", [-1, 100.5])
def test_state_of_charge_outside_0_to_100_is_rejected(volume: float) -> None:
    """mod_cdrs.asciidoc "CdrDimensionType" STATE_OF_CHARGE: values allowed 0 to 100."""
    data = {"type": "STATE_OF_CHARGE", "volume": volume}
    assert _errors(CdrDimension, data) == [("value_error", ("volume",))]


def test_negative_energy_is_allowed() -> None:
    """mod_cdrs.asciidoc "CdrDimensionType" ENERGY: negative means net feed into the grid."""
    dimension = CdrDimension.from_json('{"type": "ENERGY", "volume": -2.5}')
    assert dimension.volume == Decimal("-2.5")


# --- CdrLocation ---------------------------------------------------------------------------


def _location(**changes: object) -> dict[str, Any]:
    location: dict[str, Any] = {**_example()["cdr_location"], **changes}
    return location


@pytest.mark.parametrize(("field", "limit"), [("address", 255), ("state", 45)])
def test_cdr_location_accepts_location_length_limits(field: str, limit: int) -> None:
    """docs/spec-decisions.md "CdrLocation address and state lengths": CdrLocation address/state
    accept Location's 255/45, not 45/20."""
    location = CdrLocation.from_json(json.dumps(_location(**{field: "a" * limit})))
    assert getattr(location, field) == "a" * limit
    too_long = _location(**{field: "a" * (limit + 1)})
    assert _errors(CdrLocation, too_long) == [("string_too_long", (field,))]


@pytest.mark.parametrize("field", ["evse_uid", "evse_id", "connector_id"])
def test_cdr_location_allows_na_for_reservation_cdr(field: str) -> None:
    """mod_cdrs.asciidoc "CdrLocation class": #NA when a reservation never became a session."""
    assert getattr(CdrLocation.from_json(json.dumps(_location(**{field: "#NA"}))), field) == "#NA"


def test_cdr_location_error_names_nested_path() -> None:
    data = _example()
    data["cdr_location"]["connector_format"] = "PLUG"
    assert _errors(CDR, data) == [("enum", ("cdr_location", "connector_format"))]


def test_cdr_token_type_is_token_type() -> None:
    """mod_cdrs.asciidoc "CdrToken class": type is a TokenType."""
    data = _example()
    data["cdr_token"]["type"] = "NFC"
    assert _errors(CDR, data) == [("enum", ("cdr_token", "type"))]


# --- SignedData / SignedValue --------------------------------------------------------------


def _signed_data(**value_changes: object) -> dict[str, Any]:
    value = {"nature": "Start", "plain_data": "meter=1", "signed_data": "c2lnbmVk"}
    return {
        "encoding_method": "OCMF",
        "encoding_method_version": 1,
        "public_key": "cHVibGlj",
        "signed_values": [{**value, **value_changes}],
        "url": "https://verify.example.com/cdr/12345",
    }


def test_cdr_with_signed_data_round_trips() -> None:
    """mod_cdrs.asciidoc "SignedData class" inside a CDR."""
    data = {**_example(), "signed_data": _signed_data()}
    cdr = CDR.from_json(json.dumps(data))
    assert isinstance(cdr.signed_data, SignedData)
    assert json.loads(cdr.to_json()) == data


@pytest.mark.parametrize("field", ["plain_data", "signed_data"])
def test_signed_value_accepts_5000_characters(field: str) -> None:
    """mod_cdrs.asciidoc "SignedValue class": plain_data and signed_data are string(5000)."""
    value = SignedValue.from_json(
        json.dumps(_signed_data(**{field: "a" * 5000})["signed_values"][0])
    )
    assert len(getattr(value, field)) == 5000
    assert _errors(SignedData, _signed_data(**{field: "a" * 5001})) == [
        ("string_too_long", ("signed_values", 0, field))
    ]


def test_signed_data_needs_a_signed_value() -> None:
    """mod_cdrs.asciidoc "SignedData class": signed_values has cardinality +."""
    assert _errors(SignedData, {**_signed_data(), "signed_values": []}) == [
        ("too_short", ("signed_values",))
    ]


def test_signed_value_nature_is_cistring32() -> None:
    assert _errors(SignedData, _signed_data(nature="n" * 33)) == [
        ("string_too_long", ("signed_values", 0, "nature"))
    ]


# --- enums ---------------------------------------------------------------------------------


def test_auth_method_values() -> None:
    """mod_cdrs.asciidoc "AuthMethod"."""
    assert [m.value for m in AuthMethod] == ["AUTH_REQUEST", "COMMAND", "WHITELIST"]


def test_cdr_dimension_type_values() -> None:
    """mod_cdrs.asciidoc "CdrDimensionType": the thirteen spec values."""
    assert [t.value for t in CdrDimensionType] == [
        "CURRENT",
        "ENERGY",
        "ENERGY_EXPORT",
        "ENERGY_IMPORT",
        "MAX_CURRENT",
        "MIN_CURRENT",
        "MAX_POWER",
        "MIN_POWER",
        "PARKING_TIME",
        "POWER",
        "RESERVATION_TIME",
        "STATE_OF_CHARGE",
        "TIME",
    ]


def test_numbers_are_decimal_not_strings() -> None:
    """types.asciidoc "number": a JSON number; a string is rejected."""
    assert _errors(CDR, {**_example(), "total_energy": "15.342"}) == [
        ("value_error", ("total_energy",))
    ]
