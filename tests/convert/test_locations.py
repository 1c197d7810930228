"""The Locations converter (2.2.1 stored, 2.1.1 at the edge): every output is validated by the
target version's models; the round trip 2.2.1 → 2.1.1 → 2.2.1 keeps what 2.1.1 can carry."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openroam._convert._context import Context, Owner
from openroam._convert.locations import (
    CONVERTER,
    Unconvertible,
    ascii_text,
    location_for_session_v211,
    location_from_v211,
    location_to_v211,
    publishable_in_v211,
)
from openroam.models.v211 import locations as v211
from openroam.models.v221 import locations as v221
from tests.convert import strictly

CONTEXT = Context(owner=Owner("NL", "ORM"), time_zone="Europe/Amsterdam")
PROPERTIES = settings(max_examples=50, deadline=None, derandomize=True)


def valid_v221(doc: dict[str, Any]) -> dict[str, Any]:
    v221.Location.from_json(json.dumps(doc))
    return doc


def valid_v211(doc: dict[str, Any]) -> dict[str, Any]:
    return strictly(v211.Location, doc)


def connector(**fields: Any) -> dict[str, Any]:
    return {
        "id": "1",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 16,
        "tariff_ids": ["T1"],
        "last_updated": "2026-12-01T10:00:00Z",
        **fields,
    }


def evse(**fields: Any) -> dict[str, Any]:
    return {
        "uid": "E1",
        "evse_id": "NL*ORM*E1",
        "status": "AVAILABLE",
        "capabilities": ["RESERVABLE", "RFID_READER"],
        "connectors": [connector()],
        "last_updated": "2026-12-01T10:00:00Z",
        **fields,
    }


def location(**fields: Any) -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "ORM",
        "id": "LOC1",
        "publish": True,
        "name": "Gent Zuid",
        "address": "F.Rooseveltlaan 3A",
        "city": "Gent",
        "postal_code": "9000",
        "country": "BEL",
        "coordinates": {"latitude": "51.047599", "longitude": "3.729944"},
        "parking_type": "ON_STREET",
        "evses": [evse()],
        "time_zone": "Europe/Brussels",
        "opening_times": {"twentyfourseven": True},
        "energy_mix": {
            "is_green_energy": False,
            "environ_impact": [{"category": "CARBON_DIOXIDE", "amount": 372}],
        },
        "last_updated": "2026-12-01T10:00:00Z",
        **fields,
    }


# --- 2.2.1 -> 2.1.1 ---------------------------------------------------------------------------


def test_a_location_is_sent_with_the_2_1_1_names() -> None:
    sent = valid_v211(location_to_v211(valid_v221(location())))
    assert sent["type"] == "ON_STREET"
    assert "parking_type" not in sent
    for key in ("country_code", "party_id", "publish"):
        assert key not in sent
    plug = sent["evses"][0]["connectors"][0]
    assert (plug["voltage"], plug["amperage"], plug["tariff_id"]) == (230, 16, "T1")
    assert {"max_voltage", "max_amperage", "tariff_ids"}.isdisjoint(plug)
    assert sent["energy_mix"]["environ_impact"] == [{"source": "CARBON_DIOXIDE", "amount": 372}]


@pytest.mark.parametrize(
    ("parking_type", "location_type"),
    [
        ("ON_STREET", "ON_STREET"),
        ("PARKING_GARAGE", "PARKING_GARAGE"),
        ("UNDERGROUND_GARAGE", "UNDERGROUND_GARAGE"),
        ("PARKING_LOT", "PARKING_LOT"),
        ("ALONG_MOTORWAY", "OTHER"),
        ("ON_DRIVEWAY", "OTHER"),
        (None, "UNKNOWN"),
    ],
)
def test_parking_type_becomes_location_type(parking_type: str | None, location_type: str) -> None:
    doc = location(parking_type=parking_type)
    if parking_type is None:
        del doc["parking_type"]
    assert valid_v211(location_to_v211(valid_v221(doc)))["type"] == location_type


def test_what_2_1_1_cannot_carry_is_left_out() -> None:
    doc = location(
        publish_allowed_to=None,
        state="Oost-Vlaanderen",
        facilities=["HOTEL", "METRO_STATION", "PARKING_LOT", "WIFI"],
        evses=[
            evse(
                capabilities=["RESERVABLE", "PED_TERMINAL", "TOKEN_GROUP_CAPABLE"],
                connectors=[
                    connector(id="1", max_electric_power=7000, tariff_ids=["T1", "T2"]),
                    connector(id="2", standard="GBT_AC"),
                    connector(id="3", power_type="AC_2_PHASE_SPLIT"),
                ],
            ),
            evse(uid="E2", connectors=[connector(standard="CHAOJI")]),
        ],
    )
    del doc["publish_allowed_to"]
    sent = valid_v211(location_to_v211(valid_v221(doc)))
    assert "state" not in sent
    assert sent["facilities"] == ["HOTEL", "WIFI"]
    assert [e["uid"] for e in sent["evses"]] == ["E1"]  # E2 had only a CHAOJI connector
    first = sent["evses"][0]
    assert first["capabilities"] == ["RESERVABLE"]
    assert [c["id"] for c in first["connectors"]] == ["1", "3"]
    assert first["connectors"][0]["tariff_id"] == "T1"
    assert "max_electric_power" not in first["connectors"][0]
    assert first["connectors"][1]["power_type"] == "AC_1_PHASE"


def test_coordinates_get_exactly_six_decimals() -> None:
    doc = location(
        coordinates={"latitude": "51.04759", "longitude": "-3.7299445"},
        related_locations=[{"latitude": "51.0475999", "longitude": "3.72994"}],
    )
    sent = valid_v211(location_to_v211(valid_v221(doc)))
    assert sent["coordinates"] == {"latitude": "51.047590", "longitude": "-3.729944"}
    assert sent["related_locations"] == [{"latitude": "51.047600", "longitude": "3.729940"}]


def test_text_becomes_printable_ascii_of_the_same_length() -> None:
    doc = location(
        name="Caf\u00e9 \u00c6r\u00f8 \u2013 Stra\u00dfe",
        address="Rue de l'Église 12, ünd noch viel mehr Text hinter der Hausnummer",
        directions=[{"language": "nl", "text": "Rechtsaf\u00a0bij de kerk \u2615"}],
    )
    sent = valid_v211(location_to_v211(valid_v221(doc)))
    assert sent["name"] == "Cafe ?r? ? Stra?e"
    assert sent["address"] == "Rue de l'Eglise 12, und noch viel mehr Text h"
    assert len(sent["address"]) == 45
    assert sent["directions"] == [{"language": "nl", "text": "Rechtsaf bij de kerk ?"}]
    assert ascii_text({"k": ["ﬁ", 1]}) == {"k": ["f", 1]}


def test_no_postal_code_is_sent_empty_and_read_back_as_none() -> None:
    doc = location()
    del doc["postal_code"]
    sent = valid_v211(location_to_v211(valid_v221(doc)))
    assert sent["postal_code"] == ""
    assert "postal_code" not in valid_v221(location_from_v211(sent, CONTEXT))


def test_regular_hours_are_sent_without_twentyfourseven_false() -> None:
    hours = {
        "twentyfourseven": False,
        "regular_hours": [{"weekday": 1, "period_begin": "08:00", "period_end": "20:00"}],
    }
    sent = valid_v211(location_to_v211(valid_v221(location(opening_times=hours))))
    assert sent["opening_times"] == {"regular_hours": hours["regular_hours"]}
    assert valid_v221(location_from_v211(sent, CONTEXT))["opening_times"] == hours


def test_only_published_locations_are_for_2_1_1() -> None:
    assert publishable_in_v211(location())
    assert not publishable_in_v211(location(publish=False))


# --- 2.1.1 -> 2.2.1 ---------------------------------------------------------------------------


def v211_location(**fields: Any) -> dict[str, Any]:
    return {
        "id": "LOC1",
        "type": "OTHER",
        "address": "F.Rooseveltlaan 3A",
        "city": "Gent",
        "postal_code": "9000",
        "country": "BEL",
        "coordinates": {"latitude": "51.047599", "longitude": "3.729944"},
        "evses": [
            {
                "uid": "E1",
                "status": "AVAILABLE",
                "connectors": [
                    {
                        "id": "1",
                        "standard": "IEC_62196_T2",
                        "format": "CABLE",
                        "power_type": "AC_3_PHASE",
                        "voltage": 220,
                        "amperage": 16,
                        "tariff_id": "11",
                        "last_updated": "2015-03-18T08:12:01Z",
                    }
                ],
                "last_updated": "2015-06-28T08:12:01Z",
            }
        ],
        "operator": {"name": "BeCharged"},
        "last_updated": "2015-06-29T20:39:09Z",
        **fields,
    }


def test_a_2_1_1_location_is_stored_with_what_2_2_1_requires() -> None:
    stored = valid_v221(location_from_v211(valid_v211(v211_location()), CONTEXT))
    assert (stored["country_code"], stored["party_id"]) == ("NL", "ORM")
    assert stored["publish"] is True
    assert stored["time_zone"] == "Europe/Amsterdam"
    assert "parking_type" not in stored
    assert "type" not in stored
    plug = stored["evses"][0]["connectors"][0]
    assert (plug["max_voltage"], plug["max_amperage"], plug["tariff_ids"]) == (220, 16, ["11"])


def test_a_2_1_1_time_zone_and_type_are_kept() -> None:
    doc = v211_location(type="PARKING_LOT", time_zone="Europe/Brussels")
    stored = valid_v221(location_from_v211(valid_v211(doc), CONTEXT))
    assert (stored["parking_type"], stored["time_zone"]) == ("PARKING_LOT", "Europe/Brussels")


def test_hours_without_regular_hours_are_twentyfourseven() -> None:
    hours = {
        "twentyfourseven": True,
        "exceptional_closings": [
            {"period_begin": "2026-12-25T00:00:00Z", "period_end": "2026-12-26T00:00:00Z"}
        ],
    }
    doc = v211_location(opening_times={"exceptional_closings": hours["exceptional_closings"]})
    assert valid_v221(location_from_v211(doc, CONTEXT))["opening_times"] == hours


def test_an_id_longer_than_36_cannot_be_stored() -> None:
    long_id = "L" * 39
    valid_v211(v211_location(id=long_id))
    with pytest.raises(Unconvertible, match=f"Location id '{long_id}'"):
        location_from_v211(v211_location(id=long_id), CONTEXT)
    doc = v211_location()
    doc["evses"][0]["uid"] = "E" * 37
    with pytest.raises(Unconvertible, match=r"EVSE uid 'E{37}'"):
        location_from_v211(doc, CONTEXT)
    with pytest.raises(Unconvertible):
        CONVERTER.patch_from_v211({"uid": "E" * 37}, CONTEXT, depth=1)


def test_coordinates_with_other_decimals_are_made_2_2_1() -> None:
    doc = v211_location(coordinates={"latitude": "51.0476", "longitude": "3.72994412"})
    stored = valid_v221(location_from_v211(doc, CONTEXT))
    assert stored["coordinates"] == {"latitude": "51.04760", "longitude": "3.7299441"}


# --- depth, PATCH, session embedding ------------------------------------------------------------


def test_evse_and_connector_depths() -> None:
    sent_evse = CONVERTER.to_v211(evse(), depth=1)
    strictly(v211.EVSE, sent_evse)
    sent_plug = CONVERTER.to_v211(connector(), depth=2)
    strictly(v211.Connector, sent_plug)
    v221.EVSE.from_json(json.dumps(CONVERTER.from_v211(sent_evse, CONTEXT, depth=1)))
    assert CONVERTER.from_v211(sent_plug, CONTEXT, depth=2) == connector()
    with pytest.raises(Unconvertible, match="ConnectorType"):
        CONVERTER.to_v211(connector(standard="NEMA_5_20"), depth=2)
    with pytest.raises(ValueError, match="depth"):
        CONVERTER.to_v211(location(), depth=3)


def test_patches_carry_only_their_fields() -> None:
    patch = {
        "parking_type": "ON_DRIVEWAY",
        "publish": False,
        "last_updated": "2026-12-01T10:00:00Z",
    }
    sent = CONVERTER.patch_to_v211(patch)
    assert sent == {"type": "OTHER", "last_updated": "2026-12-01T10:00:00Z"}
    strictly(v211.LocationPatch, sent)
    assert CONVERTER.patch_to_v211({"max_voltage": 400, "standard": "GBT_DC"}, depth=2) == {
        "voltage": 400
    }
    assert CONVERTER.patch_to_v211({"status": "CHARGING"}, depth=1) == {"status": "CHARGING"}
    stored = CONVERTER.patch_from_v211({"status": "CHARGING"}, CONTEXT, depth=1)
    assert stored["status"] == "CHARGING"
    assert "last_updated" in stored
    stored = CONVERTER.patch_from_v211({"type": "UNKNOWN", "name": "X"}, CONTEXT)
    assert set(stored) == {"name", "last_updated"}
    stored = CONVERTER.patch_from_v211({"tariff_id": "12", "amperage": 32}, CONTEXT, depth=2)
    assert (stored["tariff_ids"], stored["max_amperage"]) == (["12"], 32)


def test_a_session_embeds_only_its_evse_and_connector() -> None:
    doc = location(
        evses=[
            evse(uid="E1", connectors=[connector(id="1"), connector(id="2")]),
            evse(uid="E2", connectors=[connector(id="1")]),
        ]
    )
    embedded = valid_v211(location_for_session_v211(valid_v221(doc), "e1", "2"))
    assert [e["uid"] for e in embedded["evses"]] == ["E1"]
    assert [c["id"] for c in embedded["evses"][0]["connectors"]] == ["2"]
    assert embedded["name"] == "Gent Zuid"
    with pytest.raises(Unconvertible, match="no EVSE uid 'E9'"):
        location_for_session_v211(doc, "E9", "1")
    with pytest.raises(Unconvertible, match="no Connector id '7'"):
        location_for_session_v211(doc, "E1", "7")
    odd = location(evses=[evse(connectors=[connector(standard="PANTOGRAPH_TOP_DOWN")])])
    with pytest.raises(Unconvertible, match="PANTOGRAPH_TOP_DOWN"):
        location_for_session_v211(odd, "E1", "1")


# --- properties ---------------------------------------------------------------------------------

ascii_text_st = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20)
ids = st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=36)
stamps = st.sampled_from(["2026-12-01T10:00:00Z", "2025-01-31T23:59:59Z"])
coordinate = st.builds(
    lambda lat, lon: {"latitude": f"{lat:.6f}", "longitude": f"{lon:.6f}"},
    st.integers(-89_000_000, 89_000_000).map(lambda n: n / 1_000_000),
    st.integers(-179_000_000, 179_000_000).map(lambda n: n / 1_000_000),
)
display = st.builds(
    lambda lang, text: {"language": lang, "text": text},
    st.sampled_from(["en", "nl"]),
    ascii_text_st,
)
connectors = st.builds(
    lambda cid, standard, fmt, power, volt, amp, tariff, stamp: {
        "id": cid,
        "standard": standard,
        "format": fmt,
        "power_type": power,
        "max_voltage": volt,
        "max_amperage": amp,
        **({"tariff_ids": [tariff]} if tariff else {}),
        "last_updated": stamp,
    },
    st.sampled_from(["1", "2", "3"]),
    st.sampled_from(["CHADEMO", "IEC_62196_T2", "IEC_60309_2_single_16", "DOMESTIC_F", "TESLA_S"]),
    st.sampled_from(["SOCKET", "CABLE"]),
    st.sampled_from(["AC_1_PHASE", "AC_3_PHASE", "DC"]),
    st.integers(100, 1000),
    st.integers(6, 500),
    st.one_of(st.none(), ids),
    stamps,
)
evses = st.builds(
    lambda uid, status, caps, plugs, coords, directions, stamp: {
        "uid": uid,
        "status": status,
        **({"capabilities": caps} if caps else {}),
        "connectors": list({c["id"]: c for c in plugs}.values()),
        **({"coordinates": coords} if coords else {}),
        **({"directions": directions} if directions else {}),
        "last_updated": stamp,
    },
    ids,
    st.sampled_from(["AVAILABLE", "CHARGING", "REMOVED", "UNKNOWN"]),
    st.lists(st.sampled_from(["RESERVABLE", "RFID_READER", "UNLOCK_CAPABLE"]), unique=True),
    st.lists(connectors, min_size=1, max_size=3),
    st.one_of(st.none(), coordinate),
    st.lists(display, max_size=2),
    stamps,
)
hours = st.one_of(
    st.just({"twentyfourseven": True}),
    st.just(
        {
            "twentyfourseven": False,
            "regular_hours": [{"weekday": 2, "period_begin": "07:00", "period_end": "23:00"}],
        }
    ),
)
carried = st.fixed_dictionaries(
    {
        "country_code": st.just("NL"),
        "party_id": st.just("ORM"),
        "id": ids,
        "publish": st.just(True),
        "address": st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=45),
        "city": ascii_text_st,
        "country": st.sampled_from(["NLD", "BEL"]),
        "coordinates": coordinate,
        "evses": st.lists(evses, max_size=3).map(
            lambda es: list({e["uid"].upper(): e for e in es}.values())
        ),
        "time_zone": st.sampled_from(["Europe/Amsterdam", "UTC", "America/New_York"]),
        "last_updated": stamps,
    },
    optional={
        "name": ascii_text_st,
        "postal_code": st.text("0123456789AB ", min_size=1, max_size=10),
        "parking_type": st.sampled_from(
            sorted(["ON_STREET", "PARKING_GARAGE", "UNDERGROUND_GARAGE", "PARKING_LOT"])
        ),
        "facilities": st.lists(st.sampled_from(["HOTEL", "CAFE", "WIFI"]), min_size=1, unique=True),
        "opening_times": hours,
        "charging_when_closed": st.booleans(),
        "related_locations": st.lists(coordinate, min_size=1, max_size=2),
        "energy_mix": st.builds(
            lambda green, amount: {
                "is_green_energy": green,
                "environ_impact": [{"category": "NUCLEAR_WASTE", "amount": amount}],
            },
            st.booleans(),
            st.integers(0, 1000),
        ),
    },
)


@PROPERTIES
@given(carried)
def test_what_2_1_1_carries_survives_the_round_trip(doc: dict[str, Any]) -> None:
    valid_v221(doc)
    sent = valid_v211(location_to_v211(copy.deepcopy(doc)))
    assert valid_v221(location_from_v211(sent, CONTEXT)) == doc


@PROPERTIES
@given(
    carried,
    st.sampled_from(["ALONG_MOTORWAY", "ON_DRIVEWAY"]),
    st.text("abcäöüéßø", min_size=1, max_size=10),
    st.integers(1000, 50000),
    st.lists(ids, min_size=2, max_size=3),
)
def test_only_the_named_losses_are_lost(
    doc: dict[str, Any], parking: str, name: str, power: int, tariffs: list[str]
) -> None:
    lossy = copy.deepcopy(doc) | {"parking_type": parking, "name": name, "state": "Zeeland"}
    for item in lossy["evses"]:
        for plug in item["connectors"]:
            plug |= {"max_electric_power": power, "tariff_ids": tariffs}
    valid_v221(lossy)
    back = valid_v221(location_from_v211(valid_v211(location_to_v211(lossy)), CONTEXT))
    expected = copy.deepcopy(doc) | {"name": ascii_text(name)}
    expected.pop("parking_type", None)  # ALONG_MOTORWAY, ON_DRIVEWAY -> OTHER -> none
    for item in expected["evses"]:
        for plug in item["connectors"]:
            plug["tariff_ids"] = tariffs[:1]  # max_electric_power lost, only the first id
    assert back == expected


def test_the_strict_check_sees_a_field_of_the_other_version() -> None:
    sent = CONVERTER.to_v211(connector(), depth=2)
    with pytest.raises(AssertionError, match="max_electric_power"):
        strictly(v211.Connector, sent | {"max_electric_power": 1})
