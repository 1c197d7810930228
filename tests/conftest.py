"""Fixtures shared by the whole suite.

Storage
-------
``database_url`` runs a test once on SQLite and once on PostgreSQL, each time on a fresh, empty
database; ``database`` is the same, migrated to the newest revision and ready to use.

PostgreSQL is taken from ``OPENROAM_TEST_POSTGRES_URL``, or else from
``postgresql://postgres@127.0.0.1:5432/test`` (then user ``root``), as on the CI machine. A
``database_url`` test gets its own database (``openroam_t_<hex>``), dropped afterwards; the
``database`` tests of a session (of an xdist worker) share one migrated database, emptied
after each test (see ``_PostgresScratch``). Without a reachable
server the PostgreSQL runs are skipped locally, and fail when ``CI=true``, so CI cannot pass
without having exercised PostgreSQL.

OCPI spec examples
------------------
A test marked ``spec_example`` reads the OCPI 2.2.1 spec's example files, which are not part of
the repository (tests/spec_examples.py finds them). Without them it is skipped, and the summary
ends with one line saying how many such cases were skipped and how to run them.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy.engine import URL, make_url

from openroam._store.db import Database, upgrade_async
from tests.spec_examples import HOW_TO_GET_THEM, SKIP_REASON, SKIP_TEXT, SPEC_AVAILABLE

POSTGRES_URL_VARIABLE = "OPENROAM_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URLS = (
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "spec_example: reads the OCPI 2.2.1 spec's example files; skipped where they are absent",
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip a spec-example case when the spec is not there (one reason, counted below)."""
    if not SPEC_AVAILABLE and item.get_closest_marker("spec_example") is not None:
        pytest.skip(SKIP_REASON)


def _skip_reason(report: pytest.TestReport) -> str:
    # A skip's longrepr is (path, line, "Skipped: reason"), also once an xdist worker sent it.
    longrepr = report.longrepr
    return str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line: how many spec-example cases were skipped, and how to get them."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if SKIP_TEXT in _skip_reason(report)
    ]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} OCPI spec-example cases skipped: {HOW_TO_GET_THEM}", yellow=True
        )


# The result of the first connection attempt, so an absent server costs one timeout, not many.
_postgres: dict[str, URL | str] = {}


async def _find_postgres() -> URL | str:
    """The admin URL of a reachable PostgreSQL, or why there is none."""
    configured = os.environ.get(POSTGRES_URL_VARIABLE)
    candidates = (configured,) if configured else DEFAULT_POSTGRES_URLS
    failures = []
    for candidate in candidates:
        url = make_url(candidate).set(drivername="postgresql")
        try:
            connection = await asyncpg.connect(_dsn(url), timeout=5)
        except (OSError, asyncpg.PostgresError) as error:
            failures.append(f"{url.render_as_string()}: {error}")
            continue
        await connection.close()
        return url
    return "PostgreSQL unreachable (" + "; ".join(failures) + f"); set {POSTGRES_URL_VARIABLE}"


def _dsn(url: URL) -> str:
    return url.render_as_string(hide_password=False)


async def _postgres_admin_url() -> URL:
    if "result" not in _postgres:
        _postgres["result"] = await _find_postgres()
    result = _postgres["result"]
    if isinstance(result, str):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{result} — CI=true requires PostgreSQL", pytrace=False)
        pytest.skip(result)
    return result


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of a fresh, empty database: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'openroam.db'}"
        return
    admin_url = await _postgres_admin_url()
    name = f"openroam_t_{uuid.uuid4().hex}"
    admin = await asyncpg.connect(_dsn(admin_url), timeout=5)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield _dsn(admin_url.set(drivername="postgresql+asyncpg", database=name))
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


# Migrating costs more than most storage tests: ``database`` copies a database migrated once per
# session (a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL) instead.
_templates: dict[str, str] = {}
_TEMPLATE_DIR = Path(tempfile.mkdtemp(prefix="openroam-test-templates-"))


async def _sqlite_template() -> Path:
    if "sqlite" not in _templates:
        path = _TEMPLATE_DIR / "migrated.db"
        db = Database.connect(f"sqlite+aiosqlite:///{path}")
        try:
            await upgrade_async(db)
        finally:
            await db.dispose()
        _templates["sqlite"] = str(path)
    return Path(_templates["sqlite"])


async def _postgres_template(admin_url: URL) -> str:
    if "postgresql" not in _templates:
        name = f"openroam_tmpl_{uuid.uuid4().hex}"
        admin = await asyncpg.connect(_dsn(admin_url), timeout=5)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        db = Database.connect(_dsn(admin_url.set(drivername="postgresql+asyncpg", database=name)))
        try:
            await upgrade_async(db)
        finally:
            await db.dispose()
        _templates["postgresql"] = name
    return _templates["postgresql"]


