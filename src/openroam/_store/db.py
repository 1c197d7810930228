"""The database connection and the schema migrations.

SQLite (through aiosqlite) is the default, PostgreSQL (through asyncpg) the production choice;
both are reached through SQLAlchemy's asyncio engine. Migrations are Alembic scripts shipped
inside the package (``openroam/_store/migrations``) and run programmatically, so no
``alembic.ini`` is needed.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from openroam._store.sqlite_writer import SqliteWriter

__all__ = [
    "Database",
    "SqliteReader",
    "alembic_config",
    "async_url",
    "upgrade",
    "upgrade_async",
]

MIGRATIONS = Path(__file__).parent / "migrations"

# Drivers added to plain URLs: the engine is asyncio-only.
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}

# How long a SQLite connection waits for another writer's lock before failing.
_SQLITE_BUSY_TIMEOUT_MS = 5000


def async_url(url: str | URL) -> URL:
    """``url`` with its asyncio driver: ``sqlite:///x.db`` becomes ``sqlite+aiosqlite:///x.db``,
    ``postgresql://…`` becomes ``postgresql+asyncpg://…``; URLs naming a driver are kept."""
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


# WAL lets readers work while one writer writes; foreign keys are off by default in SQLite;
# NORMAL is durable in WAL mode except for the last commits on power loss.
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
    f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}",
)


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


class SqliteReader:
    """Synchronous reads of a SQLite file on the calling thread, one connection per thread.

    For the GET list hot path (see :class:`Database`): a plain ``sqlite3`` connection, no
    SQLAlchemy execution machinery and no worker thread. It only reads (``query_only``), and
    WAL (set by the engine's connections) lets it read while a writer writes.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []

    def rows(self, statement: str, parameters: Sequence[Any]) -> list[Any]:
        return self._connection().execute(statement, parameters).fetchall()

    def data_version(self) -> int:
        """A number that changes whenever another connection — of this process or of another —
        commits a change to the file (SQLite "PRAGMA data_version"; this connection only reads):
        what was read while it stayed the same is still current."""
        row = self._connection().execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        return connection if connection is not None else self._open()

    def _open(self) -> sqlite3.Connection:
        # isolation_level None: no implicit transactions, every read sees the latest commit.
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA query_only=ON")
        connection.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
        self._local.connection = connection
        self._opened.append(connection)
        return connection

    def close(self) -> None:
        for connection in self._opened:
            connection.close()
        self._opened.clear()
        self._local = threading.local()


def _sqlite_file(url: URL) -> str | None:
    """The path of a plain SQLite file URL; ``None`` for anything else."""
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:") or url.query:
        return None
    return database


class Database:
    """An asyncio engine and its session factory.

    Use a session per unit of work, with the transaction as its own block::

        async with db.session() as session, session.begin():
            ...

    On a SQLite file there is also ``reader`` (:class:`SqliteReader`) for the GET list hot path:
    aiosqlite runs every call on a worker thread, and the hops to and fro cost more than a keyset
    page read (≈0.1 ms); the reader runs such a read on the event loop's thread instead. Only
    short, indexed reads may use it: it blocks the loop while it runs. And there is ``writer``
    (:class:`SqliteWriter`), which commits the object writes of concurrent requests together
    (:mod:`openroam._store.object_write`).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        reader: SqliteReader | None = None,
        writer: SqliteWriter | None = None,
    ) -> None:
        self.engine = engine
        self.reader = reader
        self.writer = writer
        # Objects stay readable after commit: repositories copy them into dataclasses anyway.
        self.sessionmaker = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def connect(cls, url: str | URL, *, echo: bool = False) -> Database:
        """A :class:`Database` for ``url`` (no I/O happens until the first query)."""
        full_url = async_url(url)
        engine = create_async_engine(full_url, echo=echo)
        if full_url.get_backend_name() == "sqlite":
            event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
        path = _sqlite_file(full_url)
        if path is None:
            return cls(engine)
        return cls(engine, SqliteReader(path), SqliteWriter(path, _SQLITE_PRAGMAS))

    @property
    def url(self) -> URL:
        return self.engine.url

    def change_marker(self) -> int | None:
        """A value that changes whenever the data changes, from any process; read at no cost
        worth mentioning (a few µs). None where there is none (PostgreSQL): rely on a TTL."""
        return self.reader.data_version() if self.reader is not None else None

    def session(self) -> AsyncSession:
        """A new session; use it as ``async with db.session() as s, s.begin(): …``."""
        return self.sessionmaker()

    async def dispose(self) -> None:
        """Close every pooled connection."""
        if self.writer is not None:
            await self.writer.close()
        await self.engine.dispose()
        if self.reader is not None:
            self.reader.close()


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic configuration for the packaged migrations, without an ``alembic.ini``.

    ``url`` is only needed for commands that open their own connection (``revision
    --autogenerate``, offline SQL); :func:`upgrade_async` passes its connection instead.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Date-named revision files: migrations/versions/2026_11_27_1116-<rev>_<slug>.py
    config.set_main_option(
        "file_template",
        "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s",
    )
    if url is not None:
        rendered = async_url(url).render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


# Any constant shared by every openroam process: the key of the migration advisory lock.
_MIGRATION_LOCK_KEY = 0x6F70656E726F616D  # "openroam"


def _upgrade_on(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        # Several `openroam serve` processes may start at once against one PostgreSQL
        # (docs/architecture.md "Several processes, one database"); the first migrates, the
        # others wait and then find the schema at head. The lock ends with the transaction (DDL
        # is transactional there).
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def upgrade_async(db: Database, revision: str = "head") -> None:
    """Migrate ``db`` to ``revision`` (the newest by default), inside a running event loop."""
    async with db.engine.begin() as connection:
        await connection.run_sync(_upgrade_on, revision)


def upgrade(url: str | URL, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision``; for synchronous callers (the CLI)."""

    async def run() -> None:
        db = Database.connect(url)
        try:
            await upgrade_async(db, revision)
        finally:
            await db.dispose()

    asyncio.run(run())
