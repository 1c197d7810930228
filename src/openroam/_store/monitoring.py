"""What a monitoring system reads from the store (docs/operations.md): one aggregate query per
kind — deliveries per partner, pull-sync per partner and module, the webhook backlog — and the
schema revision against the migrations this code ships (readiness).

The aggregates read the rows that are waiting or failed, through the ``state`` indexes of the
outboxes, so their cost follows the backlog, not the number of rows ever delivered.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from alembic.script import ScriptDirectory
from sqlalchemy import Table, and_, func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._store.db import Database, alembic_config
from openroam._store.event_tables import Event, WebhookState
from openroam._store.objects import Delivery, DeliveryState, SyncState
from openroam._store.tables import Partner

__all__ = [
    "PartnerDeliveries",
    "PullProgress",
    "WebhookBacklog",
    "known_revisions",
    "migration_heads",
    "partner_deliveries",
    "pull_progress",
    "schema_heads",
    "webhook_backlog",
]

_D = cast(Table, Delivery.__table__)
_P = cast(Table, Partner.__table__)
_S = cast(Table, SyncState.__table__)
_E = cast(Table, Event.__table__)
#: Alembic's table of the applied revisions (its default name; db.alembic_config keeps it)
_VERSION_TABLE = "alembic_version"


@dataclass(frozen=True, slots=True)
class PartnerDeliveries:
    """The push outbox of one partner: rows waiting, the oldest one's creation, rows failed."""

    partner: str
    pending: int
    oldest_pending_at: datetime | None
    failed: int


@dataclass(frozen=True, slots=True)
class PullProgress:
    """Pull-sync of one partner's module: the last successful pull and failures since."""

    partner: str
    module: str
    last_pull_at: datetime | None
    failures: int


@dataclass(frozen=True, slots=True)
class WebhookBacklog:
    """Events waiting for their webhook, the oldest one's creation, and webhooks given up."""

    pending: int
    oldest_pending_at: datetime | None
    failed: int


async def partner_deliveries(session: AsyncSession) -> list[PartnerDeliveries]:
    """Every partner (also those with nothing queued: 0), by name."""
    pending = _D.c.state == DeliveryState.PENDING
    failed = _D.c.state == DeliveryState.FAILED
    stmt = (
        select(
            _P.c.name,
            func.count(_D.c.id).filter(pending),
            func.min(_D.c.created_at).filter(pending),
            func.count(_D.c.id).filter(failed),
        )
        .select_from(
            _P.outerjoin(
                _D,
                and_(
                    _D.c.partner_id == _P.c.id,
                    _D.c.state.in_((DeliveryState.PENDING, DeliveryState.FAILED)),
                ),
            )
        )
        .group_by(_P.c.name)
        .order_by(_P.c.name)
    )
    return [PartnerDeliveries(*row) for row in await session.execute(stmt)]


async def pull_progress(session: AsyncSession) -> list[PullProgress]:
    """Every (partner, module) pull-sync has a state for, by partner name and module."""
    stmt = (
        select(_P.c.name, _S.c.module, _S.c.last_pull_at, _S.c.failures)
        .join(_P, _P.c.id == _S.c.partner_id)
        .order_by(_P.c.name, _S.c.module)
    )
    return [PullProgress(*row) for row in await session.execute(stmt)]


async def webhook_backlog(session: AsyncSession) -> WebhookBacklog:
    pending = _E.c.webhook_state == WebhookState.PENDING
    stmt = select(
        func.count(_E.c.id).filter(pending),
        func.min(_E.c.created_at).filter(pending),
        func.count(_E.c.id).filter(_E.c.webhook_state == WebhookState.FAILED),
    ).where(_E.c.webhook_state.in_((WebhookState.PENDING, WebhookState.FAILED)))
    count, oldest, failed = (await session.execute(stmt)).one()
    return WebhookBacklog(count, oldest, failed)


def _current_heads(connection: Connection) -> frozenset[str]:
    # Read here rather than by Alembic's MigrationContext, which logs two INFO lines per call
    # (a probe every few seconds). No table: never migrated.
    if not inspect(connection).has_table(_VERSION_TABLE):
        return frozenset()
    rows = connection.execute(text(f"SELECT version_num FROM {_VERSION_TABLE}"))
    return frozenset(row[0] for row in rows)


async def schema_heads(db: Database) -> frozenset[str]:
    """The revisions the database is migrated to (empty: never migrated)."""
    async with db.engine.connect() as connection:
        return await connection.run_sync(_current_heads)


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


@functools.cache
def migration_heads() -> frozenset[str]:
    """The newest revisions of the migrations shipped with this code (read once)."""
    return frozenset(_scripts().get_heads())


@functools.cache
def known_revisions() -> frozenset[str]:
    """Every revision of the migrations shipped with this code."""
    return frozenset(script.revision for script in _scripts().walk_revisions())
