"""OCPI 2.1.1 mod_locations.md: Location, EVSE and Connector read and written back unchanged,
and the 2.1.1 rules (ASCII strings, UTC DateTimes, 2.1.1 enums and cardinalities) enforced."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pydantic import ValidationError

from openroam.models.common import OcpiModel
from openroam.models.v211.locations import (
    EVSE,
    Connector,
    ConnectorPatch,
    EnergyMix,
    EVSEPatch,
    Hours,
    Location,
    LocationPatch,
)
from tests.models.v211.documents import CONNECTOR, ENERGY_MIX, EVSE_DOC, HOURS, LOCATION
from tests.models.v211.roundtrip import as_json, round_trip

DOCUMENTS: list[tuple[type[OcpiModel], dict[str, Any]]] = [
    (Location, LOCATION),
    (EVSE, EVSE_DOC),
    (Connector, CONNECTOR),
    (Hours, HOURS),
    (Hours, {"twentyfourseven": True}),
    (EnergyMix, ENERGY_MIX),
    (LocationPatch, {"name": "Interparking Gent Zuid"}),
    (EVSEPatch, {"status": "CHARGING"}),
    (ConnectorPatch, {"tariff_id": "15"}),
]


@pytest.mark.parametrize(("model", "document"), DOCUMENTS)
def test_document_round_trips_unchanged(model: type[OcpiModel], document: dict[str, Any]) -> None:
    assert round_trip(model, document) == as_json(document)


def test_minimal_location_round_trips() -> None:
    minimal = {
        key: LOCATION[key]
        for key in (
            "id",
            "type",
            "address",
            "city",
            "postal_code",
            "country",
            "coordinates",
            "last_updated",
        )
    }
    assert round_trip(Location, minimal) == as_json(minimal)


def _refused(model: type[OcpiModel], document: dict[str, Any]) -> list[Any]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate_json(json.dumps(document))
    return [error["loc"] for error in caught.value.errors()]


def _changed(
    path: list[str | int], value: Any, document: dict[str, Any] = LOCATION
) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target: Any = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return changed


@pytest.mark.parametrize("field", ["type", "postal_code", "address", "last_updated"])
def test_required_location_fields(field: str) -> None:
    document = {k: v for k, v in LOCATION.items() if k != field}
    assert (field,) in _refused(Location, document)


def test_time_zone_is_optional_but_checked() -> None:
    document = {k: v for k, v in LOCATION.items() if k != "time_zone"}
    Location.model_validate_json(json.dumps(document))
    assert ("time_zone",) in _refused(Location, _changed(["time_zone"], "Mars/Olympus"))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["name"], "Café Zuid"),  # 2.1.1 strings are printable ASCII (types.md 1.5)
        (["address"], "x" * 46),  # string(45)
        (["id"], "x" * 40),  # string(39)
        (["last_updated"], "2026-03-16T10:10:02+01:00"),  # DateTime in UTC (types.md 1.2)
        (["last_updated"], "2026-03-16T10:10:02+00:00"),  # "+00:00 is not the same as UTC"
        (["type"], "ON_DRIVEWAY"),  # a 2.2.1 ParkingType, not a 2.1.1 LocationType
        (["facilities", 0], "BIKE_SHARING"),  # 2.2.1 only
        (["coordinates", "latitude"], "52.37021"),  # exactly six decimals
        (["evses", 0, "connectors", 0, "standard"], "NEMA_5_20"),  # 2.2.1 only
        (["evses", 0, "connectors", 0, "power_type"], "AC_2_PHASE"),  # 2.2.1 only
        (["evses", 0, "capabilities", 0], "CHIP_CARD_SUPPORT"),  # 2.2.1 only
        (["evses", 0, "uid"], "x" * 40),  # string(39)
        (["evses", 0, "connectors", 1, "id"], "1"),  # unique within the EVSE
        (["evses", 0, "connectors", 0, "voltage"], 230.5),  # int
        (["opening_times", "regular_hours", 0, "period_end"], "07:00"),  # later than begin
        (["opening_times", "regular_hours", 0, "weekday"], 8),
    ],
)
def test_location_refuses(path: list[str | int], value: Any) -> None:
    _refused(Location, _changed(path, value))


@pytest.mark.parametrize("field", ["voltage", "amperage", "last_updated", "power_type"])
def test_connector_required_fields(field: str) -> None:
    document = {k: v for k, v in CONNECTOR.items() if k != field}
    assert (field,) in _refused(Connector, document)


def test_connector_has_2_1_1_field_names() -> None:
    # 2.2.1's max_voltage/max_amperage/tariff_ids are no 2.1.1 fields: kept as unknown extras.
    document = {k: v for k, v in CONNECTOR.items() if k not in ("voltage", "amperage")}
    document |= {"max_voltage": 230, "max_amperage": 32}
    assert {("voltage",), ("amperage",)} <= set(_refused(Connector, document))


def test_evse_needs_a_connector() -> None:
    assert ("connectors",) in _refused(EVSE, {**EVSE_DOC, "connectors": []})


@pytest.mark.parametrize(
    "hours",
    [
        {},
        {"twentyfourseven": False},
        {
            "twentyfourseven": True,
            "regular_hours": [{"weekday": 1, "period_begin": "08:00", "period_end": "20:00"}],
        },
    ],
)
def test_hours_choice_of_two(hours: dict[str, Any]) -> None:
    _refused(Hours, hours)


def test_hours_regular_hours_alone_is_the_table_reading() -> None:
    document = {"regular_hours": [{"weekday": 1, "period_begin": "08:00", "period_end": "20:00"}]}
    assert round_trip(Hours, document) == as_json(document)


def test_patch_needs_no_last_updated_but_checks_values() -> None:
    assert round_trip(EVSEPatch, {"status": "REMOVED"}) == {"status": "REMOVED"}
    _refused(EVSEPatch, {"status": "GONE"})
    _refused(LocationPatch, {"name": "Gent Zuid \u2013 Centrum"})
