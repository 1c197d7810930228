"""The OCPI primitives (types.asciidoc) and the OcpiModel base: each rule passing and failing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pytest
from pydantic import ValidationError

from openroam.models._validation import problems
from openroam.models.common import (
    CiString3,
    DateTime,
    Number,
    OcpiModel,
    OcpiResponse,
    String5,
    fold_id,
)


class Colour(StrEnum):
    RED = "RED"


class Sample(OcpiModel):
    at: DateTime
    code: CiString3 | None = None
    label: String5 | None = None
    amount: Number | None = None
    colour: Colour | None = None
    count: int | None = None


def _parse(json: str) -> Sample:
    return Sample.model_validate_json(json)


def _paths(json: str) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        _parse(json)
    return [str(problem) for problem in problems(caught.value)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-06-29T20:39:09Z", datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)),
        ("2015-06-29T20:39:09", datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)),
        ("2016-12-29T17:45:09.2Z", datetime(2016, 12, 29, 17, 45, 9, 200000, tzinfo=UTC)),
        ("2018-01-01T01:08:01.123", datetime(2018, 1, 1, 1, 8, 1, 123000, tzinfo=UTC)),
    ],
)
def test_datetime_accepts_every_form_of_types_datetime(text: str, expected: datetime) -> None:
    assert _parse(f'{{"at": "{text}"}}').at == expected


def test_datetime_read_twice_is_the_same_instant_both_times() -> None:
    # DateTimes are parsed once and reused (a pull reads ~9 per Location).
    first, second = (
        _parse('{"at": "2015-06-29T20:39:09Z"}'),
        _parse('{"at": "2015-06-29T20:39:09Z"}'),
    )
    assert first.at == second.at == datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)
    assert first.at.tzinfo is UTC


def test_datetime_is_always_produced_as_utc_with_z_and_whole_seconds() -> None:
    sample = _parse('{"at": "2016-12-29T17:45:09.2"}')
    assert sample.to_json() == b'{"at":"2016-12-29T17:45:09Z"}'


def test_datetime_with_a_non_utc_offset_is_rejected_with_a_clear_message() -> None:
    found = _paths('{"at": "2015-06-29T20:39:09+01:00"}')
    assert found == [
        "$.at: '2015-06-29T20:39:09+01:00' has the offset +01:00: OCPI DateTimes SHALL be in "
        "UTC (write 'Z' or no designator)"
    ]


@pytest.mark.parametrize(
    ("text", "deviation"),
    [
        ("2015-06-29 20:39:09Z", "space instead of T"),
        ("2015-06-29 20:39:09", "space instead of T"),
        ("2015-06-29T20:39:09+00:00", "+00:00 instead of Z"),
        ("2015-06-29T20:39:09.5-00:00", "+00:00 instead of Z"),
        ("2015-06-29 20:39:09+00:00", "space instead of T, +00:00 instead of Z"),
        ("2015-06-29 20:39:09+02:00", "space instead of T, an offset instead of UTC"),
    ],
)
def test_datetime_deviation_is_refused_strictly_and_named(text: str, deviation: str) -> None:
    """types.asciidoc "DateTime": "+00:00 is not the same as UTC"; the message names what to
    change (what lenient reading would repair, models._lenient)."""
    assert _paths(f'{{"at": "{text}"}}') == [
        f"$.at: {text!r} is not an OCPI DateTime ({deviation})"
    ]


def test_envelope_timestamp_is_read_tolerantly() -> None:
    """The envelope's timestamp is never stored: a space or an offset there does not refuse
    a partner's answer (models.common.TolerantDateTime)."""
    envelope = OcpiResponse[Any].model_validate_json(
        b'{"status_code": 1000, "timestamp": "2026-01-02 11:00:00.123456+01:00"}'
    )
    assert envelope.timestamp == datetime(2026, 1, 2, 10, 0, 0, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2015-06-29 20:39:09Z",
        "29-06-2015T20:39:09Z",
        "2015-13-01T00:00:00Z",
        "2015-02-29T00:00:00Z",
        "2015-06-29T24:00:00Z",
        "2015-06-29T20:39:09z",
        "\uff12015-06-29T20:39:09Z",  # a fullwidth digit: only 0-9 are digits
        "2015-06-29T20:39:0\u0669Z",
    ],
)
def test_datetime_rejects_other_formats(text: str) -> None:
    assert _paths(f'{{"at": "{text}"}}')[0].startswith("$.at: ")


def test_cistring_accepts_printable_ascii_up_to_its_length() -> None:
    assert _parse('{"at": "2020-01-01T00:00:00Z", "code": "NL1"}').code == "NL1"


@pytest.mark.parametrize(
    ("value", "why"), [("ABCD", "at most 3"), ("É", "pattern"), ("A\\tB", "pattern")]
)
def test_cistring_rejects_too_long_and_non_printable_ascii(value: str, why: str) -> None:
    found = _paths(f'{{"at": "2020-01-01T00:00:00Z", "code": "{value}"}}')
    assert found[0].startswith("$.code: ")
    assert why in found[0]


def test_cistring_ids_fold_case_insensitively() -> None:
    assert fold_id("loc1") == fold_id("LOC1") == fold_id("Loc1")
    assert fold_id("loc1") != fold_id("loc2")


def test_string_allows_utf8_but_no_control_characters() -> None:
    assert _parse('{"at": "2020-01-01T00:00:00Z", "label": "Café"}').label == "Café"
    assert "$.label" in _paths('{"at": "2020-01-01T00:00:00Z", "label": "a\\nb"}')[0]


def test_number_is_a_decimal_never_a_float() -> None:
    sample = _parse('{"at": "2020-01-01T00:00:00Z", "amount": 0.1}')
    assert sample.amount == Decimal("0.1")
    assert isinstance(sample.amount, Decimal)
    assert sample.to_json() == b'{"at":"2020-01-01T00:00:00Z","amount":0.1}'


def test_number_sent_as_a_string_is_rejected() -> None:
    found = _paths('{"at": "2020-01-01T00:00:00Z", "amount": "0.1"}')
    assert found == ["$.amount: a number must be a JSON number, not the string '0.1'"]


def test_int_does_not_accept_a_float_or_a_string() -> None:
    assert _paths('{"at": "2020-01-01T00:00:00Z", "count": 5.5}')[0].startswith("$.count")
    assert _paths('{"at": "2020-01-01T00:00:00Z", "count": "5"}')[0].startswith("$.count")


def test_unknown_fields_are_accepted_and_written_back() -> None:
    sample = _parse('{"at": "2020-01-01T00:00:00Z", "x_custom": {"a": [1, 2]}}')
    assert sample.to_dict()["x_custom"] == {"a": [1, 2]}


def test_enum_value_outside_the_list_is_rejected_naming_the_field() -> None:
    found = _paths('{"at": "2020-01-01T00:00:00Z", "colour": "BLUE"}')
    assert found == ["$.colour: Input should be 'RED'"]


def test_optional_fields_may_be_omitted_and_are_not_written_as_null() -> None:
    sample = _parse('{"at": "2020-01-01T00:00:00Z"}')
    assert sample.code is None
    assert sample.to_json() == b'{"at":"2020-01-01T00:00:00Z"}'


def test_required_field_missing_is_named() -> None:
    assert _paths("{}") == ["$.at: Field required"]
