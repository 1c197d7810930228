"""Console sessions logged out before they expired (table ``console_logouts``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._store.console_tables import ConsoleLogout

__all__ = ["forget_expired", "is_logged_out", "record_logout"]


async def record_logout(session: AsyncSession, nonce: str, expires_at: datetime) -> None:
    """Refuse the session of ``nonce`` from now on (until ``expires_at``, when it ends anyway)."""
    if await session.get(ConsoleLogout, nonce) is None:
        session.add(ConsoleLogout(nonce=nonce, expires_at=expires_at))


async def is_logged_out(session: AsyncSession, nonce: str) -> bool:
    found = await session.scalar(select(ConsoleLogout.nonce).where(ConsoleLogout.nonce == nonce))
    return found is not None


async def forget_expired(session: AsyncSession, now: datetime) -> None:
    """Delete the rows of sessions that have expired since (their cookies are refused anyway)."""
    await session.execute(delete(ConsoleLogout).where(ConsoleLogout.expires_at < now))
