"""Wiring one node together: settings → database → services → ASGI app.

Used by ``openroam serve`` and the other CLI commands, and by tests that start real nodes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import httpx

from openroam._config import Settings
from openroam._delivery.command_worker import CommandWorker, CommandWorkerSettings
from openroam._delivery.liveness import LivenessSettings, LivenessWorker
from openroam._delivery.profile_worker import ProfileDeliverySettings, ProfileWorker
from openroam._delivery.pull import PullSettings, PullWorker
from openroam._delivery.push import PushSettings, PushWorker
from openroam._delivery.retry import RetryPolicy
from openroam._delivery.webhooks import WebhookSettings, WebhookWorker
from openroam._services.commands import CommandSettings
from openroam._services.message_log import (
    Exchange,
    MessageLog,
    MessageLogSettings,
    cut,
    ocpi_status_of,
)
from openroam._services.node import Node
from openroam._services.platform import OwnParty, Platform
from openroam._services.worker_activity import WorkerBoard
from openroam._store import repositories as repo
from openroam._store import sync_state
from openroam._store.db import Database, upgrade_async
from openroam.client import OcpiClient
from openroam.client._forward import Forwarder
from openroam.client._observe import ExchangeObserver, SentExchange

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("openroam._runtime")

__all__ = [
    "build_app",
    "client_factory",
    "command_settings",
    "message_log_of",
    "open_node",
    "platform_from_settings",
    "running_workers",
    "webhook_settings",
]


def platform_from_settings(settings: Settings) -> Platform:
    parties = tuple(
        OwnParty(
            country_code=party.country_code,
            party_id=party.party_id,
            role=party.role,
            name=party.name,
            website=party.website,
        )
        for party in settings.parties
    )
    return Platform(
        public_url=settings.public_url, parties=parties, versions=settings.ocpi_versions
    )


@asynccontextmanager
async def open_node(
    settings: Settings, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[Node]:
    """Connect the database, migrate it, record the own parties, and build the services."""
    db = Database.connect(settings.database_url)
    try:
        await upgrade_async(db)
        platform = platform_from_settings(settings)
        async with db.session() as session, session.begin():
            await repo.upsert_own_parties(
                session,
                [
                    repo.OwnPartyData(
                        country_code=party.country_code,
                        party_id=party.party_id,
                        role=party.role,
                        business_details={"name": party.name}
                        | ({"website": party.website} if party.website else {}),
                    )
                    for party in platform.parties
                ],
            )

        message_log = message_log_of(settings)
        factory = client_factory(transport, settings, message_log)
        # A Hub forwards requests to its parties on one connection pool (client/_forward.py).
        forwarder = (
            Forwarder(transport=transport, observer=_observer(message_log))
            if platform.is_hub
            else None
        )
        try:
            node = Node.build(
                platform,
                db,
                factory,
                page_limit=settings.page_limit,
                v211_time_zone=settings.v211_time_zone,
                command_api=factory,
                command_settings=command_settings(settings),
                authorize_factory=factory,
                profiles_factory=factory,
                forwarder=forwarder,
                hub_forward_timeout=settings.hub_forward_timeout_seconds,
                hub_liveness_seconds=settings.hub_liveness_seconds,
            )
            node.message_log = message_log
            async with _writing(message_log, db):
                yield node
        finally:
            if forwarder is not None:
                await forwarder.aclose()
    finally:
        await db.dispose()


#: The longest wait between two repetitions of a GET within one call: a caller (a partner
#: waiting on its registration, a pull) is waiting meanwhile.
_CLIENT_MAX_RETRY_DELAY = 30.0


def message_log_of(settings: Settings) -> MessageLog | None:
    """The message log ``settings`` ask for (None: ``message_log.enabled`` is off)."""
    config = settings.message_log
    if not config.enabled:
        return None
    return MessageLog(
        MessageLogSettings(
            enabled=True,
            retention_days=config.retention_days,
            max_megabytes=config.max_megabytes,
            body_bytes=config.body_bytes,
        )
    )


@asynccontextmanager
async def _writing(message_log: MessageLog | None, db: Database) -> AsyncIterator[None]:
    """The message log's writer running in the background while the block runs."""
    if message_log is None:
        yield
        return
    stop = asyncio.Event()
    writer = asyncio.create_task(message_log.run(db, stop), name="openroam-message-log")
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(writer, return_exceptions=True)


def _observer(message_log: MessageLog | None) -> ExchangeObserver | None:
    """The client's callback for every request it sends: an entry of ``message_log``."""
    if message_log is None:
        return None

    def observe(sent: SentExchange) -> None:
        limit = message_log.body_bytes
        request_body, request_bytes = cut((sent.request_body,) if sent.request_body else (), limit)
        answer = (sent.response_body,) if sent.response_body else ()
        response_body, response_bytes = cut(answer, limit)
        message_log.append(
            Exchange(
                at=sent.started,
                direction="out",
                method=sent.method,
                url=sent.url,
                query=b"",
                partner_name=None,
                partner_token=sent.token,
                http_status=sent.status,
                ocpi_status=ocpi_status_of(sent.response_body),
                seconds=sent.seconds,
                request_id=sent.request_id,
                correlation_id=sent.correlation_id,
                request_body=request_body,
                request_bytes=request_bytes,
                response_body=response_body,
                response_bytes=response_bytes,
                error=sent.error,
            )
        )

    return observe


