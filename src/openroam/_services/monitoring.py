"""Readiness and the database's part of the metrics (docs/operations.md "Running in
production").

* :func:`readiness`: the database answers, and its schema is at the newest migration this code
  ships — a process whose database is behind (``openroam db upgrade`` not run) or ahead (a newer
  release migrated it) is not ready to serve.
* :func:`snapshot`: the outbox backlogs and pull-sync progress, read when ``/metrics`` is
  scraped (three aggregate queries in one read-only session).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from openroam._store import monitoring
from openroam._store.db import Database

__all__ = ["Readiness", "Snapshot", "database_kind", "readiness", "snapshot"]

log = logging.getLogger("openroam.monitoring")

#: How long readiness waits for the database: a probe must answer before its own timeout.
READY_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True, slots=True)
class Readiness:
    """Whether the node can serve; ``reason`` says why not (no secrets: it is served without
    authentication)."""

    ready: bool
    reason: str | None = None
    #: the database's schema revision(s)
    revisions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The database-derived metrics, read at ``taken_at``."""

    taken_at: datetime
    deliveries: list[monitoring.PartnerDeliveries]
    pulls: list[monitoring.PullProgress]
    webhooks: monitoring.WebhookBacklog


async def readiness(db: Database, timeout: float = READY_TIMEOUT_SECONDS) -> Readiness:
    """Ask the database for its schema revision and compare it with this code's migrations."""
    try:
        async with asyncio.timeout(timeout):
            current = await monitoring.schema_heads(db)
    except TimeoutError:
        return Readiness(False, f"the database did not answer within {timeout:g} s")
    except Exception as error:
        # The error's text may name hosts or users: logged for the operator, not served.
        log.warning("readiness: the database is unreachable: %s", error)
        return Readiness(False, f"the database is unreachable ({type(error).__name__})")
    expected = monitoring.migration_heads()
    revisions = tuple(sorted(current))
    if current == expected:
        return Readiness(True, None, revisions)
    found = ", ".join(revisions) or "none (never migrated)"
    wanted = ", ".join(sorted(expected))
    if current - monitoring.known_revisions():
        advice = "a newer openroam migrated it: run that release"
    else:
        advice = "run `openroam db upgrade`, or start a node, which migrates on start-up"
    return Readiness(
        False, f"the database schema is at revision {found}, not {wanted}: {advice}", revisions
    )


async def snapshot(db: Database) -> Snapshot:
    """Deliveries per partner, pull-sync per partner and module, and the webhook backlog."""
    async with db.session() as session:
        deliveries = await monitoring.partner_deliveries(session)
        pulls = await monitoring.pull_progress(session)
        webhooks = await monitoring.webhook_backlog(session)
    return Snapshot(datetime.now(UTC), deliveries, pulls, webhooks)


def database_kind(db: Database) -> str:
    """What the node stores in, for people: ``SQLite``, ``PostgreSQL`` (else the driver's
    name)."""
    backend = db.url.get_backend_name()
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(backend, backend)
