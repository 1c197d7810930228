"""The eMSP side's 2.1.1 Receivers (mod_locations.md 2.2, mod_tariffs.md 2.2, mod_sessions.md
2.2): a 2.1.1 CPO pushes its objects; they are stored in their 2.2.1 shape and read back as
2.1.1. SQLite and PostgreSQL for the storing rules, SQLite for the HTTP layer's."""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson
import pytest_asyncio

from openroam._services.documents import ObjectPath
from openroam._services.object_specs import LOCATIONS, SESSIONS, TARIFFS
from openroam._store.db import Database
from openroam.models.v211 import locations as v211_locations
from openroam.models.v211 import sessions as v211_sessions
from openroam.models.v211 import tariffs as v211_tariffs
from openroam.models.v221.locations import Location
from openroam.models.v221.sessions import Session
from openroam.models.v221.tariffs import Tariff
from tests.server.roaming_support import JSON, SQLITE_ONLY, Roaming
from tests.server.roaming_support import location as location221
from tests.server.roaming_support import token as token221
from tests.server.support import FakePartner, envelope_of
from tests.server.v211.support import (
    T1,
    T2,
    connector,
    data_of,
    evse,
    location,
    open_v211,
    period,
    push_url,
    session,
    tariff,
)


@pytest_asyncio.fixture(loop_scope="session")
async def roaming(database: Database, partner: FakePartner) -> AsyncIterator[Roaming]:
    async with open_v211(database, partner) as setup:
        yield setup


def url(roaming: Roaming, module: str, *ids: str) -> str:
    return push_url("emsp", module, roaming.partner_cpo, *ids)


async def stored(roaming: Roaming, spec: object, *ids: str) -> dict[str, object]:
    """The stored 2.2.1 document (as the 2.2.1 services hold it)."""
    from openroam._services.object_specs import ModuleSpec

    assert isinstance(spec, ModuleSpec)
    path = ObjectPath(*roaming.partner_cpo, ids[0])
    document: dict[str, object] = orjson.loads(
        await roaming.node.roaming.read(roaming.partner_id, spec, path)
    )
    return document


# --- Locations -------------------------------------------------------------------------------


async def test_location_put_stored_as_221_and_read_back_as_211(roaming: Roaming) -> None:
    """mod_locations.md 2.2.2 PUT Method, 2.2.1 GET Method: the 2.1.1 Location is stored in
    its 2.2.1 shape (owner from the URL, time_zone from v211_time_zone, publish true) and read
    back as a valid 2.1.1 Location."""
    response = await roaming.put(url(roaming, "locations", "LOC1"), location())
    envelope_of(response, 201, 1000)
    document = await stored(roaming, LOCATIONS, "LOC1")
    Location.model_validate_json(orjson.dumps(document))
    assert (document["country_code"], document["party_id"]) == roaming.partner_cpo
    assert document["time_zone"] == "UTC"
    assert document["publish"] is True
    got = data_of(await roaming.get(url(roaming, "locations", "LOC1")))
    v211_locations.Location.model_validate_json(orjson.dumps(got))
    assert got["id"] == "LOC1"
    assert got["type"] == "ON_STREET"
    assert "country_code" not in got
    # A second PUT updates: HTTP 200.
    again = await roaming.put(url(roaming, "locations", "LOC1"), location(last_updated=T1))
    envelope_of(again, 200, 1000)


async def test_location_time_zone_setting_and_own(roaming: Roaming) -> None:
    """mod_locations.md 3.1 Location Object: time_zone is optional in 2.1.1 and required in
    2.2.1: a Location without one gets the setting v211_time_zone, one with it keeps it."""
    roaming.node.v211_time_zone = "Europe/Berlin"
    try:
        envelope_of(await roaming.put(url(roaming, "locations", "TZ1"), location("TZ1")), 201, 1000)
        own = location("TZ2", time_zone="Europe/Amsterdam")
        envelope_of(await roaming.put(url(roaming, "locations", "TZ2"), own), 201, 1000)
    finally:
        roaming.node.v211_time_zone = "UTC"
    assert (await stored(roaming, LOCATIONS, "TZ1"))["time_zone"] == "Europe/Berlin"
    assert (await stored(roaming, LOCATIONS, "TZ2"))["time_zone"] == "Europe/Amsterdam"


