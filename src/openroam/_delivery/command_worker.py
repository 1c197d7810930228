"""Commands in the background (mod_commands.asciidoc): deadlines, and results to partners.

Each round the worker

* decides the commands whose result is overdue (:meth:`CommandService.expire`): TIMEOUT for a
  command we sent, FAILED for one our backend did not answer in time. Rows are locked with
  ``FOR UPDATE SKIP LOCKED``, so with several ``serve``/``worker`` processes on PostgreSQL each
  command is decided exactly once;
* POSTs the results our backend reported (CPO side) to each command's ``response_url``. The
  command row is the outbox entry: claimed under a lease, retried with exponential backoff and
  jitter (capped by ``max_delay``) until the partner answers with an OCPI success; a result that
  changed while it was being sent (a CPO cancellation) goes out again.

The spec has no retries for the eMSP's command itself ("CommandResponse Object": OCPI does not
allow retries, hence the timeout); retrying the POST of a result is ours, so it is not lost when
the eMSP had a glitch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from openroam._services.commands import CommandService
from openroam._store import commands as store
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.client._base import OcpiHttpClient
from openroam.errors import OcpiError

__all__ = ["CommandWorker", "CommandWorkerSettings"]

log = logging.getLogger("openroam.commands")

ClientFactory = Callable[[str, bool], OcpiHttpClient]


@dataclass(frozen=True, slots=True)
class CommandWorkerSettings:
    batch: int = 100
    lease_seconds: float = 60.0
    base_delay: float = 1.0
    max_delay: float = 600.0
    idle_sleep: float = 0.5


class CommandWorker:
    """One ``run_once`` expires overdue commands and sends one batch of results."""

    def __init__(
        self,
        commands: CommandService,
        db: Database,
        clients: ClientFactory,
        settings: CommandWorkerSettings | None = None,
    ) -> None:
        self.commands = commands
        self.db = db
        self.clients = clients
        self.settings = settings or CommandWorkerSettings()

    def _retry_at(self, attempts: int) -> datetime:
        delay = min(self.settings.max_delay, self.settings.base_delay * 2 ** min(attempts, 30))
        return datetime.now(UTC) + timedelta(seconds=delay * random.uniform(0.5, 1.0))

    async def run_once(self) -> int:
        """Expire and send; the number of commands handled."""
        expired = await self.commands.expire(limit=self.settings.batch)
        async with self.db.session() as session, session.begin():
            claimed = await store.claim_result_deliveries(
                session,
                now=datetime.now(UTC),
                limit=self.settings.batch,
                lease_seconds=self.settings.lease_seconds,
            )
        await asyncio.gather(*(self._send(command) for command in claimed))
        return len(expired) + len(claimed)

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set."""
        while not stop.is_set():
            try:
                done = await self.run_once()
            except Exception:
                log.exception("command round failed")
                done = 0
            if not done:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.settings.idle_sleep)

    async def _send(self, command: store.CommandRecord) -> None:
        assert command.result is not None
        error = await self._post(command)
        if error is not None:
            log.info("command %s result to %s failed: %s", command.uid, command.response_url, error)
        async with self.db.session() as session, session.begin():
            await store.record_delivery_attempt(
                session,
                command.id,
                sent_result=command.result,
                error=error,
                retry_at=self._retry_at(command.attempts),
            )

    async def _post(self, command: store.CommandRecord) -> str | None:
        """POST the result; None when the partner took it, else why not."""
        assert command.result is not None
        async with self.db.session() as session:
            partner = await repo.get_partner(session, command.partner_id)
        if partner is None or partner.outgoing_token is None:
            return "the partner is not registered"
        client = self.clients(partner.outgoing_token, partner.encode_token)
        try:
            await client.send("POST", command.response_url, json_body=command.result)
        except OcpiError as failure:
            return f"{failure.received_status_code}: {failure.message}"
        finally:
            await client.aclose()
        return None
