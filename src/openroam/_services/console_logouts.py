"""Logging out of the operator console in every process of a node at once.

A console session is a signed cookie that any process of the node accepts until it expires
(``_admin/_session.py``); logging out records its nonce in the database, which every process
asks before it accepts a cookie (one primary-key look-up per console request).
"""

from __future__ import annotations

from datetime import UTC, datetime

from openroam._store import console_logouts
from openroam._store.db import Database

__all__ = ["end_session", "session_ended"]


async def end_session(db: Database, nonce: str, expires: float) -> None:
    """Log out the session of ``nonce`` (its cookie expiring at ``expires``, a Unix time)."""
    now = datetime.now(UTC)
    async with db.session() as session, session.begin():
        await console_logouts.forget_expired(session, now)
        await console_logouts.record_logout(session, nonce, datetime.fromtimestamp(expires, UTC))


async def session_ended(db: Database, nonce: str) -> bool:
    """Whether the session of ``nonce`` was logged out."""
    async with db.session() as session:
        return await console_logouts.is_logged_out(session, nonce)
