"""Push delivery: send our objects' changes to partners from the outbox (docs/architecture.md
"Delivery"; docs/spec-decisions.md "Failed pushes and results are retried").

Every change to an own object recorded a delivery per partner in the same transaction
(``services.roaming``). This worker claims due deliveries — in order per object and partner
(``_store/outbox.claim_deliveries``) — sends each object's *current* state, so a retry can never
overwrite newer data with older, and records every attempt. Failures follow
:mod:`openroam._delivery.retry`: a partner that is down or busy is retried with capped back-off
for as long as it takes; a permanent refusal of one object is tried ``max_refusals`` times, then
the row is ``failed`` and a ``delivery.failed`` event tells the backend — other objects never
wait for it. When a partner answers again after failures, an incremental pull from it is
scheduled (it may have changed things while we could not reach it).

On a Hub node the rows relay partners' objects (Broadcast Push, ``services.broadcast``): the
object's current state is read by its pk as any other; a DELETE looks for the object again
among the origins of the party that owns it (a PUT that created it again is queued behind), and
the request goes FROM the Hub (``routing.delivery_headers``).

What is sent is written in the partner's OCPI version (``_services/dialect.py``): a 2.1.1
partner gets each object converted, with the Location (and a CDR's Tariffs) it embeds in 2.1.1;
one that 2.1.1 cannot express is not sent, and its row fails at once with the reason.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from openroam._convert._context import Doc, Related
from openroam._delivery.retry import Failure, RetryPolicy, failure_of, run_rounds
from openroam._logging import log_fields
from openroam._services import hub_clients
from openroam._services.deliveries import delivery_subject
from openroam._services.dialect import Dialect, Unconvertible, dialect_of
from openroam._services.documents import locate
from openroam._services.events import EventService, EventType
from openroam._services.object_specs import SPECS
from openroam._services.partner_status import pulled_modules
from openroam._services.platform import Platform
from openroam._services.routing import delivery_headers, parse_party
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
    #: permanent refusals (OCPI 2xxx, HTTP 4xx but 401/408/429) before a row is failed
    max_refusals: int = 3

    @property
    def policy(self) -> RetryPolicy:
        return RetryPolicy(self.base_delay, self.max_delay, self.max_refusals)


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


def _identity(
    delivery: outbox.DeliveryRecord, origin: int = objects.OWN
) -> tuple[str, int, str, str, str, str]:
    """The stored identity of the object a delivery's path names, under ``origin`` (our own
    objects unless a Hub relays a partner's)."""
    route, _, query = delivery.path.partition("?")
    country_code, party_id, object_id = route.split("/")[:3]
    kind = query.removeprefix("type=")
    return (delivery.module, origin, country_code, party_id, object_id, kind)


def _owner(delivery: outbox.DeliveryRecord) -> tuple[str, str]:
    """The party owning the object a delivery names (its path's first two segments)."""
    country_code, party_id = delivery.path.partition("?")[0].split("/")[:2]
    return country_code, party_id