async def test_location_evse_and_connector_put_patch_get(roaming: Roaming) -> None:
    """mod_locations.md 2.2.2 PUT Method and 2.2.3 PATCH Method on an EVSE and a Connector
    (``/{location_id}/{evse_uid}[/{connector_id}]``), read back with 2.2.1 GET Method."""
    envelope_of(await roaming.put(url(roaming, "locations", "LOC1"), location()), 201, 1000)
    response = await roaming.put(url(roaming, "locations", "LOC1", "E2"), evse("E2"))
    envelope_of(response, 201, 1000)
    got = data_of(await roaming.get(url(roaming, "locations", "LOC1", "E2")))
    v211_locations.EVSE.model_validate_json(orjson.dumps(got))
    patch = {"status": "CHARGING", "last_updated": T1}
    envelope_of(await roaming.patch(url(roaming, "locations", "LOC1", "E2"), patch), 200, 1000)
    document = await stored(roaming, LOCATIONS, "LOC1")
    evses = {e["uid"]: e for e in document["evses"]}  # type: ignore[attr-defined]
    assert evses["E2"]["status"] == "CHARGING"
    assert document["last_updated"] == T1
    c_url = url(roaming, "locations", "LOC1", "E2", "1")
    envelope_of(await roaming.put(c_url, connector(amperage=16)), 200, 1000)
    got = data_of(await roaming.get(c_url))
    v211_locations.Connector.model_validate_json(orjson.dumps(got))
    assert got["amperage"] == 16
    envelope_of(await roaming.patch(c_url, {"voltage": 400, "last_updated": T2}), 200, 1000)
    assert data_of(await roaming.get(c_url))["voltage"] == 400


async def test_location_patch_without_last_updated(roaming: Roaming) -> None:
    """mod_locations.md 2.2.3 PATCH Method: a 2.1.1 PATCH needs no last_updated; the Location
    is changed (2.2.1 stores the time of the conversion)."""
    envelope_of(await roaming.put(url(roaming, "locations", "LOC1"), location()), 201, 1000)
    envelope_of(await roaming.patch(url(roaming, "locations", "LOC1"), {"name": "Hal"}), 200, 1000)
    assert data_of(await roaming.get(url(roaming, "locations", "LOC1")))["name"] == "Hal"


@SQLITE_ONLY
async def test_location_of_a_party_not_granted_is_refused(roaming: Roaming) -> None:
    """transport_and_format.md "Client owned object push": a URL with another party than the
    credentials' may be answered 404; nothing is stored."""
    other = ("FR", "XYZ")
    response = await roaming.put(push_url("emsp", "locations", other, "LOC1"), location())
    envelope_of(response, 404, 2000)


@SQLITE_ONLY
async def test_unknown_location_is_404(roaming: Roaming) -> None:
    """status_codes.md: a resource that does not exist is HTTP 404."""
    envelope_of(await roaming.get(url(roaming, "locations", "NOPE")), 404, 2000)


@SQLITE_ONLY
async def test_invalid_location_is_2001_and_non_json_400(roaming: Roaming) -> None:
    """status_codes.md: a body that is not JSON is HTTP 400; transport_and_format.md "Errors"
    and mod_locations.md 3.1: an invalid Location is 2001 (a 2.2.1-only field value, a missing
    required field)."""
    bad = location()
    del bad["address"]
    body = envelope_of(await roaming.put(url(roaming, "locations", "LOC1"), bad), 200, 2001)
    assert "address" in body["status_message"]
    headers = roaming.auth | JSON
    response = await roaming.client.put(
        url(roaming, "locations", "LOC1"), content=b"{not json", headers=headers
    )
    envelope_of(response, 400, 2001)
    other_id = location("LOC2")
    envelope_of(await roaming.put(url(roaming, "locations", "LOC1"), other_id), 200, 2001)


