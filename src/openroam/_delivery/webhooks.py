"""Webhooks: POST every event to the party's backend (docs/backend-api.md "Webhooks").

Events were recorded in the transaction of their change (``_services/events.py``); the
``events`` table is their outbox. This worker claims due events — only the first pending one of
each subject, so a session's events arrive in order — and POSTs each to the URL configured for
its type, signed with HMAC-SHA256. Anything but a 2xx answer is retried with exponential backoff
and jitter (capped by ``max_delay``) for as long as it takes: an event is never dropped. An event
whose type has no URL is marked ``unsent`` and stays readable through ``GET /api/events``.

Delivery is at least once (a worker that dies after the POST but before recording it leaves the
event to be sent again when its lease runs out): receivers deduplicate by ``X-Openroam-Event-Id``.

Signature: ``X-Openroam-Signature: sha256=<hex>``, the HMAC-SHA256 with the shared secret of
``<X-Openroam-Timestamp>.<body bytes>``; :func:`verify_signature` checks one.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import orjson

from openroam._delivery.retry import RetryPolicy, is_permanent, run_rounds
from openroam._logging import log_fields
from openroam._store import events as store
from openroam._store.db import Database
from openroam.models.common import format_datetime

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WebhookSettings",
    "WebhookWorker",
    "sign",
    "verify_signature",
    "webhook_body",
]

log = logging.getLogger("openroam.webhooks")

SIGNATURE_HEADER = "X-Openroam-Signature"
TIMESTAMP_HEADER = "X-Openroam-Timestamp"
EVENT_ID_HEADER = "X-Openroam-Event-Id"
EVENT_TYPE_HEADER = "X-Openroam-Event"


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    secret: bytes = b""
    urls: Callable[[str], str | None] = field(default=lambda event_type: None)
    """Event type → URL (None: no webhook for it)."""
    timeout: float = 10.0
    batch: int = 100
    concurrency: int = 16
    lease_seconds: float = 60.0
    base_delay: float = 1.0
    max_delay: float = 600.0
    idle_sleep: float = 0.5
    #: refusals (HTTP 4xx but 401/408/429) before an event's webhook is failed
    max_refusals: int = 3

    @property
    def policy(self) -> RetryPolicy:
        return RetryPolicy(self.base_delay, self.max_delay, self.max_refusals)


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    digest = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify_signature(
    secret: bytes,
    body: bytes,
    timestamp: str,
    signature: str,
    *,
    tolerance: float = 300.0,
    now: float | None = None,
) -> bool:
    """Whether a received webhook is authentic and fresh: the signature matches the exact body
    bytes and the timestamp, and the timestamp is within ``tolerance`` seconds of ``now`` (an
    old request replayed later is refused)."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent_at) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent_at, body), signature)


def webhook_body(event: store.EventRecord) -> bytes:
    """The JSON body of an event: the same bytes on every attempt."""
    head = orjson.dumps(
        {
            "id": event.id,
            "type": event.type,
            "subject": event.subject,
            "sequence": event.sequence,
            "created_at": format_datetime(event.created_at),
        }
    )
    return head[:-1] + b',"data":' + event.payload + b"}"


def _about(event: store.EventRecord) -> tuple[str | None, str | None]:
    """The partner (by name) and module an event's data names, if it names them (for logs)."""
    try:
        data = orjson.loads(event.payload)
    except orjson.JSONDecodeError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    partner, module = data.get("partner"), data.get("module")
    return (
        partner if isinstance(partner, str) else None,
        module if isinstance(module, str) else None,
    )


class WebhookWorker:
    """POSTs due events; one ``run_once`` is one batch."""

    def __init__(
        self,
        db: Database,
        settings: WebhookSettings,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.policy = settings.policy
        self.transport = transport

    async def run_once(self, http: httpx.AsyncClient | None = None) -> int:
        """Claim and send one batch; the number of events taken."""
        async with self.db.session() as session, session.begin():
            claimed = await store.claim_events(
                session,
                now=datetime.now(UTC),
                limit=self.settings.batch,
                lease_seconds=self.settings.lease_seconds,
            )
        if not claimed:
            return 0
        unsent = [event.id for event in claimed if self.settings.urls(event.type) is None]
        if unsent:
            async with self.db.session() as session, session.begin():
                await store.mark_unsent(session, unsent, "no webhook URL for this event type")
        to_send = [event for event in claimed if event.id not in set(unsent)]
        if to_send:
            async with contextlib.AsyncExitStack() as stack:
                if http is None:
                    http = await stack.enter_async_context(self._client())
                limit = asyncio.Semaphore(self.settings.concurrency)
                await asyncio.gather(*(self._send(http, event, limit) for event in to_send))
        return len(claimed)

    def _client(self) -> httpx.AsyncClient:
        # Redirects are not followed: a 3xx is not a 2xx, so it is retried like any failure.
        return httpx.AsyncClient(transport=self.transport, timeout=self.settings.timeout)

    async def run(self, stop: asyncio.Event) -> None:
        """Send events until ``stop`` is set."""
        async with self._client() as http:
            await run_rounds(
                lambda: self.run_once(http),
                stop,
                idle_sleep=self.settings.idle_sleep,
                log=log,
                what="webhook",
            )

    async def _send(
        self, http: httpx.AsyncClient, event: store.EventRecord, limit: asyncio.Semaphore
    ) -> None:
        url = self.settings.urls(event.type)
        assert url is not None
        body = webhook_body(event)
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            EVENT_TYPE_HEADER: event.type,
            EVENT_ID_HEADER: str(event.id),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self.settings.secret, timestamp, body),
        }
        http_status: int | None = None
        error: str | None = None
        started = time.perf_counter()
        async with limit:
            try:
                response = await http.post(url, content=body, headers=headers)
                http_status = response.status_code
            except httpx.HTTPError as failure:
                error = f"{type(failure).__name__}: {failure}" if str(failure) else repr(failure)
        ok = http_status is not None and 200 <= http_status < 300
        if not ok:
            partner, module = _about(event)
            log.info(
                "webhook %s (%s%s) to %s failed: %s",
                event.id,
                event.type,
                f" from {partner}" if partner else "",
                url,
                error or f"HTTP {http_status}",
                extra=log_fields(partner, module),
            )
        async with self.db.session() as session, session.begin():
            await store.record_webhook_attempt(
                session,
                event.id,
                url=url,
                ok=ok,
                http_status=http_status,
                error=error,
                duration_ms=(time.perf_counter() - started) * 1000,
                next_attempt_at=None if ok else self.policy.retry_at(event.attempts),
                refused=not ok and is_permanent(http_status, None),
                max_refusals=self.policy.max_refusals,
            )