def _tariff_ids(cdr: Doc) -> list[str]:
    """The ids of the Tariffs a CDR's charging periods name."""
    ids = [p["tariff_id"] for p in cdr.get("charging_periods", []) if p.get("tariff_id")]
    return list(dict.fromkeys(ids))


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
        self,
        db: Database,
        clients: ClientFactory,
        settings: PushSettings | None = None,
        events: EventService | None = None,
        *,
        platform: Platform | None = None,
    ) -> None:
        self.db = db
        self.clients = clients
        self.settings = settings or PushSettings()
        self.policy = self.settings.policy
        self.events = events or EventService(db)
        #: this node, for the routing headers of each push (None: none are sent)
        self.platform = platform

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
        # One connection per partner, partners in parallel; a claim holds at most one row per
        # object, so the rows of one partner are independent of each other.
        await asyncio.gather(*(self._partner(pid, items) for pid, items in by_partner.items()))
        return len(claimed)

    async def run(self, stop: asyncio.Event) -> None:
        """Send deliveries until ``stop`` is set."""
        await run_rounds(
            self.run_once, stop, idle_sleep=self.settings.idle_sleep, log=log, what="push delivery"
        )

    async def _partner(self, partner_id: int, deliveries: Sequence[outbox.DeliveryRecord]) -> None:
        async with self.db.session() as session:
            partner = await repo.get_partner(session, partner_id)
        if (
            partner is None
            or partner.status == repo.PartnerStatus.UNREGISTERED
            or partner.outgoing_token is None
        ):
            async with self.db.session() as session, session.begin():
                count = await outbox_admin.give_up_deliveries(
                    session, partner_id, "partner unregistered"
                )
            name = partner.name if partner is not None else f"#{partner_id} (deleted)"
            if count:
                log.warning(
                    "gave up %d deliveries to %s: the partner is unregistered",
                    count,
                    name,
                    extra=log_fields(name),
                )
            return
        if partner.status == repo.PartnerStatus.SUSPENDED:
            # Suspended by an operator (``_services/suspension.py``): nothing is sent until it
            # is resumed, which makes these rows due again at once; meanwhile they are looked
            # at only once per longest back-off.
            held_until = datetime.now(UTC) + timedelta(seconds=self.settings.max_delay)
            async with self.db.session() as session, session.begin():
                await outbox.release_deliveries(
                    session, [d.id for d in deliveries], not_before=held_until
                )
            return
        client = self.clients(partner.outgoing_token, partner.encode_token)
        failed_before = any(d.attempts for d in deliveries)
        try:
            for index, delivery in enumerate(deliveries):
                failure = await self._send(client, partner, delivery)
                if failure is None and failed_before:
                    await self._schedule_catch_up(partner)
                    failed_before = False
                if failure is not None and not failure[0].permanent:
                    # The partner is down or busy: its other objects are not tried again at
                    # once either (a refusal of one object, though, never holds others back).
                    rest = [d.id for d in deliveries[index + 1 :]]
                    async with self.db.session() as session, session.begin():
                        await outbox.release_deliveries(session, rest, not_before=failure[1])
                    break
        finally:
            await client.aclose()

    async def _current(self, delivery: outbox.DeliveryRecord) -> objects.StoredObject | None:
        """The object as it is now: by pk for a PUT, PATCH or POST; for a DELETE, the object
        stored under the same identity (created again after the delete), if any."""
        async with self.db.session() as session:
            if delivery.method == "DELETE":
                for origin in await self._origins(session, delivery):
                    found = await objects.get_object(session, *_identity(delivery, origin))
                    if found is not None:
                        return found
                return None
            if delivery.object_pk is None:
                return None
            return await objects.get_object_by_pk(session, delivery.object_pk)

    async def _origins(self, session: AsyncSession, delivery: outbox.DeliveryRecord) -> list[int]:
        """Where the object a DELETE names is stored when it exists: ours, or on a Hub node
        (which owns nothing) under the partner holding its owner party — the one that pushed it
        (a party belongs to one partner: docs/architecture.md "Partner grants")."""
        if self.platform is None or not self.platform.is_hub:
            return [objects.OWN]
        holders = await repo.find_partners_by_party(session, *_owner(delivery))
        return [partner.id for partner in holders]

    async def _send(
        self, client: OcpiHttpClient, partner: repo.PartnerRecord, delivery: outbox.DeliveryRecord
    ) -> tuple[Failure, datetime] | None:
        """Send one delivery; ``None`` when it is done, else the failure and when it is retried."""
        dialect = dialect_of(partner)
        endpoint = _endpoint(partner, delivery.module)
        if delivery.module == hub_clients.MODULE:
            # A Hub's ClientInfo PUT: no stored object, the party's status as it is now.
            stored, body = None, await hub_clients.client_info_body(self.db, delivery.path)
        else:
            stored = await self._current(delivery)
            body = _body(delivery, stored.document if stored is not None else None)
        outcome: dict[str, Any] = {"http_status": None, "status_code": None, "error": None}
        started = time.perf_counter()
        failure: Failure | None = None
        if endpoint is None:
            outcome["error"] = f"partner has no {delivery.module} Receiver endpoint; not sent"
        elif delivery.method == "DELETE" and stored is not None:
            # The current state is "exists": it was created again after the DELETE, and the PUT
            # that did so is queued behind this row; a DELETE now would remove it.
            outcome["error"] = "object exists again; the DELETE is not sent"
        elif delivery.method != "DELETE" and body is None:
            outcome["error"] = "object no longer exists; nothing to send"
        else:
            # mod_cdrs "POST Method": a new CDR is POSTed to the endpoint itself; the other
            # modules PUT/PATCH/DELETE at {endpoint}/{country_code}/{party_id}/{id}[/…].
            path = dialect.receiver_path(delivery.module, delivery.path)
            url = endpoint if delivery.method == "POST" else receiver_url(endpoint, path)
            try:
                sent = None if body is None else await self._outgoing(dialect, delivery, body)
            except Unconvertible as why:
                # The partner's version cannot carry it: sending it again cannot help.
                failure = Failure(None, None, f"not sent as OCPI {dialect.version}: {why}", True)
                outcome["error"] = failure.message
            else:
                headers = dialect.routing_headers(self._routing(partner, delivery, stored))
                failure = await self._call(client, partner, delivery, url, sent, outcome, headers)
        retry_at = None if failure is None else self.policy.retry_at(delivery.attempts)
        refusals = self.policy.max_refusals
        async with self.db.session() as session, session.begin():
            state = await outbox.record_attempt(
                session,
                delivery.id,
                ok=failure is None,
                http_status=outcome["http_status"],
                status_code=outcome["status_code"],
                error=outcome["error"],
                duration_ms=(time.perf_counter() - started) * 1000,
                next_attempt_at=retry_at,
                refused=failure is not None and failure.permanent,
                # A document the partner's version cannot carry fails at once.
                max_refusals=1 if failure is not None and failure.final else refusals,
            )
            posted = failure is None and delivery.method == "POST" and "location" in outcome
            if posted and stored is not None:
                await self._received(session, partner, stored, outcome["location"])
            if failure is not None and state == outbox.FAILED:
                await self._failed(session, partner, delivery, failure)
        await self.events.publish(session)
        return None if failure is None or retry_at is None else (failure, retry_at)

    def _routing(
        self,
        partner: repo.PartnerRecord,
        delivery: outbox.DeliveryRecord,
        stored: objects.StoredObject | None,
    ) -> dict[str, str]:
        """``OCPI-from-*``/``OCPI-to-*`` of one push (``routing.delivery_headers``): FROM the
        object's owner (the first segments of the row's path) or, relayed on a Hub node, the
        Hub; TO the party a Session or CDR concerns, a Hub, or the partner's receiving party."""
        if self.platform is None:
            return {}
        segments = delivery.path.partition("?")[0].split("/")
        owner = (segments[0], segments[1]) if len(segments) >= 2 else None
        counterparty = None if stored is None else parse_party(stored.counterparty)
        return delivery_headers(self.platform, partner, delivery.module, owner, counterparty)

    async def _outgoing(
        self, dialect: Dialect, delivery: outbox.DeliveryRecord, body: bytes
    ) -> bytes:
        """The body as the partner's version writes it (:mod:`openroam._services.dialect`)."""
        return await dialect.outgoing(
            delivery.module,
            body,
            depth=len(delivery.path.partition("?")[0].split("/")[3:]),
            patch=delivery.method == "PATCH",
            related=self._related,
        )

    async def _related(self, module: str, doc: Doc) -> Related:
        """What a Session or CDR embeds in 2.1.1: its Location (ours, stored under the
        object's own party) and, for a CDR that carries no Tariffs, those its charging periods
        name."""
        location_id = doc.get("location_id") or doc.get("cdr_location", {}).get("id")
        owner = (doc["country_code"], doc["party_id"])
        async with self.db.session() as session:
            location = None
            if isinstance(location_id, str):
                found = await objects.get_object(
                    session, "locations", objects.OWN, *owner, location_id
                )
                location = None if found is None else orjson.loads(found.document)
            if module != "cdrs":
                return Related(location=location)
            tariffs: dict[str, Doc] = {}
            for tariff_id in _tariff_ids(doc):
                found = await objects.get_object(session, "tariffs", objects.OWN, *owner, tariff_id)
                if found is not None:
                    tariffs[tariff_id] = orjson.loads(found.document)
        return Related(location=location, tariffs=tariffs)

    async def _call(
        self,
        client: OcpiHttpClient,
        partner: repo.PartnerRecord,
        delivery: outbox.DeliveryRecord,
        url: str,
        body: bytes | None,
        outcome: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> Failure | None:
        """Send the request; ``outcome`` records the answer. The failure, if it failed."""
        try:
            reply = await client.send(delivery.method, url, json_body=body, headers=headers)
        except OcpiError as error:
            failure = failure_of(error)
            outcome["error"] = failure.message
            outcome["status_code"] = failure.status_code
            outcome["http_status"] = failure.http_status
            # describe() names the call (method and URL) with the partner's answer.
            log.info(
                "delivery %s of %s to %s failed: %s",
                delivery.id,
                delivery.module,
                partner.name,
                error.describe(),
                extra=log_fields(partner.name, delivery.module),
            )
            return failure
        outcome["http_status"] = reply.http_status
        outcome["status_code"] = reply.envelope.status_code
        outcome["location"] = reply.headers.get("Location")
        return None

    async def _failed(
        self,
        session: AsyncSession,
        partner: repo.PartnerRecord,
        delivery: outbox.DeliveryRecord,
        failure: Failure,
    ) -> None:
        """The partner refused the delivery for good: tell the backend, in the same transaction."""
        log.warning(
            "delivery %s (%s %s %s) to %s failed for good: %s",
            delivery.id,
            delivery.method,
            delivery.module,
            delivery.path,
            partner.name,
            outbox.describe_failure(failure.http_status, failure.status_code, failure.message),
            extra=log_fields(partner.name, delivery.module),
        )
        data = {
            "delivery_id": delivery.id,
            "partner": partner.name,
            "module": delivery.module,
            "method": delivery.method,
            "path": delivery.path,
            "attempts": delivery.attempts + 1,
            "http_status": failure.http_status,
            "status_code": failure.status_code,
            "message": failure.message,
        }
        await self.events.record(
            session, EventType.DELIVERY_FAILED, delivery_subject(delivery.id), data
        )

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
                "%s answered the POST of CDR %s without a Location",
                partner.name,
                stored.object_id,
                extra=log_fields(partner.name, stored.module),
            )
        await cdr_receipts.save_receipt(session, stored, partner.id, location, datetime.now(UTC))

    async def _schedule_catch_up(self, partner: repo.PartnerRecord) -> None:
        now = datetime.now(UTC)
        modules = pulled_modules(partner, self.platform)
        async with self.db.session() as session, session.begin():
            for module in modules:
                await sync_state.schedule_pull(session, partner.id, module, now)
        log.info(
            "%s answers again after failed deliveries; a pull of %s is due now",
            partner.name,
            ", ".join(modules) or "nothing (no Sender interface)",
            extra=log_fields(partner.name),
        )
