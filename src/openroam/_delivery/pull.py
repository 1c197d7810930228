"""Pull-sync: fetch partners' objects from their Sender interfaces (transport_and_format.asciidoc
"Pull and Push", "Offline behaviour").

A receiver must be able to resynchronise by itself. After registration openroam pulls in full
every module the partner offers as Sender that is ours to pull (``partner_status.pulled_modules``:
a module one of our roles receives, from its owner or a Hub; on a Hub node what each party
owns, never Sessions or CDRs); afterwards it pulls what changed since its watermark
(``date_from`` = the newest ``last_updated`` received) on a schedule with random splay, and sooner
when a partner answers again after failures. Pages are followed through their ``Link`` headers,
on the origin of the partner's registered endpoint only (``client/_pages.py``).

A pull moves the watermark and the full-sync time only when it is complete: it read every page
without an error, and at least as many objects as the last page's ``X-Total-Count`` announced.
A failed or incomplete pull keeps both (what it received is stored all the same), is recorded on
the sync state (``failures``, ``last_error`` with its time, ``failing_since``) and logged, and is
retried after a backoff. A partner's objects are read in its OCPI version and stored in the
2.2.1 shape (``_services/dialect.py``: for 2.1.1 the window of ``date_from``, which means
"after" there, and the conversion). Log lines name the partner and the module, in the text
and as the record's ``partner`` and ``ocpi_module`` fields (``openroam._logging.log_fields``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from openroam._logging import log_fields
from openroam._services import reading, worker_activity
from openroam._services.credentials import Caller
from openroam._services.dialect import dialect_of, pull_context
from openroam._services.object_specs import SPECS
from openroam._services.partner_status import pulled_modules
from openroam._services.pulled import PulledPage, store_pulled
from openroam._services.roaming import RoamingService
from openroam._services.routing import pull_headers
from openroam._services.token_contracts import own_token_parties
from openroam._store import repositories as repo
from openroam._store import sync_state
from openroam._store.db import Database
from openroam.client._base import OcpiHttpClient
from openroam.client._pages import ListPage, iter_pages
from openroam.errors import OcpiError
from openroam.models.v221.versions import InterfaceRole

__all__ = ["PullResult", "PullSettings", "PullWorker"]

log = logging.getLogger("openroam._delivery")

ClientFactory = Callable[[str, bool], OcpiHttpClient]
Progress = Callable[[int, int | None], None]


@dataclass(frozen=True, slots=True)
class PullSettings:
    #: seconds between incremental pulls of one module from one partner
    interval: float = 3600.0
    #: fraction of the interval added or removed at random, so partners are not hit together
    splay: float = 0.1
    #: first retry delay after a failed pull, doubled per failure up to ``interval``
    retry_delay: float = 30.0
    idle_sleep: float = 1.0
    #: the time zone of a pulled 2.1.1 Location that names none (setting ``v211_time_zone``)
    v211_time_zone: str = "UTC"


@dataclass(slots=True)
class PullResult:
    module: str
    full: bool
    pages: int = 0
    #: objects on the pages read, valid or not
    received: int = 0
    #: ``X-Total-Count`` of the last page read, if it had one
    total: int | None = None
    stored: int = 0
    unchanged: int = 0
    foreign: int = 0
    invalid: list[tuple[str, str]] = field(default_factory=list)
    #: why the pull is incomplete (fewer objects than announced), ``None`` when it is complete
    incomplete: str | None = None


def _sender_url(partner: repo.PartnerRecord, module: str) -> str | None:
    for endpoint in partner.endpoints:
        if endpoint.identifier == module and endpoint.role == InterfaceRole.SENDER:
            return endpoint.url
    return None


def _caller(partner: repo.PartnerRecord) -> Caller:
    roles = tuple((str(r.role), r.country_code, r.party_id) for r in partner.roles)
    lenient = partner.reading_policy == "lenient"
    return Caller(partner.id, partner.name, "", "C", str(partner.status), roles, lenient=lenient)


async def _fetching_ahead(pages: AsyncIterator[ListPage]) -> AsyncIterator[ListPage]:
    """The pages of ``pages``, the next one being fetched while the caller stores this one:
    the partner's server and our validation and storing then work at the same time."""
    ahead: asyncio.Task[ListPage | None] = asyncio.create_task(_next_page(pages))
    try:
        while (page := await ahead) is not None:
            ahead = asyncio.create_task(_next_page(pages))
            yield page
    finally:
        if not ahead.done():
            ahead.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ahead


