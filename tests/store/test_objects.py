"""Roaming objects stored once as JSON documents, served as stored (docs/architecture.md
"Roaming objects (Locations, Tariffs, Tokens, Sessions)": one table for every object), on SQLite
and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import orjson

from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.repositories import OWN, StoredObject

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
PARTNER = 7  # origin of received objects; no foreign key, so no partner row is needed


def _document(object_id: str, last_updated: datetime, **extra: object) -> bytes:
    document = {"id": object_id, "last_updated": last_updated, **extra}
    return orjson.dumps(document, option=orjson.OPT_UTC_Z)


async def _put(
    database: Database,
    object_id: str,
    *,
    module: str = "locations",
    origin: int = OWN,
    owner: tuple[str, str] = ("NL", "ORC"),
    object_type: str = "",
    last_updated: datetime = T0,
    **extra: object,
) -> tuple[StoredObject, bool]:
    async with database.session() as session, session.begin():
        return await repo.put_object(
            session,
            module=module,
            origin=origin,
            country_code=owner[0],
            party_id=owner[1],
            object_id=object_id,
            object_type=object_type,
            last_updated=last_updated,
            document=_document(object_id, last_updated, **extra),
        )


async def _get(database: Database, *identity: str, origin: int = OWN, module: str = "locations"):
    async with database.session() as session:
        return await repo.get_object(session, module, origin, *identity)


async def _list(database: Database, **filters) -> list[str]:
    """The object ids of one page."""
    filters.setdefault("module", "locations")
    filters.setdefault("origin", OWN)
    filters.setdefault("limit", 100)
    async with database.session() as session:
        return [o.object_id for o in await repo.list_objects(session, **filters)]


async def test_put_creates_then_replaces_keeping_the_pk(database: Database) -> None:
    created, was_created = await _put(database, "LOC1", name="first")
    replaced, was_replaced = await _put(database, "LOC1", last_updated=T0 + timedelta(1))
    assert (was_created, was_replaced) == (True, False)
    assert replaced.pk == created.pk
    stored = await _get(database, "NL", "ORC", "LOC1")
    assert stored == replaced
    assert stored.last_updated == T0 + timedelta(1)
    assert orjson.loads(stored.document) == {"id": "LOC1", "last_updated": "2026-01-02T12:00:00Z"}
    assert stored.document == _document("LOC1", T0 + timedelta(1))
    assert type(stored.document) is bytes


async def test_ids_match_case_insensitively(database: Database) -> None:
    """types.asciidoc "CiString": country_code, party_id and ids are case-insensitive."""
    created, _ = await _put(database, "Loc1", owner=("nl", "orc"))
    assert (created.country_code, created.party_id, created.object_id) == ("NL", "ORC", "LOC1")
    found = await _get(database, "Nl", "oRc", "LOC1")
    assert found is not None
    assert found.pk == created.pk
    assert orjson.loads(found.document)["id"] == "Loc1"  # the spelling lives in the document
    replaced, was_created = await _put(database, "LOC1", owner=("NL", "ORC"))
    assert (replaced.pk, was_created) == (created.pk, False)


async def test_token_type_and_origin_distinguish_objects(database: Database) -> None:
    """tokens.asciidoc: a token uid is unique per type; an own object and a received object
    with the same ids are different objects."""
    rfid, _ = await _put(database, "012345678", module="tokens", object_type="RFID")
    app, created = await _put(database, "012345678", module="tokens", object_type="APP_USER")
    received, received_created = await _put(database, "012345678", module="tokens", origin=7)
    assert created
    assert received_created
    assert len({rfid.pk, app.pk, received.pk}) == 3
    async with database.session() as session:
        found = await repo.get_object(session, "tokens", OWN, "NL", "ORC", "012345678", "app_user")
        assert found == app
        assert await repo.get_object(session, "tokens", OWN, "NL", "ORC", "012345678") is None
    async with database.session() as session, session.begin():
        assert await repo.delete_object(session, "tokens", OWN, "nl", "orc", "012345678", "RFID")
        assert not await repo.delete_object(
            session, "tokens", OWN, "NL", "ORC", "012345678", "RFID"
        )
    async with database.session() as session:
        assert (
            await repo.get_object(session, "tokens", OWN, "NL", "ORC", "012345678", "RFID") is None
        )
        assert await repo.get_object(session, "tokens", OWN, "NL", "ORC", "012345678", "APP_USER")


async def test_pk_is_never_reused_after_deleting_the_newest(database: Database) -> None:
    """A keyset cursor pointing at a deleted object must not later mean another object."""
    await _put(database, "LOC1")
    last, _ = await _put(database, "LOC2")
    async with database.session() as session, session.begin():
        assert await repo.delete_object(session, "locations", OWN, "NL", "ORC", "LOC2")
    newer, _ = await _put(database, "LOC3")
    assert newer.pk > last.pk


async def test_list_is_in_creation_order_while_objects_change(database: Database) -> None:
    """transport_and_format.asciidoc "Pagination": the order must be stable across pages."""
    for object_id in ("C", "A", "B"):
        await _put(database, object_id)
    await _put(database, "C", last_updated=T0 + timedelta(days=3))  # newer, same position
    assert await _list(database) == ["C", "A", "B"]


async def test_date_from_is_inclusive_and_date_to_exclusive(database: Database) -> None:
    """transport_and_format.asciidoc "Paginated Request": last_updated >= date_from and
    last_updated < date_to; an object updated exactly at date_to is excluded."""
    for day in range(4):
        await _put(database, f"D{day}", last_updated=T0 + timedelta(days=day))
    assert await _list(database, date_from=T0 + timedelta(days=1)) == ["D1", "D2", "D3"]
    assert await _list(database, date_to=T0 + timedelta(days=2)) == ["D0", "D1"]
    between = {"date_from": T0 + timedelta(days=1), "date_to": T0 + timedelta(days=3)}
    assert await _list(database, **between) == ["D1", "D2"]
    async with database.session() as session:
        assert await repo.count_objects(session, module="locations", origin=OWN, **between) == 2
    # Any time zone names the same instant.
    amsterdam = (T0 + timedelta(days=3)).astimezone(ZoneInfo("Europe/Amsterdam"))
    assert await _list(database, date_to=amsterdam) == ["D0", "D1", "D2"]


async def test_owners_and_origin_filters(database: Database) -> None:
    await _put(database, "OWN1", owner=("NL", "ORC"))
    await _put(database, "OWN2", owner=("BE", "ORB"))
    await _put(database, "THEIRS", origin=PARTNER, owner=("DE", "PRT"))
    await _put(database, "TARIFF", module="tariffs", owner=("NL", "ORC"))
    assert await _list(database, owners=[("nl", "orc")]) == ["OWN1"]
    assert await _list(database, owners=[("NL", "ORC"), ("be", "Orb")]) == ["OWN1", "OWN2"]
    assert await _list(database, owners=[]) == []
    assert await _list(database, origin=PARTNER) == ["THEIRS"]
    assert await _list(database, origin=None) == ["OWN1", "OWN2", "THEIRS"]
    assert await _list(database, origin=None, owners=[("DE", "PRT")]) == ["THEIRS"]
    async with database.session() as session:
        count = repo.count_objects
        assert await count(session, module="locations", origin=OWN) == 2
        assert await count(session, module="locations", origin=None) == 3
        assert await count(session, module="locations", origin=None, owners=[("de", "prt")]) == 1
        assert await count(session, module="tariffs", origin=OWN) == 1
        assert await count(session, module="tokens", origin=OWN) == 0


async def test_offset_and_keyset_pages_are_the_same(database: Database) -> None:
    """Keyset access (after_pk) walks the same pages as offset paging, and list_documents
    hands back exactly the stored bytes."""
    stored = [
        (await _put(database, f"L{i}", last_updated=T0 + timedelta(hours=i % 5)))[0]
        for i in range(11)
    ]
    filters = {"module": "locations", "origin": OWN, "date_from": T0 + timedelta(hours=1)}
    expected = [o for o in stored if o.last_updated >= filters["date_from"]]
    async with database.session() as session:
        by_offset, by_keyset, documents = [], [], []
        after_pk = None
        for offset in range(0, len(expected) + 3, 3):
            by_offset += await repo.list_objects(session, **filters, offset=offset, limit=3)
            page = await repo.list_objects(session, **filters, after_pk=after_pk, limit=3)
            docs, last_pk = await repo.list_documents(
                session,
                **filters,
                offset=0 if after_pk is None else 999,
                after_pk=after_pk,
                limit=3,
            )
            assert last_pk == (page[-1].pk if page else None)
            by_keyset += page
            documents += docs
            after_pk = last_pk if last_pk is not None else after_pk
        assert by_offset == by_keyset == expected
        assert documents == [o.document for o in expected]
        assert all(type(d) is bytes for d in documents)
        assert await repo.count_objects(session, **filters) == len(expected)
        assert await repo.list_documents(session, **filters, offset=len(expected), limit=3) == (
            [],
            None,
        )


async def test_get_for_update_serialises_read_merge_write(database: Database) -> None:
    """A PATCH reads, merges and writes the document: two at once must not lose either change
    (PostgreSQL: FOR UPDATE; SQLite: the transaction takes the write lock before reading)."""
    await _put(database, "LOC1", count=0)

    async def increment() -> None:
        async with database.session() as session, session.begin():
            stored = await repo.get_object(
                session, "locations", OWN, "NL", "ORC", "LOC1", for_update=True
            )
            assert stored is not None
            document = orjson.loads(stored.document)
            await asyncio.sleep(0.05)  # the other transaction runs meanwhile
            document["count"] += 1
            await repo.put_object(
                session,
                module="locations",
                origin=OWN,
                country_code="NL",
                party_id="ORC",
                object_id="LOC1",
                last_updated=T0,
                document=orjson.dumps(document),
            )

    await asyncio.gather(increment(), increment(), increment())
    stored = await _get(database, "NL", "ORC", "LOC1")
    assert orjson.loads(stored.document)["count"] == 3
