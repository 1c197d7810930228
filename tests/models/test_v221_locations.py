"""OCPI 2.2.1 mod_locations.asciidoc: the Location models against the spec's rules, our own
documents (tests/documents/) and, where the spec is there, its examples."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from openroam.models.common import OcpiModel
from openroam.models.v221.locations import (
    EVSE,
    Connector,
    ConnectorPatch,
    EnergyMix,
    EVSEPatch,
    Hours,
    Location,
    LocationPatch,
)
from tests import documents
from tests.spec_examples import EXAMPLES_221, example_bytes, spec_example

# The spec's example files, by name (the files are read only by the spec_example cases).
LOCATION_EXAMPLES = [
    "location_example.json",
    "location_example_parking_garage_opening_hours.json",
    "location_example_uc2_destination_charger.json",
    "location_example_uc3_destination_charger_not_published.json",
    "location_example_uc4_limited_visibility.json",
    "location_example_uc5_home_charge_point.json",
]
HOURS_EXAMPLES = [
    "location_hours_247_open_exception_closing.json",
    "location_hours_opening_hours_with_exceptional_closing.json",
    "location_hours_opening_hours_with_exceptional_opening.json",
]
ENERGY_MIX_EXAMPLES = [
    "location_energymix_example_complete.json",
    "location_energymix_example_energy_provider.json",
    "location_energymix_example_simple.json",
]
PATCH_EXAMPLES = [
    ("location_patch_example_location.json", LocationPatch),
    ("location_patch_example_status.json", EVSEPatch),
    ("location_patch_example_remove_evse.json", EVSEPatch),
    ("location_patch_example_tariff.json", ConnectorPatch),
]
# Our own documents, by model.
OUR_DOCUMENTS = [
    ("location.json", Location),
    ("location_not_published.json", Location),
    ("evse.json", EVSE),
    ("connector.json", Connector),
    ("hours.json", Hours),
    ("energy_mix.json", EnergyMix),
    ("location_patch.json", LocationPatch),
    ("evse_patch.json", EVSEPatch),
    ("connector_patch.json", ConnectorPatch),
]


class EnergyMixFragment(OcpiModel):
    """The location_energymix_* examples wrap an EnergyMix as {"energy_mix": ...}."""

    energy_mix: EnergyMix


class OpeningTimesFragment(OcpiModel):
    """location_regularhours_example wraps an Hours object as {"opening_times": ...}."""

    opening_times: Hours


def _as_decimal_json(data: bytes) -> Any:
    return json.loads(data, parse_float=Decimal)


def _round_trips(model: type[OcpiModel], raw: bytes) -> None:
    parsed = model.from_json(raw)
    assert _as_decimal_json(parsed.to_json()) == _as_decimal_json(raw)


def _location(**changes: Any) -> dict[str, Any]:
    """Our Location document (tests/documents/location.json), with ``changes``."""
    location: dict[str, Any] = documents.load("location.json")
    location.update(changes)
    return location


def _locs(model: type[OcpiModel], data: Any) -> list[tuple[str | int, ...]]:
    with pytest.raises(ValidationError) as error:
        model.from_json(json.dumps(data))
    return [e["loc"] for e in error.value.errors()]


# --- our own documents ------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "model"), OUR_DOCUMENTS)
def test_documents_round_trip(name: str, model: type[OcpiModel]) -> None:
    """Our Location, EVSE, Connector, Hours, EnergyMix and PATCH bodies serialise back equal."""
    _round_trips(model, documents.raw(name))


def test_location_document_values() -> None:
    location = Location.from_json(documents.raw("location.json"))
    assert location.evses is not None
    assert [evse.uid for evse in location.evses] == ["UTR01-E1", "UTR01-E2"]
    assert [c.max_electric_power for c in location.evses[0].connectors] == [22000, None]
    assert location.opening_times is not None
    assert location.opening_times.regular_hours is not None
    assert location.opening_times.regular_hours[0].period_end == "00:00"
    assert location.charging_when_closed is False


def test_energy_mix_numbers_are_decimals() -> None:
    mix = EnergyMix.from_json(documents.raw("energy_mix.json"))
    impact = mix.environ_impact
    assert impact is not None
    assert impact[1].amount == Decimal("0.0003")
    assert mix.energy_sources is not None
    assert sum(source.percentage for source in mix.energy_sources) == 100


def test_evse_with_an_incomplete_connector_is_not_a_valid_evse() -> None:
    """mod_locations.asciidoc "Connector Object": power_type, max_voltage, max_amperage and
    last_updated are required, and "EVSE Object" physical_reference is a string. Our invalid
    EVSE (tests/documents/invalid/evse.json) has all of these wrong."""
    with pytest.raises(ValidationError) as error:
        EVSE.from_json(documents.invalid_path("evse.json").read_bytes())
    errors = [(e["loc"], e["type"]) for e in error.value.errors()]
    assert errors == [
        (("connectors", 0, "power_type"), "missing"),
        (("connectors", 0, "max_voltage"), "missing"),
        (("connectors", 0, "max_amperage"), "missing"),
        (("connectors", 0, "last_updated"), "missing"),
        (("physical_reference",), "string_type"),
    ]


# --- the spec's examples ---------------------------------------------------------------------


@spec_example
def test_examples_found() -> None:
    """The name lists above are the spec folder's Location, Hours and EnergyMix examples."""
    assert sorted(p.name for p in EXAMPLES_221.glob("location_example*.json")) == LOCATION_EXAMPLES
    assert sorted(p.name for p in EXAMPLES_221.glob("location_hours_*.json")) == HOURS_EXAMPLES
    assert (
        sorted(p.name for p in EXAMPLES_221.glob("location_energymix_*.json"))
        == ENERGY_MIX_EXAMPLES
    )


