"""Pulls from an OCPI 2.1.1 partner's Sender lists (a real HTTP server answering as 2.1.1 does),
on SQLite and PostgreSQL:

* pages followed through ``Link`` with ``X-Total-Count`` (transport_and_format.md
  "Pagination"), each object read by the 2.1.1 models and stored in the 2.2.1 shape: the owner
  from the partner's credentials, ``publish`` true, ``time_zone`` the setting when the 2.1.1
  Location names none (mod_locations.md 3.1 "Location Object"); an invalid object is reported
  with its id and the valid ones stored;
* ``date_from`` means "after" in 2.1.1 (mod_locations.md 2.1.1 "GET Method"): the incremental
  pull asks from one second before the watermark, so an object changed in the watermark's own
  second is not missed;
* Sessions (mod_sessions.md 2.1.1 "GET Method": ``date_from`` required) are pulled in full from
  the earliest DateTime, their embedded Location and ``auth_id`` stored as 2.2.1's
  ``location_id``/``evse_uid``/``connector_id`` and ``cdr_token`` of our eMSP party, with the
  ``uid`` and ``type`` of our Token whose contract_id the ``auth_id`` is (one look-up a page).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from openroam._delivery.pull import PullSettings, PullWorker
from openroam._runtime import client_factory
from openroam._services import reading
from openroam._services.documents import ObjectPath
from openroam._services.node import Node
from openroam._services.object_specs import TOKENS
from openroam._store import object_repo as objects
from openroam._store import repositories as repo
from openroam._store import sync_state
from openroam._store.db import Database
from openroam.models.v221.types import Role
from tests.api.conftest import PLATFORM
from tests.api.support import token as api_token
from tests.delivery.fake_v211 import FakeV211, fake_v211, register_v211, routing_headers

CPO = ("DE", "CPO")
SETTINGS = PullSettings(v211_time_zone="Europe/Berlin")


def v211_location(number: int, second: int, **changes: Any) -> dict[str, Any]:
    """A 2.1.1 Location (mod_locations.md 3.1) without ``time_zone``."""
    stamp = f"2026-02-01T10:00:{second:02d}Z"
    body = {
        "id": f"L{number}",
        "type": "ON_STREET",
        "name": f"Location {number}",
        "address": "Hauptstrasse 1",
        "city": "Berlin",
        "postal_code": "10115",
        "country": "DEU",
        "coordinates": {"latitude": "52.520008", "longitude": "13.404954"},
        "evses": [
            {
                "uid": f"L{number}-E1",
                "status": "AVAILABLE",
                "connectors": [
                    {
                        "id": "1",
                        "standard": "IEC_62196_T2",
                        "format": "SOCKET",
                        "power_type": "AC_3_PHASE",
                        "voltage": 230,
                        "amperage": 32,
                        "last_updated": stamp,
                    }
                ],
                "last_updated": stamp,
            }
        ],
        "last_updated": stamp,
    }
    return body | changes


def v211_session(session_id: str, auth_id: str = "NL-ORM-C12345678-X") -> dict[str, Any]:
    """A 2.1.1 Session (mod_sessions.md 3.1) with its Location embedded."""
    return {
        "id": session_id,
        "start_datetime": "2026-02-01T09:00:00Z",
        "kwh": 3.5,
        "auth_id": auth_id,
        "auth_method": "WHITELIST",
        "location": v211_location(1, 0),
        "currency": "EUR",
        "status": "ACTIVE",
        "last_updated": "2026-02-01T09:30:00Z",
    }


@pytest.fixture
def partner() -> Iterator[FakeV211]:
    with fake_v211(page_size=2) as running:
        yield running


@pytest.fixture
async def node(database: Database) -> Node:
    return Node.build(PLATFORM, database, lambda token, encode: None)  # type: ignore[arg-type,return-value]


async def _stored(node: Node, partner: repo.PartnerRecord, module: str, object_id: str) -> Any:
    async with node.db.session() as session:
        found = await objects.get_object(session, module, partner.id, *CPO, object_id)
    return None if found is None else orjson.loads(found.document)


async def test_pages_are_read_as_2_1_1_and_stored_as_2_2_1(node: Node, partner: FakeV211) -> None:
    invalid = {"id": "BAD", "type": "ON_STREET", "last_updated": "2026-02-01T09:00:00Z"}
    # Valid in 2.1.1 (string(39)), too long for 2.2.1's CiString(36).
    too_long = v211_location(0, 0, id="X" * 39)
    partner.lists["locations"] = [
        invalid,
        too_long,
        v211_location(1, 1),
        v211_location(2, 2),
        v211_location(3, 3),
    ]
    record = await register_v211(node.db, partner, "legacy-cpo", Role.CPO, CPO)
    worker = PullWorker(node.db, node.roaming, client_factory(), SETTINGS)

    result = await worker.pull(record, "locations")
    assert (result.full, result.pages, result.received, result.total) == (True, 3, 5, 5)
    assert result.stored == 3
    assert [label for label, _ in result.invalid] == ["BAD", "X" * 39]
    assert "not a valid 2.1.1 Location" in result.invalid[0][1]
    assert "cannot be stored as 2.2.1" in result.invalid[1][1]
    assert result.incomplete is None
    # The next pages were asked for through the Link, with the raw token, no routing headers.
    assert [r.query.get("offset") for r in partner.sent("GET", "/ocpi/2.1.1/cpo/")] == [
        None,
        "2",
        "4",
    ]
    assert routing_headers(partner.requests) == []

    stored = await _stored(node, record, "locations", "L1")
    assert (stored["country_code"], stored["party_id"]) == CPO
    assert stored["publish"] is True
    assert stored["time_zone"] == "Europe/Berlin"
    connector = stored["evses"][0]["connectors"][0]
    assert (connector["max_voltage"], connector["max_amperage"]) == (230, 32)

    # Incremental: L2 changes in the second of the watermark (10:00:03). date_from is "after"
    # in 2.1.1, so the pull asks from 10:00:02 and reads L2 and L3 again.
    partner.lists["locations"][3] = v211_location(2, 3, name="Renamed")
    again = await worker.pull(record, "locations")
    last = partner.sent("GET", "/ocpi/2.1.1/cpo/locations")[-1]
    assert last.query == {"date_from": "2026-02-01T10:00:02Z"}
    assert (again.full, again.received, again.stored, again.unchanged) == (False, 2, 1, 1)
    assert (await _stored(node, record, "locations", "L2"))["name"] == "Renamed"
    async with node.db.session() as session:
        state = await sync_state.get_sync_state(session, record.id, "locations")
    assert state is not None
    assert state.watermark is not None
    assert state.watermark.isoformat().startswith("2026-02-01T10:00:03")


async def test_sessions_are_pulled_from_the_earliest_date(node: Node, partner: FakeV211) -> None:
    partner.lists["sessions"] = [v211_session("S1")]
    record = await register_v211(node.db, partner, "legacy-cpo", Role.CPO, CPO)
    worker = PullWorker(node.db, node.roaming, client_factory(), SETTINGS)

    result = await worker.pull(record, "sessions")
    assert (result.stored, result.invalid, result.foreign) == (1, [], 0)
    [asked] = partner.sent("GET", "/ocpi/2.1.1/cpo/sessions")
    assert asked.query == {"date_from": "1970-01-01T00:00:00Z"}
    stored = await _stored(node, record, "sessions", "S1")
    assert (stored["location_id"], stored["evse_uid"], stored["connector_id"]) == (
        "L1",
        "L1-E1",
        "1",
    )
    token = stored["cdr_token"]
    # Our eMSP party (the Token's owner on this connection); uid from auth_id.
    assert (token["country_code"], token["party_id"]) == ("NL", "ORM")
    assert token["contract_id"] == "NL-ORM-C12345678-X"
    assert stored["start_date_time"] == "2026-02-01T09:00:00Z"


async def test_pulled_sessions_name_our_token(node: Node, partner: FakeV211) -> None:
    """mod_sessions.md 3.1 Session Object: ``auth_id`` names our Token by its contract_id. A
    pulled page's auth_ids are looked up in one query per page; a Session naming one of our
    Tokens is stored with its uid and type in cdr_token, one naming none keeps the fallback
    (uid = auth_id, type OTHER, our eMSP party)."""
    app = api_token("APP-1", type="APP_USER", contract_id="NL-ORM-C77")
    path = ObjectPath("NL", "ORM", "APP-1", (), "APP_USER")
    await node.roaming.own_put(TOKENS, path, orjson.dumps(app))
    partner.lists["sessions"] = [
        v211_session("S1", "nl-orm-c77"),
        v211_session("S2", "NL-ORM-NOBODY"),
        v211_session("S3", "NL-ORM-C77"),
    ]
    record = await register_v211(node.db, partner, "legacy-cpo", Role.CPO, CPO)
    lookups: list[list[str]] = []
    find = node.roaming.own_tokens_by_contract

    async def counted(parties: Any, contract_ids: Any) -> Any:
        lookups.append(list(contract_ids))
        return await find(parties, contract_ids)

    node.roaming.own_tokens_by_contract = counted  # type: ignore[method-assign]
    worker = PullWorker(node.db, node.roaming, client_factory(), SETTINGS)
    result = await worker.pull(record, "sessions")
    assert (result.pages, result.stored, result.invalid) == (2, 3, [])
    # One look-up per page (two Sessions, then one).
    assert lookups == [["NL-ORM-NOBODY", "nl-orm-c77"], ["NL-ORM-C77"]]
    for session_id, auth_id in (("S1", "nl-orm-c77"), ("S3", "NL-ORM-C77")):
        token = (await _stored(node, record, "sessions", session_id))["cdr_token"]
        assert token == {
            "country_code": "NL",
            "party_id": "ORM",
            "uid": "APP-1",
            "type": "APP_USER",
            "contract_id": auth_id,
        }
    token = (await _stored(node, record, "sessions", "S2"))["cdr_token"]
    assert (token["uid"], token["type"]) == ("NL-ORM-NOBODY", "OTHER")


async def test_a_lenient_partner_s_date_times_are_repaired(node: Node, partner: FakeV211) -> None:
    # As for 2.2.1 (_services/reading.py): a DateTime with a space for the T is refused from a
    # strict partner and repaired, and counted, for a lenient one.
    spaced = v211_location(1, 1, last_updated="2026-02-01 10:00:01")
    partner.lists["locations"] = [spaced]
    record = await register_v211(node.db, partner, "legacy-cpo", Role.CPO, CPO)
    worker = PullWorker(node.db, node.roaming, client_factory(), SETTINGS)
    strict = await worker.pull(record, "locations", full=True)
    assert (strict.stored, [label for label, _ in strict.invalid]) == (0, ["L1"])

    await reading.set_policy(node.db, "legacy-cpo", "lenient")
    async with node.db.session() as session:
        lenient = await repo.get_partner(session, record.id)
    assert lenient is not None
    repaired = await worker.pull(lenient, "locations", full=True)
    assert (repaired.stored, repaired.invalid) == (1, [])
    stored = await _stored(node, record, "locations", "L1")
    assert stored["last_updated"] == "2026-02-01T10:00:01Z"
    counted = await reading.deviation_counts(node.db, record.id)
    assert [(d.module, d.field) for d in counted] == [("locations", "last_updated")]


async def test_tokens_of_a_2_1_1_emsp_are_stored_under_its_party(
    node: Node, partner: FakeV211
) -> None:
    # mod_tokens.md 2.2.1 "GET Method", 3.2 "Token Object": no country_code/party_id (the
    # partner's credentials name them), auth_id is 2.2.1's contract_id.
    partner.lists["tokens"] = [
        {
            "uid": "012345678",
            "type": "RFID",
            "auth_id": "DE-MSP-C012345678",
            "issuer": "the 2.1.1 eMSP",
            "valid": True,
            "whitelist": "ALLOWED",
            "last_updated": "2026-02-01T10:00:00Z",
        }
    ]
    record = await register_v211(node.db, partner, "legacy-emsp", Role.EMSP, ("DE", "MSP"))
    worker = PullWorker(node.db, node.roaming, client_factory(), SETTINGS)
    result = await worker.pull(record, "tokens")
    assert (result.stored, result.invalid) == (1, [])
    async with node.db.session() as session:
        found = await objects.get_object(
            session, "tokens", record.id, "DE", "MSP", "012345678", "RFID"
        )
    assert found is not None
    stored = orjson.loads(found.document)
    assert (stored["country_code"], stored["party_id"]) == ("DE", "MSP")
    assert stored["contract_id"] == "DE-MSP-C012345678"
