"""Storing pages pulled from a partner's Sender interface (transport_and_format.asciidoc "GET":
log invalid objects and process the valid ones; "Client Owned Object Push": an update older than
what is stored never replaces it), on SQLite and PostgreSQL: a page is validated and written at
once, with the same outcome as storing its objects one by one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from openroam._services.credentials import Caller
from openroam._services.object_specs import SPECS
from openroam._services.platform import OwnParty, Platform
from openroam._services.pulled import store_pulled
from openroam._services.roaming import RoamingService
from openroam._store import object_repo as objects
from openroam._store.db import Database
from openroam.models.v221.locations import Location
from openroam.models.v221.types import Role
from tests.api.support import cdr, session

PARTNER = 7
CPO = Caller(PARTNER, "cpo", "", "C", "registered", (("CPO", "NL", "CPO"),))
SPEC = SPECS["locations"]


def _location(location_id: str, stamp: str = "2026-01-01T10:00:00Z", **extra: Any) -> dict:
    return {
        "country_code": "NL",
        "party_id": "CPO",
        "id": location_id,
        "publish": True,
        "address": "Stationsplein 1",
        "city": "Utrecht",
        "country": "NLD",
        "coordinates": {"latitude": "52.089444", "longitude": "5.110278"},
        "time_zone": "Europe/Amsterdam",
        "last_updated": stamp,
        **extra,
    }


#: our own eMSP party, the one the CDRs and Sessions below concern
OURS = OwnParty("DE", "MSP", Role.EMSP, "Our eMSP")


def _service(database: Database) -> RoamingService:
    return RoamingService(database, Platform("http://emsp.test", (OURS,)))


async def _stored(database: Database, location_id: str) -> objects.StoredObject | None:
    async with database.session() as session:
        return await objects.get_object(session, "locations", PARTNER, "NL", "CPO", location_id)


async def _count(database: Database) -> int:
    async with database.session() as session:
        return await objects.count_objects(session, module="locations", origin=PARTNER)


async def test_a_valid_page_is_stored_as_each_object_would_be(database: Database) -> None:
    page = [_location(f"L{n}", f"2026-01-01T10:00:0{n}Z") for n in range(5)]
    result = await store_pulled(_service(database), CPO, SPEC, page)
    assert (result.stored, result.unchanged, result.invalid) == (5, 0, [])
    assert result.newest == datetime(2026, 1, 1, 10, 0, 4, tzinfo=UTC)
    stored = await _stored(database, "l3")
    assert stored is not None
    # The document is the validated object as a GET would return it.
    expected = Location.model_validate_json(orjson.dumps(page[3])).to_json()
    assert stored.document == expected
    assert stored.last_updated == datetime(2026, 1, 1, 10, 0, 3, tzinfo=UTC)


async def test_an_older_or_equal_object_leaves_the_stored_one_as_it_is(database: Database) -> None:
    service = _service(database)
    await store_pulled(service, CPO, SPEC, [_location("L1", "2026-01-02T00:00:00Z", city="New")])
    first = await _stored(database, "L1")
    older = _location("L1", "2026-01-01T00:00:00Z", city="Old")
    equal = _location("l1", "2026-01-02T00:00:00Z", city="Equal")
    result = await store_pulled(service, CPO, SPEC, [older])
    assert (result.stored, result.unchanged) == (0, 1)
    result = await store_pulled(service, CPO, SPEC, [equal])
    assert (result.stored, result.unchanged) == (0, 1)
    assert await _stored(database, "L1") == first


async def test_a_newer_object_replaces_the_stored_one_and_keeps_its_place(
    database: Database,
) -> None:
    service = _service(database)
    await store_pulled(service, CPO, SPEC, [_location("L1"), _location("L2")])
    before = await _stored(database, "L1")
    newer = _location("L1", "2026-01-03T00:00:00Z", city="Amersfoort")
    result = await store_pulled(service, CPO, SPEC, [newer, _location("L2")])
    assert (result.stored, result.unchanged) == (1, 1)
    after = await _stored(database, "L1")
    assert before is not None
    assert after is not None
    assert after.pk == before.pk
    assert orjson.loads(after.document)["city"] == "Amersfoort"
    assert after.last_updated == datetime(2026, 1, 3, tzinfo=UTC)


async def test_invalid_objects_are_reported_and_the_valid_ones_stored(database: Database) -> None:
    page = [
        _location("L1"),
        _location("L2", country="Netherlands"),
        _location("L3", last_updated="yesterday"),
        "not an object",
        _location("L4"),
    ]
    result = await store_pulled(_service(database), CPO, SPEC, page)
    assert result.stored == 2
    assert [label for label, _ in result.invalid or []] == ["L2", "L3", "#3"]
    assert "country" in (result.invalid or [])[0][1]
    assert await _count(database) == 2


async def test_an_object_neither_database_can_store_is_reported_and_the_others_stored(
    database: Database,
) -> None:
    # A NUL character in a field the model keeps unchecked (an unknown one): PostgreSQL's JSONB
    # refuses it, so the whole page's write failed there.
    page = [_location("L1", x_note="a\x00b"), _location("L2")]
    result = await store_pulled(_service(database), CPO, SPEC, page)
    assert result.stored == 1
    assert [label for label, _ in result.invalid or []] == ["L1"]
    assert "NUL" in (result.invalid or [])[0][1]
    assert await _stored(database, "L1") is None
    assert await _count(database) == 1


async def test_an_object_twice_on_a_page_is_stored_once_in_its_newest_version(
    database: Database,
) -> None:
    page = [
        _location("L1", "2026-01-02T00:00:00Z", city="Second"),
        _location("l1", "2026-01-03T00:00:00Z", city="Newest"),
        _location("L1", "2026-01-01T00:00:00Z", city="Oldest"),
    ]
    result = await store_pulled(_service(database), CPO, SPEC, page)
    assert (result.stored, result.unchanged) == (1, 2)
    stored = await _stored(database, "L1")
    assert stored is not None
    assert orjson.loads(stored.document)["city"] == "Newest"
    assert await _count(database) == 1


async def test_objects_of_parties_the_partner_did_not_register_are_ignored(
    database: Database,
) -> None:
    page = [_location("L1"), {**_location("L2"), "party_id": "XYZ"}]
    result = await store_pulled(_service(database), CPO, SPEC, page)
    assert (result.stored, result.foreign) == (1, 1)
    assert await _count(database) == 1


async def test_tokens_are_stored_under_uid_and_type(database: Database) -> None:
    emsp = Caller(PARTNER, "emsp", "", "C", "registered", (("EMSP", "DE", "EMP"),))
    token = {
        "country_code": "DE",
        "party_id": "EMP",
        "uid": "012345678",
        "type": "RFID",
        "contract_id": "DE8ACC12E46L89",
        "issuer": "Bench eMSP",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": "2026-01-01T10:00:00Z",
    }
    other_type = {**token, "type": "APP_USER"}
    result = await store_pulled(_service(database), emsp, SPECS["tokens"], [token, other_type])
    assert result.stored == 2
    async with database.session() as session:
        stored = await objects.get_object(
            session, "tokens", PARTNER, "DE", "EMP", "012345678", "APP_USER"
        )
    assert stored is not None
    assert orjson.loads(stored.document) == other_type


async def test_a_stored_cdr_is_never_replaced_even_by_a_newer_one(database: Database) -> None:
    # mod_cdrs "Flow and Lifecycle": a CDR never changes once sent.
    cpo = Caller(PARTNER, "cpo", "", "C", "registered", (("CPO", "NL", "CPO"),))
    first = cdr("CDR1", owner=("NL", "CPO"))
    later = {**first, "last_updated": "2030-01-01T00:00:00Z", "total_energy": 99}
    service, spec = _service(database), SPECS["cdrs"]
    assert (await store_pulled(service, cpo, spec, [first])).stored == 1
    result = await store_pulled(service, cpo, spec, [later])
    assert (result.stored, result.unchanged, result.invalid) == (0, 1, [])
    async with database.session() as session:
        stored = await objects.get_object(session, "cdrs", PARTNER, "NL", "CPO", "CDR1")
    assert stored is not None
    assert orjson.loads(stored.document)["last_updated"] == first["last_updated"]


async def test_sessions_are_kept_only_when_they_concern_our_parties(database: Database) -> None:
    cpo = Caller(PARTNER, "cpo", "", "C", "registered", (("CPO", "NL", "ORM"),))
    page = [session("S1", emsp=("DE", "MSP")), session("S2", emsp=("FR", "OTH"))]
    result = await store_pulled(_service(database), cpo, SPECS["sessions"], page)
    assert (result.stored, result.foreign) == (1, 1)
    async with database.session() as db_session:
        stored = await objects.get_object(db_session, "sessions", PARTNER, "NL", "ORM", "S1")
    assert stored is not None
    assert stored.counterparty == objects.counterparty_key("DE", "MSP")