def client_factory(
    transport: httpx.AsyncBaseTransport | None = None,
    settings: Settings | None = None,
    message_log: MessageLog | None = None,
) -> Callable[[str, bool], OcpiClient]:
    """``factory(token, encode_token)``: an OCPI client for one partner token, with the
    timeout and GET repetitions of ``settings`` (their defaults without), telling
    ``message_log`` about every request it sends."""
    # ``model_construct``: the defaults only, not the environment's OPENROAM_* variables.
    settings = settings or Settings.model_construct()
    timeout, retries = settings.client_timeout_seconds, settings.client_retries
    # The back-off of the delivery workers (doubling, capped, with jitter), on a shorter scale.
    backoff = RetryPolicy(
        base_delay=settings.client_retry_delay_seconds,
        max_delay=max(settings.client_retry_delay_seconds, _CLIENT_MAX_RETRY_DELAY),
    ).delay
    observer = _observer(message_log)

    def factory(token: str, encode_token: bool) -> OcpiClient:
        return OcpiClient(
            token,
            encode_token=encode_token,
            transport=transport,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            observer=observer,
        )

    return factory


def command_settings(settings: Settings) -> CommandSettings:
    config = settings.commands
    return CommandSettings(
        timeout=config.timeout,
        backend_timeout=config.backend_timeout,
        supported=frozenset(config.supported),
    )


def webhook_settings(settings: Settings) -> WebhookSettings:
    config = settings.webhooks
    return WebhookSettings(
        secret=config.secret.get_secret_value().encode() if config.secret else b"",
        urls=config.url_for,
        timeout=config.timeout,
        max_delay=config.max_delay,
        max_refusals=config.max_refusals,
    )


def push_settings(settings: Settings) -> PushSettings:
    return PushSettings(
        max_delay=settings.push_max_delay,
        max_refusals=settings.push_max_refusals,
        lease_seconds=settings.push_lease_seconds,
    )


@asynccontextmanager
async def running_workers(
    node: Node,
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None = None,
    board: WorkerBoard | None = None,
) -> AsyncIterator[tuple[PushWorker, PullWorker]]:
    """Push delivery, pull-sync, webhooks and commands (results, timeouts) running in the
    background until the block ends; ``board`` records their rounds (the console's Health)."""
    board = board or WorkerBoard()
    clients = client_factory(transport, settings, node.message_log)
    push = PushWorker(
        node.db, clients, push_settings(settings), node.events, platform=node.platform
    )
    pull_settings = PullSettings(
        interval=settings.pull_interval, v211_time_zone=settings.v211_time_zone
    )
    pull = PullWorker(node.db, node.roaming, clients, pull_settings)
    webhooks = WebhookWorker(node.db, webhook_settings(settings), transport)
    commands = CommandWorker(
        node.commands,
        node.db,
        clients,
        CommandWorkerSettings(
            max_delay=settings.push_max_delay, max_refusals=settings.push_max_refusals
        ),
        platform=node.platform,
    )
    profiles = ProfileWorker(
        node.db,
        clients,
        ProfileDeliverySettings(
            max_delay=settings.push_max_delay, max_refusals=settings.push_max_refusals
        ),
        expire=node.profiles.expire,
        platform=node.platform,
    )
    # A node that starts may have missed pushes while it was down: every partner's next pull
    # is due now (transport_and_format.asciidoc "Offline behaviour").
    async with node.db.session() as session, session.begin():
        moved = await sync_state.schedule_every_pull(session, datetime.now(UTC))
    if moved:
        log.info("starting: %d pulls from partners due now (catching up)", moved)
    stop = asyncio.Event()
    tasks = [
        board.start("push", push.run(stop)),
        board.start("pull", pull.run(stop)),
        board.start("webhooks", webhooks.run(stop)),
        board.start("commands", commands.run(stop)),
        board.start("charging profiles", profiles.run(stop)),
    ]
    if node.platform.is_hub:
        # mod_hub_client_info "Still alive check"
        liveness = LivenessWorker(
            node.db,
            node.platform,
            clients,
            LivenessSettings(settings.hub_liveness_seconds, settings.client_timeout_seconds),
        )
        tasks.append(board.start("liveness", liveness.run(stop)))
    try:
        yield push, pull
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)


def build_app(settings: Settings) -> FastAPI:
    """The ASGI app of a node, opening and closing its database with the app's lifespan."""
    # Imported here: the commands that only run workers (``openroam pull``, ``worker``) then
    # start without loading the web framework (about a quarter of their start-up).
    from openroam._admin import console_enabled, console_running, include_console
    from openroam._api import include_api
    from openroam._server.app import create_app

    console = console_enabled(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_node(settings) as node, AsyncExitStack() as running:
            app.state.node = node
            if settings.worker:
                # The console's Health page shows the workers of this process.
                app.state.workers = WorkerBoard()
                await running.enter_async_context(
                    running_workers(node, settings, board=app.state.workers)
                )
            if console:
                await running.enter_async_context(console_running(app))
            yield

    admin_token = settings.admin_token.get_secret_value() if settings.admin_token else None
    app = create_app(
        None,
        lifespan=lifespan,
        max_body_bytes=settings.max_body_bytes,
        metrics=settings.metrics,
        admin_token=admin_token,
    )
    include_api(app, admin_token)
    if console:
        include_console(app, settings)
    return app
