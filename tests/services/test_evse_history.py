"""The EVSE status history (``_store/evse_history.py``), recorded where Locations are written: our
backend's PUT and PATCH (the SQLite writer's path and PostgreSQL's transaction), a partner's push
on our Receiver interface, and pages pulled from a partner — on SQLite and PostgreSQL. A row for
each EVSE whose status changed, with the status before, none for a write that leaves every
status as it was; and the console's view of Locations found by id, name or address."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from openroam._services.credentials import Caller
from openroam._services.documents import ObjectPath
from openroam._services.location_overview import LocationOverview
from openroam._services.object_specs import SPECS
from openroam._services.platform import OwnParty, Platform
from openroam._services.pulled import store_pulled
from openroam._services.roaming import RoamingService
from openroam._store.console_tables import EvseStatusChange
from openroam._store.db import Database
from openroam.errors import InvalidOrMissingParameters, NotFound
from openroam.models.v221.types import Role
from tests.api.support import evse, location

SPEC = SPECS["locations"]
OURS = OwnParty("NL", "ORM", Role.CPO, "Our CPO")
PARTNER = 7
PARTNER_CPO = Caller(PARTNER, "cpo", "", "C", "registered", (("CPO", "DE", "CPX"),))


def _service(database: Database) -> RoamingService:
    return RoamingService(database, Platform("http://cpo.test", (OURS,)))


def _path(location_id: str, *sub_ids: str, owner: tuple[str, str] = ("NL", "ORM")) -> ObjectPath:
    return ObjectPath(owner[0], owner[1], location_id, sub_ids)


def _stamp(minute: int) -> str:
    return f"2026-01-01T10:{minute:02d}:00Z"


async def _changes(database: Database) -> list[tuple[Any, ...]]:
    table = EvseStatusChange.__table__
    async with database.session() as session:
        rows = await session.execute(
            select(
                table.c.origin,
                table.c.country_code,
                table.c.party_id,
                table.c.location_id,
                table.c.evse_uid,
                table.c.previous,
                table.c.status,
                table.c.last_updated,
            ).order_by(table.c.id)
        )
    return [tuple(row) for row in rows]


def _at(minute: int) -> datetime:
    return datetime(2026, 1, 1, 10, minute, tzinfo=UTC)


async def test_own_writes_record_each_status_change_with_the_one_before(
    database: Database,
) -> None:
    service = _service(database)
    body = location("LOC1", evses=[evse("E1"), evse("e2", status="CHARGING")])
    await service.own_put(SPEC, _path("LOC1"), orjson.dumps(body))
    # The first statuses stored: no status before.
    assert await _changes(database) == [
        (0, "NL", "ORM", "LOC1", "E1", None, "AVAILABLE", _at(0)),
        (0, "NL", "ORM", "LOC1", "E2", None, "CHARGING", _at(0)),
    ]

    patch = {"status": "CHARGING", "last_updated": _stamp(5)}
    await service.own_patch(SPEC, _path("loc1", "e1"), orjson.dumps(patch))
    # The same status again (a newer write), a Connector, an older PATCH: nothing to record.
    same = {"status": "CHARGING", "last_updated": _stamp(6)}
    await service.own_patch(SPEC, _path("LOC1", "E1"), orjson.dumps(same))
    connector = {"max_amperage": 16, "last_updated": _stamp(7)}
    await service.own_patch(SPEC, _path("LOC1", "E1", "1"), orjson.dumps(connector))
    older = {"status": "BLOCKED", "last_updated": _stamp(1)}
    assert not (await service.own_patch(SPEC, _path("LOC1", "E1"), orjson.dumps(older))).applied
    # A whole Location again: only E2 changed.
    again = location(
        "LOC1",
        evses=[evse("E1", status="CHARGING", last_updated=_stamp(6)), evse("E2")],
        last_updated=_stamp(8),
    )
    await service.own_put(SPEC, _path("LOC1"), orjson.dumps(again))
    # A new EVSE PUT on its own URL: its first status.
    added = evse("E3", status="OUTOFORDER", last_updated=_stamp(9))
    await service.own_put(SPEC, _path("LOC1", "E3"), orjson.dumps(added))

    assert (await _changes(database))[2:] == [
        (0, "NL", "ORM", "LOC1", "E1", "AVAILABLE", "CHARGING", _at(5)),
        # E2 has no last_updated of its own newer than T0: its own stamp is kept.
        (0, "NL", "ORM", "LOC1", "E2", "CHARGING", "AVAILABLE", _at(0)),
        (0, "NL", "ORM", "LOC1", "E3", None, "OUTOFORDER", _at(9)),
    ]


async def test_a_refused_write_records_nothing(database: Database) -> None:
    service = _service(database)
    await service.own_put(SPEC, _path("LOC1"), orjson.dumps(location("LOC1")))
    before = await _changes(database)
    # Not an EVSE status (refused as it is read), an unknown EVSE (refused by the merge, in the
    # write's transaction).
    bad = {"status": "SLEEPING", "last_updated": _stamp(5)}
    with pytest.raises(InvalidOrMissingParameters):
        await service.own_patch(SPEC, _path("LOC1", "E1"), orjson.dumps(bad))
    good = {"status": "CHARGING", "last_updated": _stamp(5)}
    with pytest.raises(NotFound):
        await service.own_patch(SPEC, _path("LOC1", "E9"), orjson.dumps(good))
    assert await _changes(database) == before


async def test_partner_pushes_record_changes_under_the_partners_origin(
    database: Database,
) -> None:
    service = _service(database)
    owner = ("DE", "CPX")
    body = location("P1", "DE", "CPX", evses=[evse("E1", status="AVAILABLE")])
    await service.receive_put(PARTNER_CPO, SPEC, _path("P1", owner=owner), orjson.dumps(body))
    patch = {"status": "OUTOFORDER", "last_updated": _stamp(3)}
    await service.receive_patch(
        PARTNER_CPO, SPEC, _path("P1", "E1", owner=owner), orjson.dumps(patch)
    )
    assert await _changes(database) == [
        (PARTNER, "DE", "CPX", "P1", "E1", None, "AVAILABLE", _at(0)),
        (PARTNER, "DE", "CPX", "P1", "E1", "AVAILABLE", "OUTOFORDER", _at(3)),
    ]


async def test_pulled_pages_record_the_changes_of_what_they_replace(database: Database) -> None:
    service = _service(database)

    def page(minute: int, first: str, second: str) -> list[dict[str, Any]]:
        return [
            location(
                "P1",
                "DE",
                "CPX",
                evses=[
                    evse("E1", status=first, last_updated=_stamp(minute)),
                    evse("E2", status=second, last_updated=_stamp(minute)),
                ],
                last_updated=_stamp(minute),
            ),
            location("P2", "DE", "CPX", evses=[], last_updated=_stamp(minute)),
        ]

    await store_pulled(service, PARTNER_CPO, SPEC, page(0, "AVAILABLE", "AVAILABLE"))
    # The same page again, and an older one: nothing is replaced, nothing recorded.
    await store_pulled(service, PARTNER_CPO, SPEC, page(0, "AVAILABLE", "AVAILABLE"))
    await store_pulled(service, PARTNER_CPO, SPEC, page(0, "CHARGING", "CHARGING"))
    result = await store_pulled(service, PARTNER_CPO, SPEC, page(4, "AVAILABLE", "CHARGING"))
    assert result.stored == 2
    assert await _changes(database) == [
        (PARTNER, "DE", "CPX", "P1", "E1", None, "AVAILABLE", _at(0)),
        (PARTNER, "DE", "CPX", "P1", "E2", None, "AVAILABLE", _at(0)),
        (PARTNER, "DE", "CPX", "P1", "E2", "AVAILABLE", "CHARGING", _at(4)),
    ]


async def test_pages_a_hub_pulls_record_changes_as_they_relay_them(database: Database) -> None:
    # A Hub stores a pulled page object by object (each queued for the other parties): the
    # history is recorded on that path too.
    hub = RoamingService(
        database, Platform("http://hub.test", (OwnParty("NL", "HUB", Role.HUB, "Hub"),))
    )
    first = location("P1", "DE", "CPX", evses=[evse("E1")])
    await store_pulled(hub, PARTNER_CPO, SPEC, [first])
    changed = location(
        "P1",
        "DE",
        "CPX",
        evses=[evse("E1", status="BLOCKED", last_updated=_stamp(2))],
        last_updated=_stamp(2),
    )
    await store_pulled(hub, PARTNER_CPO, SPEC, [changed])
    await store_pulled(hub, PARTNER_CPO, SPEC, [changed])
    assert await _changes(database) == [
        (PARTNER, "DE", "CPX", "P1", "E1", None, "AVAILABLE", _at(0)),
        (PARTNER, "DE", "CPX", "P1", "E1", "AVAILABLE", "BLOCKED", _at(2)),
    ]


async def test_the_overview_finds_locations_by_id_name_and_address(database: Database) -> None:
    service = _service(database)
    ours = location(
        "LOC-A",
        name="Central Station",
        evses=[evse("E1"), evse("E2", status="CHARGING"), evse("E3", status="CHARGING")],
    )
    await service.own_put(SPEC, _path("LOC-A"), orjson.dumps(ours))
    theirs = location(
        "P_1", "DE", "CPX", name='Hof "am" Markt', address="Marktplatz 5", city="Köln", evses=[]
    )
    await service.receive_put(
        PARTNER_CPO, SPEC, _path("P_1", owner=("DE", "CPX")), orjson.dumps(theirs)
    )
    overview = LocationOverview(database)

    async def ids(text: str | None, origin: int | None = None) -> list[str]:
        return [found.id for found in (await overview.search(text, origin, 0, 50)).locations]

    assert await ids(None) == ["LOC-A", "P_1"]
    assert await ids("loc-a") == ["LOC-A"]
    assert await ids("central") == ["LOC-A"]
    assert await ids("MARKTPLATZ") == ["P_1"]
    assert await ids("Köln") == ["P_1"]
    assert await ids('"am"') == ["P_1"]
    assert await ids("Utrecht") == ["LOC-A"]  # the support Location's city
    # Wildcards are text, not patterns: "_" is not "any character".
    assert await ids("p_1") == ["P_1"]
    assert await ids("P%") == []
    # A word found elsewhere in a document (an EVSE status) is not a match.
    assert await ids("CHARGING") == []
    assert await ids(None, 0) == ["LOC-A"]
    assert await ids(None, PARTNER) == ["P_1"]

    found = (await overview.search("central", None, 0, 50)).locations[0]
    assert found.owner == "own"
    assert found.statuses == (("AVAILABLE", 1), ("CHARGING", 2))
    assert found.path == "0/NL/ORM/LOC-A"

    page = await overview.search(None, None, 1, 1)
    assert [f.id for f in page.locations] == ["P_1"]
    assert not page.more
    assert (await overview.search(None, None, 0, 1)).more


async def test_the_detail_lists_each_evse_with_its_history_newest_first(
    database: Database,
) -> None:
    service = _service(database)
    await service.own_put(SPEC, _path("LOC1"), orjson.dumps(location("LOC1")))
    for minute, status in ((1, "CHARGING"), (2, "AVAILABLE"), (3, "OUTOFORDER")):
        patch = {"status": status, "last_updated": _stamp(minute)}
        await service.own_patch(SPEC, _path("LOC1", "E1"), orjson.dumps(patch))
    overview = LocationOverview(database)
    detail = await overview.detail(0, "nl", "orm", "loc1", history=3)
    assert [evse.uid for evse in detail.evses] == ["E1"]
    history = detail.evses[0].history
    assert [(h.previous, h.status) for h in history] == [
        ("AVAILABLE", "OUTOFORDER"),
        ("CHARGING", "AVAILABLE"),
        ("AVAILABLE", "CHARGING"),
    ]
    assert detail.evses[0].status == "OUTOFORDER"
    with pytest.raises(NotFound):
        await overview.detail(PARTNER, "NL", "ORM", "LOC1")
