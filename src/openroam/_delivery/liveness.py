"""The Hub's still-alive check (mod_hub_client_info.asciidoc "Still alive check"): a GET of the
versions endpoint of every registered partner not heard from for ``hub_liveness_seconds``.

"The Hub should keep track of the time that has passed since the last message was received from
a connected party. When this is longer then X minutes (when unsure, start with 5 minutes) the
Hub should send a: GET to the Version information endpoint." A partner whose versions GET fails
is OFFLINE; one that answers is CONNECTED (again), and ``last_seen_at`` moves. Each change
queues the ClientInfo PUTs to the other parties (``_services/hub_clients.py``). A partner that
is OFFLINE stays silent, so it is asked again every round until it answers.

Runs on Hub nodes only, in every ``serve`` (with workers) and ``openroam worker`` process; the
round repeats every ``min(30 s, hub_liveness_seconds / 2)``. Several processes may check the
same partner: the status changes are conditional updates, so each change is recorded (and its
ClientInfo queued) once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from openroam._logging import log_fields
from openroam._services import hub_clients, worker_activity
from openroam._services.platform import Platform
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.client._base import OcpiHttpClient
from openroam.errors import OcpiError

__all__ = ["LivenessSettings", "LivenessWorker"]

log = logging.getLogger("openroam._delivery")

ClientFactory = Callable[[str, bool], OcpiHttpClient]


@dataclass(frozen=True, slots=True)
class LivenessSettings:
    #: a partner silent for this long is asked for its versions (setting hub_liveness_seconds)
    liveness_seconds: float = 300.0
    #: how long the versions GET may take
    timeout: float = 10.0

    @property
    def round_seconds(self) -> float:
        """How often the check runs."""
        return min(30.0, self.liveness_seconds / 2)


class LivenessWorker:
    """Asks silent partners for their versions; one ``run_once`` is one round."""

    def __init__(
        self,
        db: Database,
        platform: Platform,
        clients: ClientFactory,
        settings: LivenessSettings | None = None,
    ) -> None:
        self.db = db
        self.platform = platform
        self.clients = clients
        self.settings = settings or LivenessSettings()

    async def silent(self, now: datetime) -> list[repo.PartnerRecord]:
        """The registered partners not heard from since ``now - liveness_seconds``."""
        before = now - timedelta(seconds=self.settings.liveness_seconds)
        async with self.db.session() as session:
            partners = await repo.list_partners(session)
        return [
            p
            for p in partners
            if p.status == repo.PartnerStatus.REGISTERED
            and p.outgoing_token is not None
            and p.versions_url is not None
            and (p.last_seen_at is None or p.last_seen_at < before)
        ]

    async def run_once(self) -> int:
        """Check every silent partner (in parallel); the number checked."""
        if not self.platform.is_hub:
            return 0
        silent = await self.silent(datetime.now(UTC))
        await asyncio.gather(*(self._check(partner) for partner in silent))
        return len(silent)

    async def run(self, stop: asyncio.Event) -> None:
        """Check every round until ``stop`` is set."""
        while not stop.is_set():
            try:
                checked = await self.run_once()
            except Exception as error:
                log.exception("still-alive check failed")
                worker_activity.round_failed(error)
            else:
                worker_activity.round_done(checked)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.settings.round_seconds)

    async def _check(self, partner: repo.PartnerRecord) -> None:
        assert partner.outgoing_token is not None
        assert partner.versions_url is not None
        client = self.clients(partner.outgoing_token, partner.encode_token)
        problem: str | None = None
        try:
            # Once: a party that does not answer now is OFFLINE now; the next round asks again.
            await client.send("GET", partner.versions_url, timeout=self.settings.timeout, retries=0)
        except OcpiError as error:
            problem = error.describe()
        finally:
            await client.aclose()
        status = hub_clients.CONNECTED if problem is None else hub_clients.OFFLINE
        async with self.db.session() as session, session.begin():
            changed = await hub_clients.record_connection(
                session, self.platform, partner.id, status
            )
        if changed and problem is not None:
            log.warning(
                "%s is OFFLINE: silent for %.0f s and its versions GET failed: %s",
                partner.name,
                self.settings.liveness_seconds,
                problem,
                extra=log_fields(partner.name),
            )
        elif changed:
            log.info("%s answers again: CONNECTED", partner.name, extra=log_fields(partner.name))
