"""OCPI 2.2.1 mod_locations.asciidoc: the EVSE, Connector and "Data types" classes and rules.

The Location object and the spec's example files are in test_v221_locations.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from openroam.models.common import OcpiModel
from openroam.models.v221.locations import (
    EVSE,
    Connector,
    ConnectorType,
    EnergySource,
    Hours,
    Image,
    Location,
    PublishTokenType,
    RegularHours,
    Status,
)
from openroam.models.v221.tokens import TokenType


def _locs(model: type[OcpiModel], data: Any) -> list[tuple[str | int, ...]]:
    with pytest.raises(ValidationError) as error:
        model.from_json(json.dumps(data))
    return [e["loc"] for e in error.value.errors()]


def _connector(**changes: Any) -> dict[str, Any]:
    connector = {
        "id": "1",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 16,
        "last_updated": "2019-06-24T12:39:09Z",
    }
    connector.update(changes)
    return connector


def _evse(**changes: Any) -> dict[str, Any]:
    evse = {
        "uid": "3256",
        "status": "AVAILABLE",
        "connectors": [_connector()],
        "last_updated": "2019-06-24T12:39:09Z",
    }
    evse.update(changes)
    return evse


def _minimal_location(**changes: Any) -> dict[str, Any]:
    location = {
        "country_code": "NL",
        "party_id": "TNM",
        "id": "LOC1",
        "publish": True,
        "address": "Stationsplein 1",
        "city": "Amsterdam",
        "country": "NLD",
        "coordinates": {"latitude": "52.37892", "longitude": "4.90036"},
        "time_zone": "Europe/Amsterdam",
        "last_updated": "2019-06-24T12:39:09Z",
    }
    location.update(changes)
    return location


# --- Hours -----------------------------------------------------------------------------------

MONDAY_9_TO_5 = [{"weekday": 1, "period_begin": "09:00", "period_end": "17:00"}]


def test_hours_24_7_without_regular_hours() -> None:
    """mod_locations.asciidoc "Hours class": twentyfourseven=true needs no regular_hours."""
    assert Hours.from_json(b'{"twentyfourseven": true}').regular_hours is None


def test_hours_regular_hours_when_not_24_7() -> None:
    hours = Hours.from_json(json.dumps({"twentyfourseven": False, "regular_hours": MONDAY_9_TO_5}))
    assert hours.regular_hours is not None


@pytest.mark.parametrize("regular_hours", [None, []])
def test_hours_not_24_7_needs_regular_hours(regular_hours: list[Any] | None) -> None:
    """mod_locations.asciidoc "Hours class": when twentyfourseven=false, regular_hours "needs
    to contain at least one RegularHours object"."""
    data: dict[str, Any] = {"twentyfourseven": False}
    if regular_hours is not None:
        data["regular_hours"] = regular_hours
    assert _locs(Hours, data) == [("regular_hours",)]


def test_hours_regular_hours_only_when_not_24_7() -> None:
    """mod_locations.asciidoc "Hours class": regular_hours is "only to be used if
    twentyfourseven=false"."""
    assert _locs(Hours, {"twentyfourseven": True, "regular_hours": MONDAY_9_TO_5}) == [
        ("regular_hours",)
    ]


def test_hours_rule_is_reported_inside_a_location() -> None:
    data = _minimal_location(opening_times={"twentyfourseven": False})
    assert _locs(Location, data) == [("opening_times", "regular_hours")]


# --- RegularHours ----------------------------------------------------------------------------


def _regular(weekday: object = 1, begin: object = "08:00", end: object = "20:00") -> Any:
    return {"weekday": weekday, "period_begin": begin, "period_end": end}


@pytest.mark.parametrize("weekday", [1, 7])
def test_regular_hours_weekday_range(weekday: int) -> None:
    """mod_locations.asciidoc "RegularHours class": weekday from Monday (1) till Sunday (7)."""
    assert RegularHours.from_json(json.dumps(_regular(weekday=weekday))).weekday == weekday


