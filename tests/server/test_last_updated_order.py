"""``last_updated`` never goes backwards (mod_locations "Location Object", "EVSE Object": a
Location's last_updated is when it or one of its EVSEs or Connectors was last updated, an EVSE's
when it or one of its Connectors was). A child written with an older ``last_updated`` than its
parent leaves the parent's as it is, so an older update of the parent arriving later is still
seen as older and ignored, and ``date_from`` lists still find the object.
docs/spec-decisions.md "A parent's last_updated after an older child update". SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest_asyncio

from openroam._services.documents import ObjectPath
from openroam._services.object_specs import LOCATIONS
from openroam._services.roaming import PageQuery
from openroam._store.db import Database
from openroam.models.common import parse_datetime
from tests.api.support import T0, connector, evse
from tests.server.roaming_support import (
    Roaming,
    location,
    open_roaming,
    receiver_url,
    sender_url,
)
from tests.server.support import FakePartner, envelope_of

T1 = "2026-01-01T11:00:00Z"
T2 = "2026-01-01T12:00:00Z"
T2_30 = "2026-01-01T12:30:00Z"
T3 = "2026-01-01T13:00:00Z"


@pytest_asyncio.fixture(loop_scope="session")
async def roaming(database: Database, partner: FakePartner) -> AsyncIterator[Roaming]:
    async with open_roaming(database, partner) as setup:
        yield setup


def url(roaming: Roaming, *ids: str) -> str:
    return receiver_url("locations", roaming.partner_cpo, *ids)


async def stored(roaming: Roaming) -> Any:
    return envelope_of(await roaming.get(url(roaming, "LOC1")), 200, 1000)["data"]


async def partner_ids_since(roaming: Roaming, date_from: str) -> list[str]:
    """The partner's Locations we hold with last_updated ≥ ``date_from``: the indexed column a
    ``date_from`` list filters on, read as the backend API's partner list reads it."""
    query = PageQuery(date_from=parse_datetime(date_from), date_to=None, offset=0, limit=10)
    page = await roaming.node.roaming.page(roaming.partner_id, LOCATIONS, query, None)
    return [orjson.loads(document)["id"] for document in page.documents]


async def test_an_older_evse_or_connector_write_keeps_the_locations_last_updated(
    roaming: Roaming,
) -> None:
    """An EVSE PATCH (and a Connector PUT) newer than the part it addresses but older than the
    Location is applied to that part; the parents keep the later last_updated."""
    newer = location(roaming.partner_cpo, last_updated=T3, evses=[evse(last_updated=T0)])
    envelope_of(await roaming.put(url(roaming, "LOC1"), newer), 201, 1000)
    patch = {"status": "CHARGING", "last_updated": T1}
    envelope_of(await roaming.patch(url(roaming, "LOC1", "E1"), patch), 200, 1000)
    document = await stored(roaming)
    assert document["last_updated"] == T3
    assert (document["evses"][0]["status"], document["evses"][0]["last_updated"]) == (
        "CHARGING",
        T1,
    )
    put = connector(max_amperage=16, last_updated=T2)
    envelope_of(await roaming.put(url(roaming, "LOC1", "E1", "1"), put), 200, 1000)
    document = await stored(roaming)
    assert document["last_updated"] == T3
    assert document["evses"][0]["last_updated"] == T2
    assert document["evses"][0]["connectors"][0] == put
    assert await partner_ids_since(roaming, T3) == ["LOC1"]


async def test_an_older_connector_patch_keeps_the_evses_last_updated(roaming: Roaming) -> None:
    """An EVSE's last_updated covers its Connectors: an older Connector change leaves it."""
    newer = location(roaming.partner_cpo, last_updated=T3, evses=[evse(last_updated=T3)])
    envelope_of(await roaming.put(url(roaming, "LOC1"), newer), 201, 1000)
    patch = {"max_amperage": 16, "last_updated": T1}
    envelope_of(await roaming.patch(url(roaming, "LOC1", "E1", "1"), patch), 200, 1000)
    document = await stored(roaming)
    assert document["last_updated"] == document["evses"][0]["last_updated"] == T3
    assert document["evses"][0]["connectors"][0] == connector(max_amperage=16, last_updated=T1)


async def test_an_older_location_patch_arriving_after_a_newer_one_is_not_applied(
    roaming: Roaming,
) -> None:
    """The CPO PATCHes the Location at T3, an EVSE at T2, then (delivered late) the Location at
    12:30: that last one is older than what we hold (T3) and is acknowledged, not applied."""
    envelope_of(await roaming.put(url(roaming, "LOC1"), location(roaming.partner_cpo)), 201, 1000)
    newer = {"name": "newer", "last_updated": T3}
    envelope_of(await roaming.patch(url(roaming, "LOC1"), newer), 200, 1000)
    evse_patch = {"status": "BLOCKED", "last_updated": T2}
    envelope_of(await roaming.patch(url(roaming, "LOC1", "E1"), evse_patch), 200, 1000)
    late = {"name": "older", "last_updated": T2_30}
    envelope_of(await roaming.patch(url(roaming, "LOC1"), late), 200, 1000)
    document = await stored(roaming)
    assert (document["name"], document["last_updated"]) == ("newer", T3)
    assert document["evses"][0]["status"] == "BLOCKED"
    assert await partner_ids_since(roaming, T3) == ["LOC1"]


async def test_an_incremental_sender_get_still_finds_the_changed_location(
    roaming: Roaming,
) -> None:
    """Our own Location changed at T3, then an EVSE status stamped T2 by the backend: a partner
    that pulls with date_from after the older write (T2:30) still gets the Location, with both
    changes (mod_locations Sender "GET Method", transport_and_format "Pagination")."""
    await roaming.own_put("locations", location(roaming.cpo, "LOC1", last_updated=T1))
    service = roaming.node.roaming
    top = ObjectPath(*roaming.cpo, "LOC1")
    await service.own_patch(LOCATIONS, top, orjson.dumps({"name": "new", "last_updated": T3}))
    at_evse = ObjectPath(*roaming.cpo, "LOC1", ("E1",))
    body = orjson.dumps({"status": "CHARGING", "last_updated": T2})
    assert (await service.own_patch(LOCATIONS, at_evse, body)).applied
    response = await roaming.get(sender_url("locations"), params={"date_from": T2_30})
    [changed] = envelope_of(response, 200, 1000)["data"]
    assert (changed["id"], changed["name"], changed["last_updated"]) == ("LOC1", "new", T3)
    assert changed["evses"][0]["status"] == "CHARGING"
    late = orjson.dumps({"name": "old", "last_updated": T2_30})
    assert not (await service.own_patch(LOCATIONS, top, late)).applied