class _PostgresScratch:
    """One migrated PostgreSQL database per session for the ``database`` fixture, emptied after
    each test instead of created and dropped per test: a ``CREATE DATABASE … TEMPLATE`` and a
    ``DROP DATABASE`` cost about half a second per test on a loaded CI machine, a ``TRUNCATE`` of
    every table a few milliseconds.

    Each test still starts from exactly the state of a fresh copy of the template: every table
    empty, every sequence restarted. A test that leaves anything else changed (the schema, the
    migration revision, a lock that blocks the ``TRUNCATE``) gets the database dropped, and the
    next test a fresh copy of the template.
    """

    def __init__(self) -> None:
        self.name: str | None = None
        self.fingerprint: str | None = None

    async def checkout(self, admin: asyncpg.Connection, template: str) -> str:
        if self.name is None:
            name = f"openroam_t_{uuid.uuid4().hex}"
            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            self.name = name
        return self.name

    async def reset(self, admin: asyncpg.Connection, admin_url: URL) -> None:
        """Empty the database after a test, or drop it when it cannot be brought back."""
        assert self.name is not None
        url = admin_url.set(database=self.name)
        try:
            connection = await asyncpg.connect(_dsn(url), timeout=5)
            try:
                await connection.execute("SET lock_timeout = '2s'")
                fingerprint = await connection.fetchval(_FINGERPRINT)
                if self.fingerprint is None:
                    self.fingerprint = await _template_fingerprint(admin_url)
                if fingerprint != self.fingerprint:
                    raise _Changed
                tables = await connection.fetch(_TABLES)
                names = ", ".join(f'"{row["tablename"]}"' for row in tables)
                if names:
                    await connection.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
                for row in await connection.fetch(_SEQUENCES):
                    await connection.execute(f'ALTER SEQUENCE "{row["sequencename"]}" RESTART')
            finally:
                await connection.close()
        except (_Changed, asyncpg.PostgresError, OSError):
            await self.drop(admin)

    async def drop(self, admin: asyncpg.Connection) -> None:
        name, self.name = self.name, None
        if name is not None:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _Changed(Exception):
    """The scratch database's schema or revision is no longer the template's."""


# Everything but the rows: tables, columns, constraints, indexes, sequences, the revision.
_FINGERPRINT = """
SELECT md5(string_agg(item, ';' ORDER BY item)) FROM (
    SELECT table_name || '.' || column_name || ':' || data_type || ':' || is_nullable
        || ':' || coalesce(column_default, '') AS item
    FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL SELECT 'index:' || indexdef FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL SELECT 'constraint:' || conname || ':' || pg_get_constraintdef(c.oid)
    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
    WHERE n.nspname = 'public'
    UNION ALL SELECT 'sequence:' || sequencename FROM pg_sequences WHERE schemaname = 'public'
    UNION ALL SELECT 'revision:' || version_num FROM alembic_version
) AS items
"""
_TABLES = (
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
)
_SEQUENCES = "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"


async def _template_fingerprint(admin_url: URL) -> str:
    """The template's fingerprint: what every scratch database must still match."""
    template = _templates["postgresql"]
    connection = await asyncpg.connect(_dsn(admin_url.set(database=template)), timeout=5)
    try:
        return str(await connection.fetchval(_FINGERPRINT))
    finally:
        await connection.close()


_scratch = _PostgresScratch()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop this session's PostgreSQL template and scratch database, if they were made."""
    names = [_templates.pop("postgresql", None), _scratch.name]
    _scratch.name = None
    result = _postgres.get("result")
    if not any(names) or not isinstance(result, URL):
        return

    async def drop() -> None:
        admin = await asyncpg.connect(_dsn(result), timeout=5)
        try:
            for name in names:
                if name is not None:
                    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    asyncio.run(drop())


async def _settle() -> None:
    """End what a test left running in its event loop before its database is disposed.

    A task still waiting for the database (a cache's refresh answered from the stale entry, a
    stray background call) holds a pooled connection, which ``dispose`` does not close; the
    connection is then closed by the garbage collector in a later test, through the closed
    event loop of this one (aiosqlite then fails in its thread, reported in that later test).
    """
    current = asyncio.current_task()
    left = [task for task in asyncio.all_tasks() if task is not current and not task.done()]
    for task in left:
        task.cancel()
    await asyncio.gather(*left, return_exceptions=True)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A :class:`Database` on a fresh database migrated to head (SQLite, then PostgreSQL)."""
    if request.param == "sqlite":
        path = tmp_path / "openroam.db"
        shutil.copyfile(await _sqlite_template(), path)
        db = Database.connect(f"sqlite+aiosqlite:///{path}")
        try:
            yield db
        finally:
            await _settle()
            await db.dispose()
        return
    admin_url = await _postgres_admin_url()
    template = await _postgres_template(admin_url)
    admin = await asyncpg.connect(_dsn(admin_url), timeout=5)
    try:
        name = await _scratch.checkout(admin, template)
        db = Database.connect(_dsn(admin_url.set(drivername="postgresql+asyncpg", database=name)))
        try:
            yield db
        finally:
            await _settle()
            await db.dispose()
            await _scratch.reset(admin, admin_url)
    finally:
        await admin.close()
