"""Fixtures shared by the whole suite.

Storage
-------
``database_url`` runs a test once on SQLite and once on PostgreSQL, each time on a fresh, empty
database; ``database`` is the same, migrated to the newest revision and ready to use.

PostgreSQL is taken from ``OPENROAM_TEST_POSTGRES_URL``, or else from
``postgresql://postgres@127.0.0.1:5432/test`` (then user ``root``), as on the CI machine. Every
test gets its own database (``openroam_t_<hex>``), dropped afterwards. Without a reachable
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


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop the migrated PostgreSQL template of this session, if one was made."""
    name = _templates.pop("postgresql", None)
    result = _postgres.get("result")
    if name is None or not isinstance(result, URL):
        return

    async def drop() -> None:
        admin = await asyncpg.connect(_dsn(result), timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    asyncio.run(drop())


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
            await db.dispose()
        return
    admin_url = await _postgres_admin_url()
    template = await _postgres_template(admin_url)
    name = f"openroam_t_{uuid.uuid4().hex}"
    admin = await asyncpg.connect(_dsn(admin_url), timeout=5)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        db = Database.connect(_dsn(admin_url.set(drivername="postgresql+asyncpg", database=name)))
        try:
            yield db
        finally:
            await db.dispose()
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
