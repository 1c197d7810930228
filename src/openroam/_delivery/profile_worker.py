"""ChargingProfiles delivery (CPO side): results to the Sender's ``response_url`` and
ActiveChargingProfile pushes to its Sender endpoint (mod_charging_profiles.asciidoc "Sender
Interface": POST and PUT).

Both are outbox rows written in the transaction that produced them
(:mod:`openroam._services.profile_receiver`). The worker claims due rows (leased, ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL), sends them, and retries a failure with exponential back-off and jitter
until the Sender answers: a result the backend reported is never lost. A push sends the row's
current profile; a change made while it was being sent leaves the row pending, so the newest
profile always goes out last. Rows of an unregistered partner are given up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from openroam._store import profiles as store
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.client._base import OcpiHttpClient
from openroam.client._urls import join_url
from openroam.errors import OcpiError
from openroam.models.v221.versions import InterfaceRole, ModuleID

__all__ = ["ProfileDeliverySettings", "ProfileWorker"]

log = logging.getLogger("openroam._delivery")

ClientFactory = Callable[[str, bool], OcpiHttpClient]


@dataclass(frozen=True, slots=True)
class ProfileDeliverySettings:
    batch: int = 50
    lease_seconds: float = 60.0
    base_delay: float = 1.0
    max_delay: float = 600.0
    idle_sleep: float = 0.5


def _sender_endpoint(partner: repo.PartnerRecord) -> str | None:
    for endpoint in partner.endpoints:
        if (
            endpoint.identifier == ModuleID.CHARGINGPROFILES
            and endpoint.role == InterfaceRole.SENDER
        ):
            return endpoint.url
    return None


class ProfileWorker:
    """Sends due results and pushes; one ``run_once`` is one batch of each."""

    def __init__(
        self,
        db: Database,
        clients: ClientFactory,
        settings: ProfileDeliverySettings | None = None,
        expire: Callable[[], Awaitable[Sequence[int]]] | None = None,
    ) -> None:
        self.db = db
        self.clients = clients
        self.settings = settings or ProfileDeliverySettings()
        #: times out our requests whose result is overdue (ChargingProfileSender.expire)
        self.expire = expire

    def _retry_at(self, attempts: int) -> datetime:
        delay = min(self.settings.max_delay, self.settings.base_delay * 2 ** min(attempts, 30))
        return datetime.now(UTC) + timedelta(seconds=delay * random.uniform(0.5, 1.0))

    async def run_once(self) -> int:
        """Claim and send one batch; the number of rows attempted."""
        now = datetime.now(UTC)
        limit, lease = self.settings.batch, self.settings.lease_seconds
        async with self.db.session() as session, session.begin():
            results = await store.claim_results(session, now, limit, lease)
            pushes = await store.claim_pushes(session, now, limit, lease)
        for result in results:
            await self._result(result)
        for push in pushes:
            await self._push(push)
        expired = await self.expire() if self.expire is not None else ()
        return len(results) + len(pushes) + len(expired)

    async def run(self, stop: asyncio.Event) -> None:
        """Send until ``stop`` is set."""
        while not stop.is_set():
            try:
                sent = await self.run_once()
            except Exception:
                log.exception("charging profile delivery batch failed")
                sent = 0
            if not sent:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.settings.idle_sleep)

    async def _partner(self, partner_id: int) -> repo.PartnerRecord | None:
        async with self.db.session() as session:
            partner = await repo.get_partner(session, partner_id)
        if partner is None or partner.status == repo.PartnerStatus.UNREGISTERED:
            return None
        return partner if partner.outgoing_token is not None else None

    async def _send(
        self, partner: repo.PartnerRecord, method: str, url: str, body: bytes | None
    ) -> str | None:
        """Send one message; ``None`` on success, else the error."""
        assert partner.outgoing_token is not None
        client = self.clients(partner.outgoing_token, partner.encode_token)
        try:
            await client.send(method, url, json_body=body)
        except OcpiError as error:
            log.info("%s %s to %s failed: %s", method, url, partner.name, error.message)
            return error.message
        finally:
            await client.aclose()
        return None

    async def _result(self, record: store.RequestRecord) -> None:
        partner = await self._partner(record.partner_id)
        if partner is None or record.response_url is None:
            error: str | None = "partner unregistered"
            async with self.db.session() as session, session.begin():
                await store.update_request(
                    session, record.id, state=store.State.FAILED, last_error=error
                )
            return
        error = await self._send(partner, "POST", record.response_url, record.result)
        retry_at = None if error is None else self._retry_at(record.attempts)
        async with self.db.session() as session, session.begin():
            await store.record_result_attempt(session, record.id, error=error, retry_at=retry_at)

    async def _push(self, record: store.ActiveRecord) -> None:
        partner = await self._partner(record.partner_id)
        if partner is None:
            async with self.db.session() as session, session.begin():
                await store.give_up_push(session, record.id, "partner unregistered")
            return
        endpoint = _sender_endpoint(partner)
        error: str | None
        if endpoint is None:
            error = f"{partner.name} offers no ChargingProfiles Sender endpoint"
        else:
            url = join_url(endpoint, record.session_id)
            error = await self._send(partner, "PUT", url, record.document)
        retry_at = None if error is None else self._retry_at(record.attempts)
        async with self.db.session() as session, session.begin():
            await store.record_push(session, record, error=error, retry_at=retry_at)
