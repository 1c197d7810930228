"""Commands in the background (mod_commands.asciidoc): deadlines, and results to partners.

Each round the worker

* decides the commands whose result is overdue (:meth:`CommandService.expire`): TIMEOUT for a
  command we sent, FAILED for one our backend did not answer in time. Rows are locked with
  ``FOR UPDATE SKIP LOCKED``, so with several ``serve``/``worker`` processes on PostgreSQL each
  command is decided exactly once;
* POSTs the results our backend reported (CPO side) to each command's ``response_url``. The
  command row is the outbox entry (``_store/leases.py``): claimed under a lease, retried with
  capped back-off until the partner answers with an OCPI success, or failed after
  ``max_refusals`` permanent refusals (``_delivery/retry.py``); a result that changed while it
  was being sent (a CPO cancellation) goes out again.

The spec has no retries for the eMSP's command itself ("CommandResponse Object": OCPI does not
allow retries, hence the timeout); retrying the POST of a result is ours, so it is not lost when
the eMSP had a glitch. A result goes out in the eMSP's OCPI version (``_services/dialect.py``:
to a 2.1.1 eMSP the 2.1.1 CommandResponse, mod_commands.md 2.2.1 "POST Method").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from openroam._delivery.retry import Failure, RetryPolicy, failure_of, run_rounds
from openroam._logging import log_fields
from openroam._services.commands import CommandService
from openroam._services.dialect import Unconvertible, dialect_of
from openroam._services.platform import Platform
from openroam._services.routing import own_party, parse_party, partner_party, routing_headers
from openroam._store import commands as store
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.client._base import OcpiHttpClient
from openroam.errors import OcpiError
from openroam.models.v221.types import Role

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
    #: permanent refusals (OCPI 2xxx, HTTP 4xx but 401/408/429) before a result POST is failed
    max_refusals: int = 3

    @property
    def policy(self) -> RetryPolicy:
        return RetryPolicy(self.base_delay, self.max_delay, self.max_refusals)


class CommandWorker:
    """One ``run_once`` expires overdue commands and sends one batch of results."""

    def __init__(
        self,
        commands: CommandService,
        db: Database,
        clients: ClientFactory,
        settings: CommandWorkerSettings | None = None,
        *,
        platform: Platform | None = None,
    ) -> None:
        self.commands = commands
        self.db = db
        self.clients = clients
        self.settings = settings or CommandWorkerSettings()
        self.policy = self.settings.policy
        #: this node, for the routing headers of each result (None: none are sent)
        self.platform = platform

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
        await run_rounds(
            self.run_once, stop, idle_sleep=self.settings.idle_sleep, log=log, what="command"
        )

    async def _send(self, command: store.CommandRecord) -> None:
        assert command.result is not None
        failure = await self._post(command)
        error = None if failure is None else failure.describe()
        refusals = self.policy.max_refusals
        async with self.db.session() as session, session.begin():
            await store.record_delivery_attempt(
                session,
                command.id,
                sent_result=command.result,
                error=error,
                retry_at=self.policy.retry_at(command.attempts),
                refused=failure is not None and failure.permanent,
                # A result the partner's version cannot carry fails at once.
                max_refusals=1 if failure is not None and failure.final else refusals,
            )

    def _routing(self, partner: repo.PartnerRecord, command: store.CommandRecord) -> dict[str, str]:
        """FROM our CPO party, TO the party that sent the command (``commands.counterparty``,
        its ``OCPI-from-*``; transport_and_format.asciidoc "Message Routing"), or else the
        partner's eMSP party."""
        if self.platform is None:
            return {}
        to_party = parse_party(command.counterparty) or partner_party(
            partner, (Role.EMSP, Role.SCSP, Role.OTHER)
        )
        return routing_headers(own_party(self.platform, (Role.CPO,)), to_party)

    async def _post(self, command: store.CommandRecord) -> Failure | None:
        """POST the result; None when the partner took it, else its answer."""
        assert command.result is not None
        async with self.db.session() as session:
            partner = await repo.get_partner(session, command.partner_id)
        if partner is None or partner.outgoing_token is None:
            name = partner.name if partner is not None else f"#{command.partner_id} (deleted)"
            log.info(
                "command %s result to %s not sent: the partner is not registered",
                command.uid,
                name,
                extra=log_fields(name, "commands"),
            )
            return Failure(None, None, "the partner is not registered")
        dialect = dialect_of(partner)
        try:
            # In the partner's version: to a 2.1.1 eMSP, the 2.1.1 CommandResponse.
            body = dialect.command_result(command.result)
        except Unconvertible as why:
            log.warning(
                "command %s result to %s cannot be sent: %s",
                command.uid,
                partner.name,
                why,
                extra=log_fields(partner.name, "commands"),
            )
            return Failure(None, None, f"not sent as OCPI {dialect.version}: {why}", final=True)
        client = self.clients(partner.outgoing_token, partner.encode_token)
        headers = dialect.routing_headers(self._routing(partner, command))
        try:
            await client.send("POST", command.response_url, json_body=body, headers=headers)
        except OcpiError as error:
            log.info(
                "command %s result to %s failed: %s",
                command.uid,
                partner.name,
                error.describe(),
                extra=log_fields(partner.name, "commands"),
            )
            return failure_of(error)
        finally:
            await client.aclose()
        return None
