"""Console logouts are kept in the database, so every process of a node refuses a logged-out
session (openroam._services.console_logouts)."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from openroam._services.console_logouts import end_session, session_ended
from openroam._store.console_tables import ConsoleLogout
from openroam._store.db import Database


async def test_a_logged_out_session_is_ended_and_no_other(database: Database) -> None:
    await end_session(database, "nonce-a", time.time() + 3600)
    assert await session_ended(database, "nonce-a")
    assert not await session_ended(database, "nonce-b")
    # Logging out twice is harmless.
    await end_session(database, "nonce-a", time.time() + 3600)
    assert await session_ended(database, "nonce-a")


async def test_rows_of_expired_sessions_are_forgotten_at_the_next_logout(
    database: Database,
) -> None:
    await end_session(database, "expired", time.time() - 1)
    await end_session(database, "current", time.time() + 3600)
    async with database.session() as session:
        nonces = set(await session.scalars(select(ConsoleLogout.nonce)))
        count = await session.scalar(select(func.count()).select_from(ConsoleLogout))
    assert nonces == {"current"}
    assert count == 1
