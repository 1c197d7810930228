"""Pages of stored documents for the GET list hot path (docs/architecture.md "Roaming objects
(Locations, Tariffs, Tokens, Sessions)", What a GET list page costs;
transport_and_format.asciidoc "Pagination"): ``read_page`` in a session and ``fetch_page``, which
reads a SQLite file with a plain sqlite3 connection on the calling thread. On SQLite and
PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import orjson

from openroam._store import object_repo as objects
from openroam._store.db import Database

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
OWNERS = [("NL", "ORC"), ("nl", "oth"), ("DE", "PRT")]


async def _seed(database: Database) -> None:
    async with database.session() as session, session.begin():
        for number in range(13):
            country_code, party_id = OWNERS[number % 3]
            # Sub-second and whole-second times, so the date filters' text form matters.
            when = T0 + timedelta(minutes=number % 4, microseconds=250_000 * (number % 2))
            await objects.put_object(
                session,
                module="locations",
                origin=objects.OWN if number % 5 else 9,
                country_code=country_code,
                party_id=party_id,
                object_id=f"L{number}",
                last_updated=when,
                document=orjson.dumps({"id": f"L{number}", "n": number}),
            )


FILTERS = {
    "origin": [objects.OWN, None],
    "owners": [None, [("nl", "orc")], [("NL", "ORC"), ("DE", "prt")]],
    "date_from": [None, T0 + timedelta(minutes=1), T0 + timedelta(minutes=1, microseconds=250_000)],
    "date_to": [None, T0 + timedelta(minutes=3)],
}


async def test_fetch_page_reads_what_read_page_reads_for_every_filter(database: Database) -> None:
    """Both ways give the same documents, last pk and "more" for every combination of filters,
    by offset and by keyset; "more" says exactly whether a next page exists."""
    await _seed(database)
    for values in itertools.product(*FILTERS.values()):
        filters = dict(zip(FILTERS, values, strict=True))
        async with database.session() as session:
            everything = await objects.read_page(session, module="locations", **filters, limit=100)
        pages, after_pk, offset = [], None, 0
        while True:
            async with database.session() as session:
                expected = await objects.read_page(
                    session,
                    module="locations",
                    **filters,
                    offset=offset,
                    after_pk=after_pk,
                    limit=2,
                )
            found = await objects.fetch_page(
                database,
                module="locations",
                **filters,
                offset=offset,
                after_pk=after_pk,
                limit=2,
            )
            assert found == expected, filters
            pages += found.documents
            if not found.more:
                break
            after_pk, offset = found.last_pk, offset + 2
        assert pages == everything.documents, filters
        assert not everything.more


async def test_fetch_page_sees_each_commit(database: Database) -> None:
    """A read right after a commit (through the async engine) already sees it."""
    await _seed(database)
    before = await objects.fetch_page(database, module="locations", origin=None, limit=100)
    async with database.session() as session, session.begin():
        await objects.put_object(
            session,
            module="locations",
            origin=objects.OWN,
            country_code="NL",
            party_id="ORC",
            object_id="NEW",
            last_updated=T0,
            document=b'{"id":"NEW"}',
        )
    after = await objects.fetch_page(database, module="locations", origin=None, limit=100)
    assert after.documents == [*before.documents, b'{"id":"NEW"}']


async def test_a_sqlite_file_has_a_reader_and_postgresql_none(database: Database) -> None:
    assert (database.reader is not None) == (database.engine.dialect.name == "sqlite")
