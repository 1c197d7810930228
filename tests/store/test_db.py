"""The database connection and the packaged migrations, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from openroam._store.db import Database, alembic_config, async_url, upgrade, upgrade_async
from openroam._store.tables import metadata

TABLES = {
    "alembic_version",
    "own_parties",
    "partners",
    "partner_roles",
    "partner_endpoints",
    "partner_grants",
    "partner_grant_changes",
    "reading_deviations",
    "ocpi_objects",
    "deliveries",
    "delivery_attempts",
    "sync_state",
    "events",
    "event_subjects",
    "event_attempts",
    "commands",
    "profile_requests",
    "active_profiles",
    "client_infos",
    "hub_relays",
    "message_log",
    "evse_status_changes",
    "console_logouts",
}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql://u:p@h:5432/d", "postgresql+asyncpg://u:p@h:5432/d"),
        ("postgres://u@h/d", "postgresql+asyncpg://u@h/d"),
        ("postgresql+asyncpg://u@h/d", "postgresql+asyncpg://u@h/d"),
    ],
)
def test_async_url_adds_the_asyncio_driver(given: str, expected: str) -> None:
    assert async_url(given).render_as_string(hide_password=False) == expected


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def test_upgrade_from_empty_creates_every_table(database_url: str) -> None:
    db = Database.connect(database_url)
    try:
        async with db.engine.connect() as connection:
            assert set(await connection.run_sync(lambda c: inspect(c).get_table_names())) == set()
        await upgrade_async(db)
        await upgrade_async(db)  # at head already: nothing to do, no error
        async with db.engine.connect() as connection:
            tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
            revision = await connection.run_sync(_current_revision)
    finally:
        await db.dispose()
    assert set(tables) == TABLES
    assert revision == _head()


def test_sync_upgrade_for_the_cli(database_url: str) -> None:
    upgrade(database_url)

    async def check() -> str | None:
        db = Database.connect(database_url)
        try:
            async with db.engine.connect() as connection:
                return await connection.run_sync(_current_revision)
        finally:
            await db.dispose()

    assert asyncio.run(check()) == _head()


async def test_migrations_match_the_table_definitions(database: Database) -> None:
    """A change to tables.py without a migration (or the reverse) fails here."""

    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with database.engine.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path) -> None:
    db = Database.connect(f"sqlite:///{tmp_path / 'pragmas.db'}")
    try:
        async with db.engine.connect() as connection:
            pragmas = {
                name: (await connection.execute(text(f"PRAGMA {name}"))).scalar_one()
                for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
            }
    finally:
        await db.dispose()
    # synchronous: 1 is NORMAL.
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "synchronous": 1,
        "busy_timeout": 5000,
    }


async def test_session_runs_a_transaction(database: Database) -> None:
    async with database.session() as session, session.begin():
        assert (await session.execute(text("SELECT 1"))).scalar_one() == 1


async def test_processes_starting_together_migrate_once(database_url: str) -> None:
    """Several servers sharing one PostgreSQL run the migrations on start at the same moment:
    one migrates, the others wait for it and find the schema at head."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serves one process; concurrent starts are a PostgreSQL concern")
    script = "import sys; from openroam._store.db import upgrade; upgrade(sys.argv[1])"
    processes = [
        await asyncio.create_subprocess_exec(sys.executable, "-c", script, database_url)
        for _ in range(2)
    ]
    assert [await process.wait() for process in processes] == [0, 0]
    db = Database.connect(database_url)
    try:
        async with db.engine.connect() as connection:
            assert await connection.run_sync(_current_revision) == _head()
    finally:
        await db.dispose()