@spec_example
@pytest.mark.parametrize("name", LOCATION_EXAMPLES)
def test_location_examples_round_trip(name: str) -> None:
    """mod_locations.asciidoc "Location Object" examples parse and serialise back equal."""
    _round_trips(Location, example_bytes(name))


@spec_example
@pytest.mark.parametrize("name", HOURS_EXAMPLES)
def test_hours_examples_round_trip(name: str) -> None:
    """mod_locations.asciidoc "Hours class" examples."""
    _round_trips(Hours, example_bytes(name))


@spec_example
def test_regular_hours_example_round_trips() -> None:
    """mod_locations.asciidoc "RegularHours class" example (an {"opening_times": ...} fragment)."""
    _round_trips(OpeningTimesFragment, example_bytes("location_regularhours_example.json"))


@spec_example
@pytest.mark.parametrize("name", ENERGY_MIX_EXAMPLES)
def test_energy_mix_examples_round_trip(name: str) -> None:
    """mod_locations.asciidoc "EnergyMix class" examples ({"energy_mix": ...} fragments)."""
    _round_trips(EnergyMixFragment, example_bytes(name))


@spec_example
def test_energy_mix_example_numbers_are_decimals() -> None:
    fragment = EnergyMixFragment.from_json(
        example_bytes("location_energymix_example_complete.json")
    )
    impact = fragment.energy_mix.environ_impact
    assert impact is not None
    assert impact[0].amount == Decimal("0.0006")


@spec_example
@pytest.mark.parametrize(("name", "model"), PATCH_EXAMPLES)
def test_patch_examples_round_trip(name: str, model: type[OcpiModel]) -> None:
    """mod_locations.asciidoc "PATCH Method" examples, each on its own object's endpoint."""
    _round_trips(model, example_bytes(name))


@spec_example
def test_add_evse_example_is_not_a_valid_evse() -> None:
    """docs/spec-decisions.md "Invalid example: location_put_example_add_evse.json": the file
    misses the connector's required fields
    (power_type, max_voltage, max_amperage, last_updated) and has a numeric physical_reference.
    mod_locations.asciidoc "add an EVSE": such an object may be discarded."""
    with pytest.raises(ValidationError) as error:
        EVSE.from_json(example_bytes("location_put_example_add_evse.json"))
    errors = [(e["loc"], e["type"]) for e in error.value.errors()]
    assert errors == [
        (("connectors", 0, "power_type"), "missing"),
        (("connectors", 0, "max_voltage"), "missing"),
        (("connectors", 0, "max_amperage"), "missing"),
        (("connectors", 0, "last_updated"), "missing"),
        (("physical_reference",), "string_type"),
    ]


# --- PATCH models ----------------------------------------------------------------------------


@pytest.mark.parametrize("model", [LocationPatch, EVSEPatch, ConnectorPatch])
def test_patch_requires_last_updated(model: type[OcpiModel]) -> None:
    """mod_locations.asciidoc "PATCH Method": any PATCH SHALL contain last_updated."""
    assert _locs(model, {}) == [("last_updated",)]


def test_evse_patch_validates_values_like_a_put() -> None:
    body = {"status": "BROKEN", "last_updated": "2019-06-24T12:39:09Z"}
    assert _locs(EVSEPatch, body) == [("status",)]


