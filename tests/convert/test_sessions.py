"""Sessions between 2.2.1 and 2.1.1 (2.1.1 mod_sessions.md 2.2.3 PATCH, 3.1 Session, 4.1
SessionStatus; mod_cdrs.md 4.3 CdrDimensionType)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from openroam._convert._context import Context, Owner, Related
from openroam._convert.locations import Unconvertible
from openroam._convert.sessions import (
    CONVERTER,
    LocationRequired,
    PatchNeedsWholeSession,
    charging_periods_to_append,
)
from openroam.models import v211, v221
from tests.convert.docs import (
    CONTEXT,
    LOCATION_221,
    SESSION_211,
    SESSION_221,
    TOKEN_221,
    Doc,
    fresh,
    valid,
)
from tests.convert.strategies import SESSIONS_221, STANDARDS, V211_DIMENSIONS

AT_LOCATION = Related(location=LOCATION_221)


def test_to_v211_embeds_the_stored_location_with_only_the_session_s_evse_and_connector() -> None:
    session = CONVERTER.to_v211(fresh(SESSION_221), related=AT_LOCATION)
    assert valid(v211.Session, session)
    assert valid(v211.Session, SESSION_211)
    location = session.pop("location")
    assert valid(v211.Location, location)
    assert [e["uid"] for e in location["evses"]] == ["3256"]
    assert [c["id"] for c in location["evses"][0]["connectors"]] == ["1"]
    assert session == {
        "id": "101",
        "start_datetime": "2026-03-16T10:00:00Z",
        "end_datetime": "2026-03-16T11:00:00Z",
        "kwh": 11.5,
        "auth_id": "DE8ACC12E46L89",
        "auth_method": "WHITELIST",
        "meter_id": "M-1",
        "currency": "EUR",
        # STATE_OF_CHARGE and POWER are not 2.1.1 dimensions; the second period had no other.
        "charging_periods": [
            {
                "start_date_time": "2026-03-16T10:00:00Z",
                "dimensions": [{"type": "ENERGY", "volume": 11.5}],
            }
        ],
        "total_cost": 2.5,
        "status": "ACTIVE",
        "last_updated": "2026-03-16T11:00:00Z",
    }


def test_to_v211_without_the_location_is_a_clear_error() -> None:
    with pytest.raises(LocationRequired, match="LOC1"):
        CONVERTER.to_v211(fresh(SESSION_221))
    assert issubclass(LocationRequired, Unconvertible)


def test_to_v211_of_an_unknown_evse_is_unconvertible() -> None:
    with pytest.raises(Unconvertible):
        CONVERTER.to_v211({**SESSION_221, "evse_uid": "NOPE"}, related=AT_LOCATION)


@pytest.mark.parametrize(("v221_value", "v211_value"), [
    ("RESERVATION", "PENDING"), ("PENDING", "PENDING"), ("ACTIVE", "ACTIVE"),
    ("COMPLETED", "COMPLETED"), ("INVALID", "INVALID"),
])  # fmt: skip
def test_status_reservation_becomes_pending(v221_value: str, v211_value: str) -> None:
    session = CONVERTER.to_v211({**SESSION_221, "status": v221_value}, related=AT_LOCATION)
    assert valid(v211.Session, session).status == v211_value


def test_a_reservation_without_an_evse_embeds_the_location_without_evses() -> None:
    reserved = {**SESSION_221, "status": "RESERVATION", "evse_uid": "#NA", "connector_id": "#NA"}
    session = CONVERTER.to_v211(reserved, related=AT_LOCATION)
    assert valid(v211.Session, session).status == "PENDING"
    assert session["location"]["id"] == "LOC1"
    assert session["location"]["evses"] == []
    back = CONVERTER.from_v211(session, CONTEXT)
    assert valid(v221.Session, back)
    assert (back["location_id"], back["evse_uid"], back["connector_id"]) == ("LOC1", "#NA", "#NA")


def test_auth_method_command_becomes_auth_request() -> None:
    session = CONVERTER.to_v211({**SESSION_221, "auth_method": "COMMAND"}, related=AT_LOCATION)
    assert session["auth_method"] == "AUTH_REQUEST"


def test_from_v211_fills_in_the_owner_and_cdr_token() -> None:
    session = CONVERTER.from_v211(fresh(SESSION_211), CONTEXT)
    assert valid(v221.Session, session)
    assert (session["country_code"], session["party_id"]) == ("NL", "CPO")
    assert (session["location_id"], session["evse_uid"], session["connector_id"]) == (
        "LOC1",
        "3256",
        "1",
    )
    # The Token is not known: uid = auth_id, type OTHER, party = the token owner (the eMSP).
    assert session["cdr_token"] == {
        "country_code": "DE",
        "party_id": "MSP",
        "uid": "DE8ACC12E46L89",
        "type": "OTHER",
        "contract_id": "DE8ACC12E46L89",
    }
    assert session["total_cost"] == {"excl_vat": 2.5}
    # FLAT is not a 2.2.1 dimension: dropped, and the period left without one with it.
    assert session["charging_periods"] == [
        {
            "start_date_time": "2026-03-16T10:00:00Z",
            "dimensions": [{"type": "ENERGY", "volume": 11.5}],
        }
    ]


def test_from_v211_takes_uid_and_type_from_the_known_token() -> None:
    session = CONVERTER.from_v211(fresh(SESSION_211), CONTEXT, related=Related(token=TOKEN_221))
    assert session["cdr_token"] == {
        "country_code": "DE",
        "party_id": "MSP",
        "uid": "012345678",
        "type": "RFID",
        "contract_id": "DE8ACC12E46L89",
    }


def test_from_v211_with_an_evse_without_connector_is_unconvertible() -> None:
    evse = {**SESSION_211["location"]["evses"][0], "connectors": []}
    with pytest.raises(Unconvertible):
        CONVERTER.from_v211({**SESSION_211, "location": {**SESSION_211["location"],
                                                         "evses": [evse]}}, CONTEXT)  # fmt: skip


def test_patch_to_v211() -> None:
    patch = {"kwh": 12, "total_cost": {"excl_vat": 3, "incl_vat": 3.63}, "status": "RESERVATION",
             "last_updated": "2026-03-16T11:05:00Z"}  # fmt: skip
    assert valid(v211.SessionPatch, CONVERTER.patch_to_v211(patch))
    assert CONVERTER.patch_to_v211(patch) == {
        "kwh": 12,
        "total_cost": 3,
        "status": "PENDING",
        "last_updated": "2026-03-16T11:05:00Z",
    }


@pytest.mark.parametrize("field", ["charging_periods", "location_id", "evse_uid", "connector_id"])
def test_patch_to_v211_needs_the_whole_session_for(field: str) -> None:
    # 2.2.1 appends a PATCH's charging_periods; 2.1.1 replaces them, and embeds the Location.
    with pytest.raises(PatchNeedsWholeSession, match=field):
        CONVERTER.patch_to_v211({field: SESSION_221[field], "last_updated": "2026-03-16T11:05:00Z"})


def test_patch_from_v211() -> None:
    patch = CONVERTER.patch_from_v211({"total_cost": 0.6, "end_datetime": "2026-03-16T11:00:00Z"},
                                      CONTEXT)  # fmt: skip
    parsed = valid(v221.SessionPatch, patch)
    assert parsed.last_updated is not None  # filled in: 2.2.1 requires it
    assert patch["total_cost"] == {"excl_vat": 0.6}
    assert patch["end_date_time"] == "2026-03-16T11:00:00Z"
    located = CONVERTER.patch_from_v211({"location": SESSION_211["location"]}, CONTEXT)
    assert (located["location_id"], located["evse_uid"], located["connector_id"]) == (
        "LOC1", "3256", "1",
    )  # fmt: skip


def test_a_2_1_1_patch_replaces_charging_periods_so_only_new_ones_are_appended() -> None:
    first = {
        "start_date_time": "2026-03-16T10:00:00Z",
        "dimensions": [{"type": "ENERGY", "volume": 1}],
    }
    second = {
        "start_date_time": "2026-03-16T10:30:00Z",
        "dimensions": [{"type": "TIME", "volume": 1}],
    }
    patch = CONVERTER.patch_from_v211({"charging_periods": [first, second]}, CONTEXT)
    assert charging_periods_to_append([first], patch["charging_periods"]) == [second]
    assert charging_periods_to_append([], patch["charging_periods"]) == [first, second]
    rewritten = {**first, "start_date_time": "2026-03-16T09:00:00Z"}
    with pytest.raises(Unconvertible):
        charging_periods_to_append([rewritten], patch["charging_periods"])


def _location_for(session: Doc, standard: str) -> Doc:
    connector = {**LOCATION_221["evses"][0]["connectors"][0], "id": session["connector_id"],
                 "standard": standard}  # fmt: skip
    evse = {**LOCATION_221["evses"][0], "uid": session["evse_uid"], "connectors": [connector]}
    return {**LOCATION_221, "id": session["location_id"], "evses": [evse]}


def _kept_by_v211(session: Doc) -> Doc:
    """What of a 2.2.1 Session 2.1.1 carries, as it comes back."""
    kept = {k: v for k, v in session.items() if k not in {"authorization_reference"}}
    if kept["status"] == "RESERVATION":
        kept["status"] = "PENDING"
    if kept["auth_method"] == "COMMAND":
        kept["auth_method"] = "AUTH_REQUEST"
    if "total_cost" in kept:
        kept["total_cost"] = {"excl_vat": kept["total_cost"]["excl_vat"]}
    if "charging_periods" in kept:
        periods = []
        for period in kept["charging_periods"]:
            dims = [d for d in period["dimensions"] if d["type"] in V211_DIMENSIONS]
            if dims:
                periods.append({"start_date_time": period["start_date_time"], "dimensions": dims})
        kept["charging_periods"] = periods
    return kept


@settings(max_examples=50, derandomize=True, deadline=None)
@given(SESSIONS_221)
def test_round_trip_keeps_every_field_2_1_1_carries(session: Doc) -> None:
    assert valid(v221.Session, session)
    location = _location_for(session, STANDARDS[0])
    as_v211 = CONVERTER.to_v211(session, related=Related(location=location))
    assert valid(v211.Session, as_v211)
    # The CPO's own Token is known on the way back: its uid, type and party return too.
    token = {**session["cdr_token"]}
    context = Context(owner=Owner(session["country_code"], session["party_id"]))
    back = CONVERTER.from_v211(as_v211, context, related=Related(token=token))
    assert valid(v221.Session, back)
    assert back == _kept_by_v211(session)
