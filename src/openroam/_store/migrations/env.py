"""Alembic environment for openroam's packaged migrations (see :mod:`openroam._store.db`).

:func:`openroam._store.db.upgrade_async` hands over an open connection in
``config.attributes["connection"]``; developer commands (``revision --autogenerate``, offline
SQL) get a ``sqlalchemy.url`` from :func:`openroam._store.db.alembic_config` instead.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from openroam._store.tables import UtcDateTime, metadata

config = context.config


def _render_item(kind: str, item: object, autogen_context: AutogenContext) -> str | Literal[False]:
    # Migrations must not import application types that may change later: UtcDateTime is a
    # plain timestamptz in the schema, its UTC handling lives in Python.
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things: Alembic copies the table instead ("batch" mode).
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine(url: str) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_configure)
    finally:
        await engine.dispose()


def _run_offline(url: str) -> None:
    context.configure(
        url=url, target_metadata=metadata, literal_binds=True, render_item=_render_item
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("no connection and no sqlalchemy.url: use openroam._store.db")
    if context.is_offline_mode():
        _run_offline(url)
    else:
        asyncio.run(_run_with_own_engine(url))


_main()
