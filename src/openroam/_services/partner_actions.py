"""What an operator does to one partner connection besides its deliveries (the console's
Partners page): pull now, suspend and resume. Token rotation is the credentials service's
(``CredentialsService.rotate_token``); a delivery's retry and skip are ``deliveries``'.

*Pull now* makes the partner's modules due at once; the pull worker (in ``openroam serve``, or a
separate ``openroam worker``) runs them on its next round, as it runs the scheduled ones — the
operator's request never waits for a partner's pages.

*Suspend* pauses a registered connection without forgetting anything: the partner's status
becomes ``suspended`` (``partners.status``; its tokens, roles, grants and endpoints stay). While
suspended:

* its calls to us are refused (HTTP 401, as any token of a connection that is not registered:
  ``_server/auth.py``), the credentials module included;
* we send it nothing: no pull is run, the push worker holds its pending deliveries
  (``_delivery/push.py``), and changes of our objects are not queued for it (the outbox queues
  only registered partners' Receivers) — after a resume it gets what changed meanwhile by
  pulling (GET) from us, not by our pushes; commands and real-time authorization skip it;
* on a Hub node, the other parties are told it is OFFLINE (mod_hub_client_info
  "ConnectionStatus enum": "No connection exists", no requests are sent to it).

*Resume* makes it registered again: its held deliveries are due at once, a pull of every module
we pull from it is due at once (to catch up on what it changed meanwhile), and on a Hub node it
is CONNECTED again. Both are logged; a token cached by this process is looked up again at once,
by another process at most ``TOKEN_TTL`` seconds later.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from openroam._services import hub_clients
from openroam._services.credentials import CredentialsService
from openroam._services.partner_status import pulled_modules
from openroam._services.platform import Platform
from openroam._store import outbox_admin, sync_state
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.errors import MethodNotAllowed, NotFound

__all__ = ["PartnerActions"]

log = logging.getLogger("openroam.partners")


class PartnerActions:
    """Pull now, suspend and resume one partner connection (by its name)."""

    def __init__(self, db: Database, platform: Platform, credentials: CredentialsService) -> None:
        self.db = db
        self.platform = platform
        self.credentials = credentials

    async def _partner(self, name: str) -> repo.PartnerRecord:
        async with self.db.session() as session:
            partner = await repo.get_partner_by_name(session, name)
        if partner is None:
            raise NotFound(f"No partner named {name!r}")
        return partner

    async def pull_now(self, name: str, module: str | None = None) -> list[str]:
        """Make the pull of ``module`` (default: every module we pull from the partner) due
        now; the modules made due. :class:`MethodNotAllowed` when the partner is not registered
        or ``module`` is not one we pull from it."""
        partner = await self._partner(name)
        if partner.status != repo.PartnerStatus.REGISTERED:
            raise MethodNotAllowed(f"Partner {name!r} is {partner.status}: nothing is pulled")
        pulled = pulled_modules(partner, self.platform)
        if module is not None and module not in pulled:
            raise MethodNotAllowed(
                f"{module} is not pulled from {name!r} (pulled: {', '.join(pulled) or 'none'})"
            )
        modules = [module] if module is not None else pulled
        now = datetime.now(UTC)
        async with self.db.session() as session, session.begin():
            for each in modules:
                await sync_state.schedule_pull(session, partner.id, each, now)
        log.info("pull of %s from %s made due now", ", ".join(modules) or "nothing", name)
        return modules

    async def suspend(self, name: str, *, by: str = "operator") -> repo.PartnerRecord:
        """Pause the registered connection ``name`` (see the module docstring)."""
        partner = await self._partner(name)
        if partner.status != repo.PartnerStatus.REGISTERED:
            raise MethodNotAllowed(f"Partner {name!r} is {partner.status}; only a registered one")
        try:
            async with self.db.session() as session, session.begin():
                record = await repo.set_status(session, partner.id, repo.PartnerStatus.SUSPENDED)
                await hub_clients.record_connection(
                    session, self.platform, partner.id, hub_clients.OFFLINE
                )
        finally:
            self.credentials.forget_callers()
        log.warning("partner %s suspended by %s", name, by)
        return record

    async def resume(self, name: str, *, by: str = "operator") -> repo.PartnerRecord:
        """Make the suspended connection ``name`` registered again, its held deliveries and its
        pulls due now."""
        partner = await self._partner(name)
        if partner.status != repo.PartnerStatus.SUSPENDED:
            raise MethodNotAllowed(f"Partner {name!r} is {partner.status}, not suspended")
        now = datetime.now(UTC)
        try:
            async with self.db.session() as session, session.begin():
                record = await repo.set_status(session, partner.id, repo.PartnerStatus.REGISTERED)
                due = await outbox_admin.make_due(session, partner.id, now)
                for module in pulled_modules(record, self.platform):
                    await sync_state.schedule_pull(session, partner.id, module, now)
                await hub_clients.record_connection(
                    session, self.platform, partner.id, hub_clients.CONNECTED
                )
        finally:
            self.credentials.forget_callers()
        log.warning("partner %s resumed by %s (%d held deliveries due now)", name, by, due)
        return record