@SQLITE_ONLY
async def test_no_routing_headers_on_211_answers(roaming: Roaming) -> None:
    """transport_and_format.md: 2.1.1 has no message routing; no OCPI-to/from headers are
    required or answered."""
    response = await roaming.put(url(roaming, "locations", "LOC1"), location())
    envelope_of(response, 201, 1000)
    assert not [name for name in response.headers if name.lower().startswith("ocpi-")]


# --- Tariffs ---------------------------------------------------------------------------------


async def test_tariff_put_patch_get_delete(roaming: Roaming) -> None:
    """mod_tariffs.md 2.2.2 PUT, 2.2.3 PATCH (2.2.1 has none: the stored Tariff with the
    fields replaced is PUT again), 2.2.1 GET, 2.2.4 DELETE Method; money is a number excluding
    VAT (stored as 2.2.1 Price excl_vat)."""
    t_url = url(roaming, "tariffs", "T1")
    envelope_of(await roaming.put(t_url, tariff()), 201, 1000)
    document = await stored(roaming, TARIFFS, "T1")
    Tariff.model_validate_json(orjson.dumps(document))
    assert (document["country_code"], document["party_id"]) == roaming.partner_cpo
    patch = {"currency": "USD", "last_updated": T1}
    envelope_of(await roaming.patch(t_url, patch), 200, 1000)
    got = data_of(await roaming.get(t_url))
    v211_tariffs.Tariff.model_validate_json(orjson.dumps(got))
    assert got["currency"] == "USD"
    assert got["elements"][0]["price_components"][0]["price"] == 0.25
    envelope_of(await roaming.client.delete(t_url, headers=roaming.auth), 200, 1000)
    envelope_of(await roaming.get(t_url), 404, 2000)


@SQLITE_ONLY
async def test_tariff_of_a_party_not_granted_is_refused(roaming: Roaming) -> None:
    """transport_and_format.md "Client owned object push", mod_tariffs.md 2.2.2 PUT Method:
    another party's URL is 404; an invalid Tariff 2001 (3.1: elements required)."""
    response = await roaming.put(push_url("emsp", "tariffs", ("FR", "XYZ"), "T1"), tariff())
    envelope_of(response, 404, 2000)
    bad = tariff()
    del bad["elements"]
    envelope_of(await roaming.put(url(roaming, "tariffs", "T1"), bad), 200, 2001)


@SQLITE_ONLY
async def test_tariff_patch_of_unknown_tariff_is_404(roaming: Roaming) -> None:
    """mod_tariffs.md 2.2.3 PATCH Method on a Tariff never PUT: 404 (status_codes.md)."""
    response = await roaming.patch(url(roaming, "tariffs", "NOPE"), {"currency": "USD"})
    envelope_of(response, 404, 2000)


# --- Sessions --------------------------------------------------------------------------------


async def test_session_put_patch_get(roaming: Roaming) -> None:
    """mod_sessions.md 2.2.2 PUT, 2.2.3 PATCH, 2.2.1 GET Method: the 2.1.1 Session (embedded
    Location, auth_id) is stored as 2.2.1 (location_id/evse_uid/connector_id, cdr_token of our
    eMSP party) and read back as 2.1.1 with the Location embedded; a PATCH's
    charging_periods replace the list (2.1.1), stored as appended periods (2.2.1)."""
    envelope_of(await roaming.put(url(roaming, "locations", "LOC1"), location()), 201, 1000)
    s_url = url(roaming, "sessions", "S1")
    envelope_of(await roaming.put(s_url, session()), 201, 1000)
    document = await stored(roaming, SESSIONS, "S1")
    Session.model_validate_json(orjson.dumps(document))
    assert document["location_id"] == "LOC1"
    token = document["cdr_token"]
    assert (token["country_code"], token["party_id"]) == roaming.emsp  # type: ignore[index]
    assert token["contract_id"] == "NL-ORM-C12345678-X"  # type: ignore[index]
    first = [period("2026-01-01T10:00:00Z")]
    envelope_of(
        await roaming.patch(s_url, {"charging_periods": first, "last_updated": T1}), 200, 1000
    )
    both = [*first, period("2026-01-01T10:05:00Z")]
    patch = {"charging_periods": both, "kwh": 2, "last_updated": T2}
    envelope_of(await roaming.patch(s_url, patch), 200, 1000)
    document = await stored(roaming, SESSIONS, "S1")
    assert len(document["charging_periods"]) == 2  # type: ignore[arg-type]
    got = data_of(await roaming.get(s_url))
    v211_sessions.Session.model_validate_json(orjson.dumps(got))
    assert got["location"]["id"] == "LOC1"
    assert got["auth_id"] == "NL-ORM-C12345678-X"
    assert got["start_datetime"] == "2026-01-01T10:00:00Z"
    assert len(got["charging_periods"]) == 2
    v211_locations.Location.model_validate_json(orjson.dumps(got["location"]))


