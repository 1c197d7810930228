"""Push delivery: send our objects' changes to partners from the outbox (docs/architecture.md
"Delivery"; docs/spec-decisions.md "Failed pushes and results are retried").

Every change to an own object recorded a delivery per partner in the same transaction
(``services.roaming``). This worker claims due deliveries, sends each object's *current* state —
so a retry can never overwrite newer data with older — and records every attempt. A failed
delivery is retried with exponential backoff and jitter; nothing is dropped while the partner is
registered. When a partner answers again after failures, an incremental pull from it is scheduled
(it may have changed things while we could not reach it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._services.documents import locate
from openroam._services.object_specs import SPECS
from openroam._store import cdr_receipts, outbox, outbox_admin, sync_state
from openroam._store import object_repo as objects
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.client._base import OcpiHttpClient
from openroam.errors import OcpiError
from openroam.models.v221.versions import InterfaceRole

__all__ = ["PushSettings", "PushWorker", "receiver_url"]

log = logging.getLogger("openroam._delivery")

ClientFactory = Callable[[str, bool], OcpiHttpClient]


@dataclass(frozen=True, slots=True)
class PushSettings:
    batch: int = 200
    lease_seconds: float = 60.0
    base_delay: float = 1.0
    max_delay: float = 600.0
    idle_sleep: float = 0.5


def receiver_url(endpoint: str, path: str) -> str:
    """``{endpoint}/{country_code}/{party_id}/{id}[/…][?type=…]``, each segment URL-quoted."""
    route, _, query = path.partition("?")
    segments = "/".join(quote(segment, safe="") for segment in route.split("/"))
    return f"{endpoint.rstrip('/')}/{segments}" + (f"?{query}" if query else "")


def _endpoint(partner: repo.PartnerRecord, module: str) -> str | None:
    for endpoint in partner.endpoints:
        if endpoint.identifier == module and endpoint.role == InterfaceRole.RECEIVER:
            return endpoint.url
    return None


def _body(delivery: outbox.DeliveryRecord, document: bytes | None) -> bytes | None:
    """The current state to send, or None when there is nothing to send any more."""
    if delivery.method == "DELETE" or document is None:
        return None
    spec = SPECS[delivery.module]
    sub_ids = tuple(delivery.path.partition("?")[0].split("/")[3:])
    target = locate(orjson.loads(document), spec, sub_ids)
    if target is None:
        return None
    if delivery.method == "PUT" or delivery.fields is None:
        return orjson.dumps(target)
    # A PATCH carries the named fields as they are now, and always last_updated.
    fields = {name: target[name] for name in delivery.fields if name in target}
    fields["last_updated"] = target["last_updated"]
    return orjson.dumps(fields)


class PushWorker:
    """Sends due deliveries; one ``run_once`` is one batch."""

    def __init__(
        self, db: Database, clients: ClientFactory, settings: PushSettings | None = None
    ) -> None:
        self.db = db
        self.clients = clients
        self.settings = settings or PushSettings()

    def _retry_at(self, attempts: int) -> datetime:
        delay = min(self.settings.max_delay, self.settings.base_delay * 2 ** min(attempts, 30))
        return datetime.now(UTC) + timedelta(seconds=delay * random.uniform(0.5, 1.0))

    async def run_once(self) -> int:
        """Claim and send one batch; the number of deliveries attempted."""
        async with self.db.session() as session, session.begin():
            claimed = await outbox.claim_deliveries(
                session,
                now=datetime.now(UTC),
                limit=self.settings.batch,
                lease_seconds=self.settings.lease_seconds,
            )
        by_partner: dict[int, list[outbox.DeliveryRecord]] = defaultdict(list)
        for delivery in claimed:
            by_partner[delivery.partner_id].append(delivery)
        # In order per partner (oldest first), partners in parallel.
        await asyncio.gather(*(self._partner(pid, items) for pid, items in by_partner.items()))
        return len(claimed)

    async def run(self, stop: asyncio.Event) -> None:
        """Send deliveries until ``stop`` is set."""
        while not stop.is_set():
            try:
                sent = await self.run_once()
            except Exception:
                log.exception("push delivery batch failed")
                sent = 0
            if not sent:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.settings.idle_sleep)

    async def _partner(self, partner_id: int, deliveries: Sequence[outbox.DeliveryRecord]) -> None:
        async with self.db.session() as session:
            partner = await repo.get_partner(session, partner_id)
        if (
            partner is None
            or partner.status == repo.PartnerStatus.UNREGISTERED
            or partner.outgoing_token is None
        ):
            async with self.db.session() as session, session.begin():
                await outbox_admin.give_up_deliveries(session, partner_id, "partner unregistered")
            return
        client = self.clients(partner.outgoing_token, partner.encode_token)
        failed_before = any(d.attempts for d in deliveries)
        try:
            for index, delivery in enumerate(deliveries):
                retry_at = await self._send(client, partner, delivery)
                if retry_at is None and failed_before:
                    await self._schedule_catch_up(partner)
                    failed_before = False
                if retry_at is not None:
                    # Keep the order per partner: later changes wait until after this one's retry.
                    rest = [d.id for d in deliveries[index + 1 :]]
                    async with self.db.session() as session, session.begin():
                        await outbox.release_deliveries(
                            session, rest, not_before=retry_at + timedelta(milliseconds=1)
                        )
                    break
        finally:
            await client.aclose()

    async def _send(
        self, client: OcpiHttpClient, partner: repo.PartnerRecord, delivery: outbox.DeliveryRecord
    ) -> datetime | None:
        """Send one delivery; ``None`` when it succeeded, else when it is retried."""
        async with self.db.session() as session:
            stored = (
                await objects.get_object_by_pk(session, delivery.object_pk)
                if delivery.object_pk is not None
                else None
            )
        endpoint = _endpoint(partner, delivery.module)
        body = _body(delivery, stored.document if stored is not None else None)
        outcome: dict[str, Any] = {"http_status": None, "status_code": None, "error": None}
        started = time.perf_counter()
        ok = True
        if endpoint is None:
            outcome["error"] = f"partner has no {delivery.module} Receiver endpoint; not sent"
        elif delivery.method != "DELETE" and body is None:
            outcome["error"] = "object no longer exists; nothing to send"
        else:
            # mod_cdrs "POST Method": a new CDR is POSTed to the endpoint itself; the other
            # modules PUT/PATCH/DELETE at {endpoint}/{country_code}/{party_id}/{id}[/…].
            url = endpoint if delivery.method == "POST" else receiver_url(endpoint, delivery.path)
            try:
                reply = await client.send(delivery.method, url, json_body=body)
                outcome["http_status"] = reply.http_status
                outcome["status_code"] = reply.envelope.status_code
                outcome["location"] = reply.headers.get("Location")
            except OcpiError as error:
                ok = False
                outcome["error"] = error.message
                outcome["status_code"] = error.received_status_code
                outcome["http_status"] = error.http_status
                log.info("delivery %s to %s failed: %s", delivery.id, partner.name, error.message)
        retry_at = None if ok else self._retry_at(delivery.attempts)
        async with self.db.session() as session, session.begin():
            await outbox.record_attempt(
                session,
                delivery.id,
                ok=ok,
                http_status=outcome["http_status"],
                status_code=outcome["status_code"],
                error=outcome["error"],
                duration_ms=(time.perf_counter() - started) * 1000,
                next_attempt_at=retry_at,
            )
            if ok and delivery.method == "POST" and stored is not None and "location" in outcome:
                await self._received(session, partner, stored, outcome["location"])
        return retry_at

    @staticmethod
    async def _received(
        session: AsyncSession,
        partner: repo.PartnerRecord,
        stored: objects.StoredObject,
        location: str | None,
    ) -> None:
        """Keep where the partner stored a CDR we POSTed (mod_cdrs "Response Headers":
        ``Location``, required; with it the CPO can GET the CDR there)."""
        if location is None:
            log.warning(
                "%s answered the POST of CDR %s without a Location", partner.name, stored.object_id
            )
        await cdr_receipts.save_receipt(session, stored, partner.id, location, datetime.now(UTC))

    async def _schedule_catch_up(self, partner: repo.PartnerRecord) -> None:
        now = datetime.now(UTC)
        async with self.db.session() as session, session.begin():
            for endpoint in partner.endpoints:
                if endpoint.identifier in SPECS and endpoint.role == InterfaceRole.SENDER:
                    await sync_state.schedule_pull(session, partner.id, endpoint.identifier, now)