@pytest.mark.parametrize("weekday", [0, 8, -1, "1", 1.0])
def test_regular_hours_weekday_out_of_range(weekday: object) -> None:
    assert _locs(RegularHours, _regular(weekday=weekday)) == [("weekday",)]


@pytest.mark.parametrize("begin", ["00:00", "09:59", "19:30", "23:58"])
def test_regular_hours_time_format(begin: str) -> None:
    """mod_locations.asciidoc "RegularHours class": ([0-1][0-9]|2[0-3]):[0-5][0-9]."""
    assert RegularHours.from_json(json.dumps(_regular(begin=begin, end="23:59"))).period_begin


@pytest.mark.parametrize("value", ["24:00", "8:00", "08:60", "0800", "08:00:00", "08h00"])
@pytest.mark.parametrize("field", ["period_begin", "period_end"])
def test_regular_hours_time_format_rejected(field: str, value: str) -> None:
    data = _regular()
    data[field] = value
    assert _locs(RegularHours, data) == [(field,)]


@pytest.mark.parametrize(("begin", "end"), [("20:00", "08:00"), ("08:00", "08:00")])
def test_regular_hours_end_later_than_begin(begin: str, end: str) -> None:
    """mod_locations.asciidoc "RegularHours class": period_end "Must be later than
    period_begin"; a period past midnight must be split over two weekdays."""
    assert _locs(RegularHours, _regular(begin=begin, end=end)) == [("period_end",)]


@pytest.mark.parametrize("begin", ["00:00", "18:00", "23:59"])
def test_regular_hours_end_at_midnight(begin: str) -> None:
    """An end of 00:00 is midnight at the end of the day (the regex has no 24:00; the same
    convention as mod_tariffs.asciidoc TariffRestrictions end_time: "To stop at end of the day
    use: 00:00"), so it is later than every begin."""
    assert RegularHours.from_json(json.dumps(_regular(begin=begin, end="00:00"))).period_end


# --- PublishTokenType ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        {"uid": "12345678905880", "type": "RFID"},
        {"visual_number": "12345-67", "issuer": "NewMotion"},
        {"group_id": "DF000-2001-8999"},
        {"group_id": "DF000-2001-8999", "issuer": "NewMotion"},
    ],
)
def test_publish_token_identifying_fields(token: dict[str, str]) -> None:
    """mod_locations.asciidoc "PublishTokenType class": at least one of uid, visual_number or
    group_id; uid with type; visual_number with issuer."""
    assert PublishTokenType.from_json(json.dumps(token))


def test_publish_token_uid_type() -> None:
    token = PublishTokenType.from_json(b'{"uid": "12345678905880", "type": "APP_USER"}')
    assert token.type is TokenType.APP_USER


@pytest.mark.parametrize(
    ("token", "locs"),
    [
        ({}, [()]),
        ({"issuer": "NewMotion", "type": "RFID"}, [()]),
        ({"uid": "12345678905880"}, [("type",)]),
        ({"visual_number": "12345-67"}, [("issuer",)]),
        ({"uid": "12345678905880", "visual_number": "12345-67"}, [("type",), ("issuer",)]),
    ],
)
def test_publish_token_rules_rejected(token: dict[str, str], locs: list[Any]) -> None:
    assert _locs(PublishTokenType, token) == locs


def test_publish_token_rule_is_reported_inside_a_location() -> None:
    data = _minimal_location(publish=False, publish_allowed_to=[{"group_id": "G1"}, {"uid": "X"}])
    assert _locs(Location, data) == [("publish_allowed_to", 1, "type")]


# --- EVSE and Connector ----------------------------------------------------------------------


def test_evse_minimal() -> None:
    """mod_locations.asciidoc "EVSE Object"."""
    evse = EVSE.from_json(json.dumps(_evse()))
    assert evse.status is Status.AVAILABLE