async def _next_page(pages: AsyncIterator[ListPage]) -> ListPage | None:
    return await anext(pages, None)


async def _stored_behind(
    pages: AsyncIterator[ListPage], store: Callable[[ListPage], Coroutine[Any, Any, PulledPage]]
) -> AsyncIterator[tuple[ListPage, PulledPage]]:
    """Each page of ``pages`` with what ``store`` did with it, one page late: ``store`` of a
    page runs as a task beside the next page's, so one page can be written (on SQLite on the
    writer's thread, in parallel) while the next is prepared. ``store`` keeps the writes in
    order. Raises the first failure; a store still under way is then cancelled (what it
    committed was valid and newer, and the watermark does not move)."""
    running: list[tuple[ListPage, asyncio.Task[PulledPage]]] = []
    try:
        async for page in pages:
            running.append((page, asyncio.create_task(store(page))))
            if len(running) == 2:
                yield running[0][0], await running[0][1]
                del running[0]
        if running:
            yield running[0][0], await running[0][1]
            del running[0]
    finally:
        for _, task in running:
            task.cancel()
            # Awaited, so that its own failure, if any, is not reported as never retrieved.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def _fields(partner: repo.PartnerRecord, module: str) -> dict[str, str]:
    """The ``extra`` of a log record about one module of one partner (``module`` itself is a
    LogRecord attribute, the Python module that logged: hence ``ocpi_module``)."""
    return log_fields(partner.name, module)


