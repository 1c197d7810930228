"""Lenient reading's DateTime repairs (openroam.models._lenient; docs/spec-decisions.md
"DateTimes with a space or an offset"): every listed deviation is repaired into the spec's form
(types.asciidoc "DateTime"), what conforms or is wrong otherwise is left as it is, and only
DateTime fields are ever rewritten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from openroam._services.reading import read_json
from openroam.models._lenient import deviation_kinds, respell, respell_errors
from openroam.models.common import DateTime, OcpiModel, String, format_datetime, parse_datetime
from openroam.models.v221.locations import Location
from tests.api.support import location


class Sample(OcpiModel):
    at: DateTime
    label: String | None = None
    times: list[DateTime] | None = None
    inner: list[Sample] | None = None


@pytest.mark.parametrize(
    ("text", "expected", "kinds"),
    [
        ("2026-01-02 10:00:00Z", "2026-01-02T10:00:00Z", ("space",)),
        ("2026-01-02 10:00:00", "2026-01-02T10:00:00", ("space",)),
        ("2026-01-02 10:00:00.25Z", "2026-01-02T10:00:00.25Z", ("space",)),
        ("2026-01-02T10:00:00+00:00", "2026-01-02T10:00:00Z", ("utc_offset",)),
        ("2026-01-02T10:00:00-00:00", "2026-01-02T10:00:00Z", ("utc_offset",)),
        ("2026-01-02T10:00:00.123+00:00", "2026-01-02T10:00:00.123Z", ("utc_offset",)),
        (
            "2026-01-02 10:00:00.123456+00:00",  # Python's str(datetime.now(timezone.utc))
            "2026-01-02T10:00:00.123456Z",
            ("space", "utc_offset"),
        ),
        ("2026-01-02T11:30:00+01:30", "2026-01-02T10:00:00Z", ("offset",)),
        ("2026-01-01T22:00:00-03:00", "2026-01-02T01:00:00Z", ("offset",)),
        ("2026-01-02 00:30:00.5+02:00", "2026-01-01T22:30:00.5Z", ("space", "offset")),
    ],
)
def test_every_listed_deviation_is_respelled_in_the_spec_form(
    text: str, expected: str, kinds: tuple[str, ...]
) -> None:
    assert respell(text) == (expected, kinds)
    assert deviation_kinds(text) == kinds
    instant = datetime.fromisoformat(text)  # Python reads all of these
    assert parse_datetime(expected) == (instant if instant.tzinfo else instant.replace(tzinfo=UTC))


@pytest.mark.parametrize(
    "text",
    [
        # conform already (types.asciidoc "DateTime" examples): nothing to repair
        "2015-06-29T20:39:09Z",
        "2015-06-29T20:39:09",
        "2016-12-29T17:45:09.2Z",
        "2018-01-01T01:08:01.123",
        # wrong in other ways: not repaired, the strict error stands
        "2015-06-29T20:39:09z",
        "2015-06-29t20:39:09Z",
        "2015-06-29  20:39:09Z",
        "2015-06-29 20:39Z",
        "2015-6-29 20:39:09Z",
        "29-06-2015 20:39:09Z",
        "2015-13-29 20:39:09Z",
        "2015-06-29 24:00:00Z",
        "2015-06-29T20:39:09+0000",
        "2015-06-29T20:39:09+25:00",
        "2015-06-29T20:39:09+01:60",
        "0001-01-01T00:30:00+01:00",  # before year 1 in UTC
        "2015-06-29 20:39:09 +00:00",
        "not a date",
        "",
    ],
)
def test_conform_or_otherwise_wrong_text_is_not_respelled(text: str) -> None:
    assert respell(text) is None


moments = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2999, 12, 31), timezones=st.just(UTC)
)


@given(
    moment=moments,
    space=st.booleans(),
    fraction=st.sampled_from(["", ".5", ".123", ".123456"]),
    minutes=st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59),
)
def test_a_respelled_datetime_is_the_same_instant_and_conform(
    moment: datetime, space: bool, fraction: str, minutes: int
) -> None:
    zone = timezone(timedelta(minutes=minutes))
    local = moment.astimezone(zone)
    offset = local.isoformat(timespec="seconds")[19:]
    text = f"{local:%Y-%m-%d}{' ' if space else 'T'}{local:%H:%M:%S}{fraction}{offset}"
    respelled = respell(text)
    assert respelled is not None
    assert respelled[0].endswith("Z")
    assert respelled[0][10] == "T"
    kinds = set(respelled[1])
    assert ("space" in kinds) == space
    assert kinds - {"space"} == ({"utc_offset"} if minutes == 0 else {"offset"})
    # The strict parser takes the respelled text, as the same instant (whole seconds).
    read = parse_datetime(respelled[0]).replace(microsecond=0)
    assert read == moment.replace(microsecond=0)


@given(moment=moments, designator=st.sampled_from(["Z", ""]))
def test_a_conform_datetime_is_never_respelled(moment: datetime, designator: str) -> None:
    assert respell(format_datetime(moment)[:-1] + designator) is None


def _respelled(model: type[OcpiModel], document: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate_json(orjson.dumps(document))
    return [(one.field, one.original) for one in respell_errors(document, caught.value)]


def test_only_datetime_fields_are_rewritten_never_other_strings() -> None:
    deviant = "2026-01-02 10:00:00Z"
    document = {
        "at": deviant,
        "label": deviant,
        "times": ["2026-01-02T10:00:00Z", deviant],
        "inner": [{"at": "2026-01-02T10:00:00+00:00", "label": deviant}],
        "extra": deviant,  # an unknown field: kept as sent
    }
    found = _respelled(Sample, document)
    assert found == [
        ("at", deviant),
        ("times", deviant),
        ("inner.at", "2026-01-02T10:00:00+00:00"),
    ]
    assert document == {
        "at": "2026-01-02T10:00:00Z",
        "label": deviant,
        "times": ["2026-01-02T10:00:00Z", "2026-01-02T10:00:00Z"],
        "inner": [{"at": "2026-01-02T10:00:00Z", "label": deviant}],
        "extra": deviant,
    }


def test_lenient_read_of_a_location_keeps_its_strings_and_writes_the_spec_form() -> None:
    body = location("LOC1", "DE", "CPO", name="2026-01-02 10:00:00Z")
    body["last_updated"] = "2026-01-02 10:00:00Z"
    body["evses"][0]["last_updated"] = "2026-01-02T10:00:00+00:00"
    text = orjson.dumps(body)
    with pytest.raises(ValidationError):
        read_json(Location, text, lenient=False)
    model, found = read_json(Location, text, lenient=True)
    written = orjson.loads(model.to_json())
    assert written["name"] == "2026-01-02 10:00:00Z"
    assert written["last_updated"] == "2026-01-02T10:00:00Z"
    assert written["evses"][0]["last_updated"] == "2026-01-02T10:00:00Z"
    assert sorted((one.field, one.kinds) for one in found) == [
        ("evses.last_updated", ("utc_offset",)),
        ("last_updated", ("space",)),
    ]


def test_lenient_read_still_refuses_other_problems_with_their_paths() -> None:
    body = location("LOC1", "DEU", "CPO", last_updated="2026-01-02 10:00:00Z")
    with pytest.raises(ValidationError) as caught:
        read_json(Location, orjson.dumps(body), lenient=True)
    assert [e["loc"] for e in caught.value.errors()] == [("country_code",)]


def test_a_datetime_wrong_otherwise_is_refused_leniently_too() -> None:
    body = location("LOC1", "DE", "CPO", last_updated="2026-01-02 10:00Z")
    with pytest.raises(ValidationError) as caught:
        read_json(Location, orjson.dumps(body), lenient=True)
    assert [e["loc"] for e in caught.value.errors()] == [("last_updated",)]
