"""ChargingProfiles delivery (CPO side): results to the Sender's ``response_url`` and
ActiveChargingProfile pushes to its Sender endpoint (mod_charging_profiles.asciidoc "Sender
Interface": POST and PUT).

Both are outbox rows written in the transaction that produced them
(:mod:`openroam._services.profile_receiver`). The worker claims due rows (leased, ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL; ``_store/leases.py``), sends them, and retries a failure with capped
back-off until the Sender answers, or marks the row failed after ``max_refusals`` permanent
refusals (``_delivery/retry.py``): a result the backend reported is never silently lost. A push
sends the row's
current profile; a change made while it was being sent leaves the row pending, so the newest
profile always goes out last. Rows of an unregistered partner are given up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from openroam._delivery.retry import Failure, RetryPolicy, failure_of, run_rounds
from openroam._logging import log_fields
from openroam._services.dialect import dialect_of
from openroam._services.platform import Platform
from openroam._services.routing import own_party, parse_party, partner_party, routing_headers
from openroam._store import profiles as store
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.client._base import OcpiHttpClient
from openroam.client._urls import join_url
from openroam.errors import OcpiError
from openroam.models.v221.types import Role
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
    #: permanent refusals (OCPI 2xxx, HTTP 4xx but 401/408/429) before a row is failed
    max_refusals: int = 3

    @property
    def policy(self) -> RetryPolicy:
        return RetryPolicy(self.base_delay, self.max_delay, self.max_refusals)


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
        *,
        platform: Platform | None = None,
    ) -> None:
        self.db = db
        self.clients = clients
        self.settings = settings or ProfileDeliverySettings()
        #: times out our requests whose result is overdue (ChargingProfileSender.expire)
        self.expire = expire
        #: this node, for the routing headers of what is sent (None: none are sent)
        self.platform = platform

    @property
    def policy(self) -> RetryPolicy:
        return self.settings.policy

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
        await run_rounds(
            self.run_once,
            stop,
            idle_sleep=self.settings.idle_sleep,
            log=log,
            what="charging profile delivery",
        )

    async def _partner(self, partner_id: int) -> repo.PartnerRecord | None:
        async with self.db.session() as session:
            partner = await repo.get_partner(session, partner_id)
        if partner is None or partner.status == repo.PartnerStatus.UNREGISTERED:
            return None
        return partner if partner.outgoing_token is not None else None

    def _routing(self, partner: repo.PartnerRecord, counterparty: str | None) -> dict[str, str]:
        """FROM our CPO party, TO the party that sent the request (``counterparty``, kept from
        its ``OCPI-from-*``) or else the partner's Sender party (transport_and_format.asciidoc
        "Message Routing"); none for a 2.1.1 partner."""
        if self.platform is None:
            return {}
        to_party = parse_party(counterparty) or partner_party(partner, (Role.EMSP, Role.SCSP))
        headers = routing_headers(own_party(self.platform, (Role.CPO,)), to_party)
        return dialect_of(partner).routing_headers(headers)

    async def _send(
        self,
        partner: repo.PartnerRecord,
        method: str,
        url: str,
        body: bytes | None,
        counterparty: str | None = None,
    ) -> Failure | None:
        """Send one message; ``None`` on success, else the partner's answer."""
        assert partner.outgoing_token is not None
        client = self.clients(partner.outgoing_token, partner.encode_token)
        headers = self._routing(partner, counterparty)
        try:
            await client.send(method, url, json_body=body, headers=headers)
        except OcpiError as error:
            # describe() names the call (method and URL) with the partner's answer.
            log.info(
                "charging profile message to %s failed: %s",
                partner.name,
                error.describe(),
                extra=log_fields(partner.name, ModuleID.CHARGINGPROFILES),
            )
            return failure_of(error)
        finally:
            await client.aclose()
        return None

    async def _record(
        self, record: store.RequestRecord | store.ActiveRecord, failure: Failure | None
    ) -> None:
        """The outcome of one send, by the rules of ``_delivery/retry.py``."""
        error = None if failure is None else failure.message
        retry_at = None if failure is None else self.policy.retry_at(record.attempts)
        refused = failure is not None and failure.permanent
        limit = self.policy.max_refusals
        async with self.db.session() as session, session.begin():
            if isinstance(record, store.ActiveRecord):
                await store.record_push(
                    session,
                    record,
                    error=error,
                    retry_at=retry_at,
                    refused=refused,
                    max_refusals=limit,
                )
            else:
                await store.record_result_attempt(
                    session,
                    record.id,
                    error=error,
                    retry_at=retry_at,
                    refused=refused,
                    max_refusals=limit,
                )

    async def _result(self, record: store.RequestRecord) -> None:
        partner = await self._partner(record.partner_id)
        if partner is None or record.response_url is None:
            error: str | None = "partner unregistered"
            async with self.db.session() as session, session.begin():
                await store.update_request(
                    session, record.id, state=store.State.FAILED, last_error=error
                )
            return
        failure = await self._send(
            partner, "POST", record.response_url, record.result, record.counterparty
        )
        await self._record(record, failure)

    async def _push(self, record: store.ActiveRecord) -> None:
        partner = await self._partner(record.partner_id)
        if partner is None:
            async with self.db.session() as session, session.begin():
                await store.give_up_push(session, record.id, "partner unregistered")
            return
        endpoint = _sender_endpoint(partner)
        failure: Failure | None
        if endpoint is None:
            message = f"{partner.name} offers no ChargingProfiles Sender endpoint"
            failure = Failure(None, None, message)
        else:
            url = join_url(endpoint, record.session_id)
            async with self.db.session() as session:
                setter = await store.setter_party(
                    session, "received", record.partner_id, record.session_id
                )
            failure = await self._send(partner, "PUT", url, record.document, setter)
        await self._record(record, failure)