def test_location_patch_checks_time_zone() -> None:
    body = {"time_zone": "Mars/Olympus_Mons", "last_updated": "2019-06-24T12:39:09Z"}
    assert _locs(LocationPatch, body) == [("time_zone",)]


# --- Location object -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        "country_code",
        "party_id",
        "id",
        "publish",
        "address",
        "city",
        "country",
        "coordinates",
        "time_zone",
        "last_updated",
    ],
)
def test_location_required_fields(field: str) -> None:
    """mod_locations.asciidoc "Location Object": fields with cardinality 1 are required."""
    data = _location()
    del data[field]
    assert _locs(Location, data) == [(field,)]


@pytest.mark.parametrize(("field", "limit"), [("address", 255), ("state", 45)])
def test_location_address_and_state_lengths(field: str, limit: int) -> None:
    """mod_locations.asciidoc "Location Object" NOTE: address is string(255) and state
    string(45); earlier documents said 45 and 20 by mistake."""
    assert getattr(Location.from_json(json.dumps(_location(**{field: "x" * limit}))), field)
    assert _locs(Location, _location(**{field: "x" * (limit + 1)})) == [(field,)]


@pytest.mark.parametrize("zone", ["Europe/Oslo", "Europe/Zurich", "America/Argentina/Salta", "UTC"])
def test_location_time_zone_accepts_iana_names(zone: str) -> None:
    """mod_locations.asciidoc "Location Object": time_zone is one of IANA tzdata's TZ values."""
    assert Location.from_json(json.dumps(_location(time_zone=zone))).time_zone == zone


@pytest.mark.parametrize("zone", ["Europe/Atlantis", "europe/oslo", "CET+1", "localtime", ""])
def test_location_time_zone_rejects_other_names(zone: str) -> None:
    assert _locs(Location, _location(time_zone=zone)) == [("time_zone",)]


@pytest.mark.parametrize("country", ["NL", "nld", "NLDX", "N1D"])
def test_location_country_is_alpha3(country: str) -> None:
    """mod_locations.asciidoc "Location Object": country is ISO 3166-1 alpha-3."""
    assert _locs(Location, _location(country=country)) == [("country",)]


def test_publish_allowed_to_only_when_not_published() -> None:
    """mod_locations.asciidoc "Location Object": publish_allowed_to "may only be used when
    the publish field is set to false"."""
    tokens = [{"uid": "12345678905880", "type": "RFID"}]
    hidden = Location.from_json(json.dumps(_location(publish=False, publish_allowed_to=tokens)))
    assert hidden.publish_allowed_to is not None
    assert _locs(Location, _location(publish=True, publish_allowed_to=tokens)) == [
        ("publish_allowed_to",)
    ]


def test_evse_uids_unique_within_location() -> None:
    """mod_locations.asciidoc "EVSE Object": uid is unique within the CPO platform
    (compared case-insensitively, it is a CiString)."""
    data = _location()
    data["evses"][1]["uid"] = data["evses"][0]["uid"]
    assert _locs(Location, data) == [("evses", 1, "uid")]


# --- GeoLocation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [("51.04759", "3.72994"), ("-9.0475990", "-126.104965"), ("0.00000", "179.1234567")],
)
def test_geolocation_accepts_spec_regex(latitude: str, longitude: str) -> None:
    """mod_locations.asciidoc "GeoLocation class": -?[0-9]{1,2}\\.[0-9]{5,7} and
    -?[0-9]{1,3}\\.[0-9]{5,7}."""
    coordinates = {"latitude": latitude, "longitude": longitude}
    assert Location.from_json(json.dumps(_location(coordinates=coordinates))).coordinates


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("latitude", "51.0475"),  # four decimals: less than the minimum of five
        ("latitude", "151.04759"),  # three integer digits
        ("latitude", "51,04759"),  # comma as decimal separator
        ("latitude", "51.047599012"),  # more than seven decimals
        ("longitude", "1234.12345"),  # four integer digits
        ("longitude", "+3.729944"),  # explicit plus sign
        ("longitude", 3.729944),  # a number, not a string
    ],
)
def test_geolocation_rejects_other_formats(field: str, value: object) -> None:
    coordinates = {"latitude": "51.047599", "longitude": "3.729944", field: value}
    assert _locs(Location, _location(coordinates=coordinates)) == [("coordinates", field)]


def test_related_locations_use_the_same_regex() -> None:
    """mod_locations.asciidoc "AdditionalGeoLocation class": latitude/longitude as GeoLocation."""
    related = [{"latitude": "51.04759", "longitude": "3.7"}]
    assert _locs(Location, _location(related_locations=related)) == [
        ("related_locations", 0, "longitude")
    ]
