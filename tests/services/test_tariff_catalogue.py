"""The Tariffs a node holds, for the console (services/tariff_catalogue.py), on SQLite and
PostgreSQL: own and partners' Tariffs with who sent them, one by its key, and the time zone each
is read in (a Location of the same owner and origin listing it, else the node's default)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest

from openroam._services import tariff_catalogue
from openroam._services.tariff_catalogue import TariffCatalogue
from openroam._store import object_repo as objects
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.records import Grant
from openroam.errors import NotFound
from openroam.models.v221.types import Role
from tests.pricing.support import component, element, make_tariff

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def tariff_document(country_code: str, party_id: str, tariff_id: str) -> dict[str, Any]:
    tariff = make_tariff(element(component("ENERGY", "0.25")))
    document: dict[str, Any] = json.loads(tariff.to_json())
    document.update(country_code=country_code, party_id=party_id, id=tariff_id)
    return document


def location_document(location_id: str, zone: str | None, *tariff_ids: str) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": location_id,
        "evses": [{"uid": "E1", "connectors": [{"id": "1", "tariff_ids": list(tariff_ids)}]}],
    }
    if zone is not None:
        document["time_zone"] = zone
    return document


async def store(
    database: Database,
    module: str,
    origin: int,
    country_code: str,
    party_id: str,
    object_id: str,
    document: dict[str, Any],
) -> None:
    async with database.session() as session, session.begin():
        await objects.put_object(
            session,
            module=module,
            origin=origin,
            country_code=country_code,
            party_id=party_id,
            object_id=object_id,
            last_updated=T0,
            document=orjson.dumps(document),
        )


async def partner(database: Database, name: str) -> int:
    async with database.session() as session, session.begin():
        invited = await repo.create_invitation(
            session, name, f"token-{name}", [Grant(Role.CPO, "DE", "ABC")]
        )
    return invited.id


async def test_own_and_partners_tariffs_come_with_their_source_in_stored_order(
    database: Database,
) -> None:
    other = await partner(database, "abc-cpo")
    await store(database, "tariffs", 0, "NL", "CON", "t-own", tariff_document("NL", "CON", "t-own"))
    await store(database, "tariffs", other, "DE", "ABC", "T9", tariff_document("DE", "ABC", "T9"))
    await store(database, "locations", 0, "NL", "CON", "L1", location_document("L1", "UTC"))
    catalogue = TariffCatalogue(database)

    every = await catalogue.page(None, 0, 10)
    assert every.total == 2
    assert [(t.source, t.country_code, t.party_id, t.tariff_id) for t in every.tariffs] == [
        ("own", "NL", "CON", "t-own"),  # the document's spelling, not the folded key
        ("abc-cpo", "DE", "ABC", "T9"),
    ]
    assert every.tariffs[0].own
    assert not every.tariffs[1].own
    theirs = await catalogue.page(other, 0, 10)
    assert (theirs.total, [t.tariff_id for t in theirs.tariffs]) == (1, ["T9"])
    second = await catalogue.page(None, 1, 1)
    assert (second.total, [t.tariff_id for t in second.tariffs]) == (2, ["T9"])
    assert await catalogue.sources() == {other: "abc-cpo"}


async def test_one_tariff_by_its_source_and_ids(database: Database) -> None:
    await store(database, "tariffs", 0, "NL", "CON", "T1", tariff_document("NL", "CON", "T1"))
    await store(database, "locations", 0, "NL", "CON", "L1", location_document("L1", "UTC"))
    catalogue = TariffCatalogue(database)
    held = await catalogue.get(0, "nl", "con", "t1")  # CiString ids
    assert (held.source, held.country_code, held.tariff_id) == ("own", "NL", "T1")
    with pytest.raises(NotFound):
        await catalogue.get(0, "NL", "CON", "L1")  # a Location, not a Tariff
    with pytest.raises(NotFound):
        await catalogue.get(7, "NL", "CON", "T1")  # not from that partner


async def test_a_tariff_is_read_in_the_zone_of_a_location_of_its_owner_that_lists_it(
    database: Database,
) -> None:
    other = await partner(database, "abc-cpo")
    for origin, cc, pid in ((0, "NL", "CON"), (other, "DE", "ABC")):
        await store(database, "tariffs", origin, cc, pid, "T1", tariff_document(cc, pid, "T1"))
    # Our Location lists t1 (ids are case-insensitive); the partner's names another tariff,
    # and a Location of another owner lists T1 but is not the partner's.
    await store(
        database,
        "locations",
        0,
        "NL",
        "CON",
        "L1",
        location_document("L1", "Europe/Amsterdam", "t1"),
    )
    await store(
        database,
        "locations",
        other,
        "DE",
        "ABC",
        "L2",
        location_document("L2", "Europe/Berlin", "T2"),
    )
    await store(
        database, "locations", other, "DE", "XYZ", "L3", location_document("L3", "Asia/Tokyo", "T1")
    )
    catalogue = TariffCatalogue(database, default_zone="Europe/Lisbon")
    own, theirs = (await catalogue.page(None, 0, 10)).tariffs
    zones = await catalogue.zones([own, theirs])

    assert zones[own.pk].zone == ZoneInfo("Europe/Amsterdam")
    assert zones[own.pk].location_id == "L1"
    assert "Location L1" in zones[own.pk].explanation
    assert zones[theirs.pk].zone == ZoneInfo("Europe/Lisbon")
    assert zones[theirs.pk].location_id is None
    assert zones[theirs.pk].explanation == (
        "No Location of this party lists this tariff: times are read in Europe/Lisbon, this "
        "node's default Location time zone."
    )


async def test_a_location_without_a_usable_zone_is_passed_over_and_others_are_named(
    database: Database,
) -> None:
    await store(database, "tariffs", 0, "NL", "CON", "T1", tariff_document("NL", "CON", "T1"))
    await store(
        database, "locations", 0, "NL", "CON", "L0", location_document("L0", "Mars/Base", "T1")
    )
    await store(
        database, "locations", 0, "NL", "CON", "L1", location_document("L1", "Europe/Paris", "T1")
    )
    await store(
        database, "locations", 0, "NL", "CON", "L2", location_document("L2", "Europe/London", "T1")
    )
    catalogue = TariffCatalogue(database)
    [held] = (await catalogue.page(None, 0, 10)).tariffs
    zone = (await catalogue.zones([held]))[held.pk]
    assert (zone.zone, zone.location_id) == (ZoneInfo("Europe/Paris"), "L1")
    assert "Other Locations listing it are in Europe/London" in zone.explanation


async def test_the_search_for_a_location_stops_at_its_limit_and_says_so(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tariff_catalogue, "LOCATION_SCAN_LIMIT", 4)
    monkeypatch.setattr(tariff_catalogue, "_SCAN_PAGE", 2)
    await store(database, "tariffs", 0, "NL", "CON", "T1", tariff_document("NL", "CON", "T1"))
    for number in range(5):
        listed = ("T1",) if number == 4 else ()
        await store(
            database,
            "locations",
            0,
            "NL",
            "CON",
            f"L{number}",
            location_document(f"L{number}", "Europe/Rome", *listed),
        )
    catalogue = TariffCatalogue(database)
    [held] = (await catalogue.page(None, 0, 10)).tariffs
    zone = (await catalogue.zones([held]))[held.pk]
    assert zone.location_id is None
    assert zone.explanation.startswith("No Location among the first 4 of this party lists")

    monkeypatch.setattr(tariff_catalogue, "LOCATION_SCAN_LIMIT", 6)
    zone = (await catalogue.zones([held]))[held.pk]
    assert (zone.zone, zone.location_id) == (ZoneInfo("Europe/Rome"), "L4")