async def test_session_cdr_token_from_our_token(roaming: Roaming) -> None:
    """mod_sessions.md 3.1 Session Object: ``auth_id`` names the Token by its auth_id, our
    2.2.1 Token's contract_id: a pushed Session (PUT, and a PATCH naming another auth_id) is
    stored with that Token's uid and type in cdr_token (the contract_id matched
    case-insensitively, as a CiString); an auth_id no Token of ours carries keeps the
    fallback (uid = auth_id, type OTHER, our eMSP party)."""
    await roaming.own_put(
        "tokens",
        token221(roaming.emsp, "APP-7", type="APP_USER", contract_id="NL-ORM-C7"),
        token221(roaming.emsp, "CARD-8", contract_id="NL-ORM-C8"),
    )
    envelope_of(await roaming.put(url(roaming, "locations", "LOC1"), location()), 201, 1000)
    s_url = url(roaming, "sessions", "S7")
    envelope_of(await roaming.put(s_url, session("S7", auth_id="nl-orm-c7")), 201, 1000)
    token = (await stored(roaming, SESSIONS, "S7"))["cdr_token"]
    assert token == {
        "country_code": roaming.emsp[0],
        "party_id": roaming.emsp[1],
        "uid": "APP-7",
        "type": "APP_USER",
        "contract_id": "nl-orm-c7",
    }
    patch = {"auth_id": "NL-ORM-C8", "last_updated": T1}
    envelope_of(await roaming.patch(s_url, patch), 200, 1000)
    token = (await stored(roaming, SESSIONS, "S7"))["cdr_token"]
    assert (token["uid"], token["type"], token["contract_id"]) == ("CARD-8", "RFID", "NL-ORM-C8")  # type: ignore[index]
    # Read back as 2.1.1, auth_id is the contract_id.
    assert data_of(await roaming.get(s_url))["auth_id"] == "NL-ORM-C8"
    unknown = url(roaming, "sessions", "S8")
    envelope_of(await roaming.put(unknown, session("S8", auth_id="NL-ORM-NOBODY")), 201, 1000)
    token = (await stored(roaming, SESSIONS, "S8"))["cdr_token"]
    assert token == {
        "country_code": roaming.emsp[0],
        "party_id": roaming.emsp[1],
        "uid": "NL-ORM-NOBODY",
        "type": "OTHER",
        "contract_id": "NL-ORM-NOBODY",
    }


@SQLITE_ONLY
async def test_session_for_a_party_not_granted_is_refused(roaming: Roaming) -> None:
    """transport_and_format.md "Client owned object push": 404 for another party's URL."""
    response = await roaming.put(push_url("emsp", "sessions", ("FR", "XYZ"), "S1"), session())
    envelope_of(response, 404, 2000)


@SQLITE_ONLY
async def test_session_without_location_is_2001(roaming: Roaming) -> None:
    """mod_sessions.md 3.1: ``location`` is required; without it the Session is invalid."""
    bad = session()
    del bad["location"]
    envelope_of(await roaming.put(url(roaming, "sessions", "S1"), bad), 200, 2001)


@SQLITE_ONLY
async def test_the_221_receiver_keeps_its_own_shape(roaming: Roaming) -> None:
    """The 2.2.1 routes are unchanged beside 2.1.1: a 2.2.1 Location PUT is still 2.2.1."""
    response = await roaming.put(
        f"/ocpi/2.2.1/receiver/locations/{'/'.join(roaming.partner_cpo)}/LOC9",
        location221(roaming.partner_cpo, "LOC9"),
    )
    envelope_of(response, 201, 1000)
