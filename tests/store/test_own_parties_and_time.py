"""Own parties and UTC timestamps, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import StatementError

from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.tables import OwnParty
from openroam.models.v221.types import Role

CPO = repo.OwnPartyData("NL", "EXA", Role.CPO, {"name": "Example CPO"})
EMSP = repo.OwnPartyData("NL", "EXA", Role.EMSP, {"name": "Example eMSP"})


async def _own_parties(database: Database) -> list[repo.OwnPartyData]:
    async with database.session() as session:
        return await repo.list_own_parties(session)


async def test_upsert_own_parties_is_idempotent(database: Database) -> None:
    for _ in range(2):
        async with database.session() as session, session.begin():
            await repo.upsert_own_parties(session, [CPO, EMSP])
    assert await _own_parties(database) == [CPO, EMSP]


async def test_upsert_updates_a_party_matched_case_insensitively(database: Database) -> None:
    """types.asciidoc "CiString": nl/exa is the party NL/EXA, so it is updated, not added."""
    async with database.session() as session, session.begin():
        await repo.upsert_own_parties(session, [CPO])
    renamed = repo.OwnPartyData("nl", "exa", Role.CPO, {"name": "Renamed", "website": "https://x"})
    async with database.session() as session, session.begin():
        await repo.upsert_own_parties(session, [renamed])
        await repo.upsert_own_parties(session, [])
    assert await _own_parties(database) == [renamed]


async def _stored_created_at(database: Database, created_at: datetime) -> datetime:
    async with database.session() as session, session.begin():
        session.add(
            OwnParty(
                country_code="NL",
                party_id="EXA",
                country_key="NL",
                party_key="EXA",
                role="CPO",
                business_details={"name": "x"},
                created_at=created_at,
                updated_at=created_at,
            )
        )
    async with database.session() as session:
        return (await session.scalars(select(OwnParty.created_at))).one()


async def test_timestamps_come_back_aware_in_utc(database: Database) -> None:
    """docs/architecture.md "Storage" (Time): every timestamp is UTC; SQLite has no zone type, so
    this is enforced."""
    cest = timezone(timedelta(hours=2))
    written = datetime(2026, 6, 1, 12, 30, 15, 123456, tzinfo=cest)
    read = await _stored_created_at(database, written)
    assert read.tzinfo is UTC
    assert read == written
    assert read.hour == 10


async def test_naive_timestamps_are_refused(database: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        await _stored_created_at(database, datetime(2026, 6, 1, 12, 0))


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 6, 1, 12, 30, 15, 123456, tzinfo=UTC),
        datetime(2026, 6, 1, 12, 30, 15, tzinfo=UTC),
        datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        datetime(2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))),
    ],
)
def test_sqlite_timestamps_are_written_as_sqlalchemy_writes_them(value: datetime) -> None:
    """UtcDateTime writes SQLite's text in one step; it must equal the text of SQLAlchemy's own
    processors, or stored timestamps would no longer compare as text (``last_updated < …``)."""
    dialect = sqlite.dialect()
    column_type = OwnParty.__table__.c.created_at.type
    fast = column_type._cached_bind_processor(dialect)  # what statements use
    # SQLAlchemy's own way: our process_bind_param, then SQLite DATETIME's processor.
    sqlite_datetime = column_type.impl_instance.dialect_impl(dialect).bind_processor(dialect)
    assert fast is not None
    assert sqlite_datetime is not None
    assert fast(value) == sqlite_datetime(column_type.process_bind_param(value, dialect))