class PullWorker:
    """Pulls due modules from partners; ``pull`` does one module by hand."""

    def __init__(
        self,
        db: Database,
        roaming: RoamingService,
        clients: ClientFactory,
        settings: PullSettings | None = None,
    ) -> None:
        self.db = db
        self.roaming = roaming
        self.clients = clients
        self.settings = settings or PullSettings()

    def _next(self, after: float) -> datetime:
        spread = after * self.settings.splay
        return datetime.now(UTC) + timedelta(seconds=after + random.uniform(-spread, spread))

    async def pull(
        self,
        partner: repo.PartnerRecord,
        module: str,
        *,
        full: bool = False,
        progress: Progress | None = None,
    ) -> PullResult:
        """Pull one module from one partner: everything (``full``) or what changed since the
        watermark.

        A pull that fails (a page cannot be fetched, a next link is refused or loops) is recorded
        on the sync state and logged, then its error is raised. An incomplete pull is recorded
        the same way and returned with ``incomplete`` set. ``PartnerNotFound`` (the partner
        offers no such Sender interface) is raised without touching the sync state."""
        url, token = _sender_url(partner, module), partner.outgoing_token
        if url is None or token is None:
            raise repo.PartnerNotFound(f"{partner.name} offers no {module} Sender interface")
        try:
            result = await self._pull(partner, module, url, token, full=full, progress=progress)
        except OcpiError as error:
            what = f"pull of {module} from {partner.name}"
            await self._failed(partner, module, what, error.describe())
            raise
        if result.incomplete is not None:
            what = f"incomplete pull of {module} from {partner.name}"
            await self._failed(partner, module, what, result.incomplete)
        else:
            log.info(
                "pulled %s from %s: %d stored, %d unchanged, %d invalid, %d page(s)%s",
                module,
                partner.name,
                result.stored,
                result.unchanged,
                len(result.invalid),
                result.pages,
                " (full)" if result.full else "",
                extra=_fields(partner, module),
            )
        return result

    async def _pull(
        self,
        partner: repo.PartnerRecord,
        module: str,
        url: str,
        token: str,
        *,
        full: bool,
        progress: Progress | None,
    ) -> PullResult:
        async with self.db.session() as session:
            state = await sync_state.get_sync_state(session, partner.id, module)
        full = full or state is None or state.last_full_sync_at is None or state.watermark is None
        dialect = dialect_of(partner)
        since = None if full or state is None else state.watermark
        params = dialect.pull_params(module, since)
        result = PullResult(module=module, full=full)
        started = datetime.now(UTC)
        newest = None if state is None else state.watermark
        caller, spec = _caller(partner), SPECS[module]
        client = self.clients(token, partner.encode_token)
        last_url = url
        try:
            # transport_and_format.asciidoc "Message Routing": FROM our receiving party, TO
            # the owner's party (a Hub: the Hub itself, "GET All via Hubs").
            headers = dialect.routing_headers(pull_headers(self.roaming.platform, partner, module))
            model = dialect.page_model(module)
            pages = _fetching_ahead(iter_pages(client, url, params, model, headers=headers))

            turn = asyncio.Lock()  # pages are written one at a time, in their order
            context = pull_context(partner, self.roaming.platform, self.settings.v211_time_zone)

            parties = own_token_parties(self.roaming.platform)

            async def tokens(contract_ids: list[str]) -> Mapping[str, dict[str, Any]]:
                return await self.roaming.own_tokens_by_contract(parties, contract_ids)

            async def store(page: ListPage) -> PulledPage:
                # The partner's version read and converted to the stored shape (2.2.1), with
                # the own Tokens its objects name (2.1.1: by auth_id), found in one query.
                named = await dialect.tokens_named(module, page.items, tokens)
                read = dialect.incoming(
                    module, page.items, context, lenient=caller.lenient, tokens=named
                )
                stored = await store_pulled(self.roaming, caller, spec, read.items, turn=turn)
                stored.invalid = [*read.invalid, *(stored.invalid or [])]
                await reading.record(self.db, partner.id, module, read.respelled)
                return stored

            async for page, stored in _stored_behind(pages, store):
                result.pages += 1
                result.received += len(page.items)
                result.total, last_url = page.total, page.url
                result.stored += stored.stored
                result.unchanged += stored.unchanged
                result.foreign += stored.foreign
                result.invalid += stored.invalid or []
                if stored.newest is not None and (newest is None or stored.newest > newest):
                    newest = stored.newest
                if progress is not None:
                    progress(len(page.items), page.total)
        finally:
            await client.aclose()
        for label, problem in result.invalid:
            log.warning(
                "pulled %s %s from %s is invalid: %s",
                module,
                label,
                partner.name,
                problem,
                extra=_fields(partner, module),
            )
        if foreign := result.foreign:
            log.warning(
                "ignored %d pulled %s from %s: of parties it did not register, or (Sessions, "
                "CDRs) not concerning ours",
                foreign,
                module,
                partner.name,
                extra=_fields(partner, module),
            )
        if result.total is not None and result.received < result.total:
            # transport_and_format.asciidoc "Pagination": a Link is given on every page but the
            # last, and X-Total-Count counts every object of the query. Fewer objects when the
            # links end (no Link, or an empty page): the list was cut short, so what was not
            # received may be older than the newest received; the watermark cannot move past it.
            result.incomplete = (
                f"received {result.received} of {result.total} objects (X-Total-Count); "
                f"the pages ended at {last_url}"
            )
            return result
        if newest is not None and newest > started:
            # An object dated after the pull began (a partner's clock ahead, or a hostile date)
            # is stored, but the watermark stays at our clock: a watermark in the future would
            # make every later date_from ask for nothing. Lower only refetches a few objects.
            newest = started
        now = datetime.now(UTC)
        async with self.db.session() as session, session.begin():
            changes: dict[str, object] = {
                "watermark": newest,
                "last_pull_at": now,
                "next_pull_at": self._next(self.settings.interval),
                # The last error and its time stay, for the operator view; it is healthy again.
                "failures": 0,
                "failing_since": None,
            }
            if full:
                changes["last_full_sync_at"] = now
            await sync_state.save_sync_state(session, partner.id, module, **changes)
        return result

    async def schedule_new(self) -> None:
        """A pull now for every (partner, module) we pull (``pulled_modules``: the partner
        offers the Sender, and it is ours to pull) that has no sync state yet, or none
        scheduled: the full pull after a registration, or once a module comes into scope."""
        now = datetime.now(UTC)
        async with self.db.session() as session, session.begin():
            for partner in await repo.list_partners(session):
                if partner.status != repo.PartnerStatus.REGISTERED:
                    continue
                for module in pulled_modules(partner, self.roaming.platform):
                    state = await sync_state.get_sync_state(session, partner.id, module)
                    if state is None or state.next_pull_at is None:
                        await sync_state.schedule_pull(session, partner.id, module, now)

    async def run_due(self) -> int:
        """Pull every due (partner, module); the number of pulls attempted."""
        await self.schedule_new()
        async with self.db.session() as session:
            due = await sync_state.due_pulls(session, datetime.now(UTC))
        for state in due:
            async with self.db.session() as session:
                partner = await repo.get_partner(session, state.partner_id)
            if partner is None or partner.status != repo.PartnerStatus.REGISTERED:
                continue
            if state.module not in pulled_modules(partner, self.roaming.platform):
                await self._unschedule(partner, state.module)
                continue
            try:
                await self.pull(partner, state.module)
            except OcpiError:
                pass  # recorded and logged by ``pull``; the next due pull goes on
            except repo.PartnerNotFound as error:
                # No longer offered (a credentials update): retried with backoff, in case it is
                # offered again.
                await self._failed(partner, state.module, f"pull of {state.module}", str(error))
        return len(due)

    async def _unschedule(self, partner: repo.PartnerRecord, module: str) -> None:
        """A due pull of a module we no longer pull from the partner (scheduled before the
        scope narrowed, or our roles or its grants changed; ``pulled_modules``): not pulled,
        and not due again until it is in scope once more (``schedule_new``). What was pulled
        and the sync state stay."""
        async with self.db.session() as session, session.begin():
            await sync_state.save_sync_state(session, partner.id, module, next_pull_at=None)
        log.info(
            "%s is no longer pulled from %s (none of our roles receives it from there); "
            "its pull is not scheduled",
            module,
            partner.name,
            extra=_fields(partner, module),
        )

    async def _failed(
        self, partner: repo.PartnerRecord, module: str, what: str, problem: str
    ) -> None:
        """Record a failed or incomplete pull and schedule its retry with backoff: the first
        after ``retry_delay``, doubled per failure up to ``interval``."""
        message = f"{what}: {problem}"
        async with self.db.session() as session, session.begin():
            state = await sync_state.record_pull_failure(session, partner.id, module, message)
            exponent = min(state.failures - 1, 20)
            delay = min(self.settings.interval, self.settings.retry_delay * 2**exponent)
            await sync_state.schedule_pull(session, partner.id, module, self._next(delay))
        log.warning(
            "%s (failure %d, retry in about %.0f s)",
            message,
            state.failures,
            delay,
            extra=_fields(partner, module),
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Pull due modules until ``stop`` is set."""
        while not stop.is_set():
            try:
                pulled = await self.run_due()
            except Exception as error:
                log.exception("pull-sync round failed")
                worker_activity.round_failed(error)
            else:
                worker_activity.round_done(pulled)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.settings.idle_sleep)