def test_evse_needs_a_connector() -> None:
    """mod_locations.asciidoc "EVSE Object": connectors has cardinality + (at least one)."""
    assert _locs(EVSE, _evse(connectors=[])) == [("connectors",)]


def test_connector_ids_unique_within_evse() -> None:
    """mod_locations.asciidoc "Connector Object": two Connectors may share an id only when
    they belong to different EVSEs (compared case-insensitively, it is a CiString)."""
    connectors = [_connector(id="a"), _connector(id="b"), _connector(id="A")]
    assert _locs(EVSE, _evse(connectors=connectors)) == [("connectors", 2, "id")]


def test_connector_ids_may_repeat_across_evses() -> None:
    location = _minimal_location(evses=[_evse(uid="E1"), _evse(uid="E2")])
    assert Location.from_json(json.dumps(location)).evses is not None


@pytest.mark.parametrize(
    ("field", "limit"), [("floor_level", 4), ("physical_reference", 16), ("evse_id", 48)]
)
def test_evse_field_lengths(field: str, limit: int) -> None:
    assert getattr(EVSE.from_json(json.dumps(_evse(**{field: "1" * limit}))), field)
    assert _locs(EVSE, _evse(**{field: "1" * (limit + 1)})) == [(field,)]


@pytest.mark.parametrize(
    "standard", ["IEC_60309_2_single_16", "IEC_62196_T2_COMBO", "CHAOJI", "DOMESTIC_O"]
)
def test_connector_standard_values(standard: str) -> None:
    """mod_locations.asciidoc "ConnectorType enum", including the mixed-case IEC 60309 values."""
    connector = Connector.from_json(json.dumps(_connector(standard=standard)))
    assert connector.standard is ConnectorType(standard)


@pytest.mark.parametrize("standard", ["IEC_60309_2_SINGLE_16", "iec_62196_t2", "TYPE2"])
def test_connector_standard_is_case_sensitive(standard: str) -> None:
    assert _locs(Connector, _connector(standard=standard)) == [("standard",)]


@pytest.mark.parametrize("field", ["max_voltage", "max_amperage", "max_electric_power"])
@pytest.mark.parametrize("value", ["230", 230.5])
def test_connector_integers(field: str, value: object) -> None:
    """mod_locations.asciidoc "Connector Object": max_voltage etc. are int."""
    assert _locs(Connector, _connector(**{field: value})) == [(field,)]


@pytest.mark.parametrize(
    "field", ["id", "standard", "format", "power_type", "max_voltage", "max_amperage"]
)
def test_connector_required_fields(field: str) -> None:
    data = _connector()
    del data[field]
    assert _locs(Connector, data) == [(field,)]


# --- Image, EnergySource ---------------------------------------------------------------------


def _image(**changes: Any) -> dict[str, Any]:
    image = {"url": "https://example.com/img/logo.jpg", "category": "OPERATOR", "type": "jpeg"}
    image.update(changes)
    return image


@pytest.mark.parametrize("field", ["width", "height"])
def test_image_size_is_int5(field: str) -> None:
    """mod_locations.asciidoc "Image class": width and height are int(5)."""
    assert getattr(Image.from_json(json.dumps(_image(**{field: 99999}))), field) == 99999
    assert _locs(Image, _image(**{field: 100000})) == [(field,)]


def test_image_type_is_cistring4() -> None:
    assert _locs(Image, _image(type="jpeg2")) == [("type",)]


@pytest.mark.parametrize("percentage", [0, 35.9, 100])
def test_energy_source_percentage_range(percentage: float) -> None:
    """mod_locations.asciidoc "EnergySource class": percentage (0-100) in the mix."""
    source = EnergySource.from_json(json.dumps({"source": "SOLAR", "percentage": percentage}))
    assert 0 <= source.percentage <= 100


@pytest.mark.parametrize("percentage", [-1, 100.1])
def test_energy_source_percentage_out_of_range(percentage: float) -> None:
    data = {"source": "SOLAR", "percentage": percentage}
    assert _locs(EnergySource, data) == [("percentage",)]
