"""What operators see of the push outbox and what they decide (docs/architecture.md "Delivery";
``openroam deliveries``, ``GET /api/deliveries``).

A delivery that partners keep refusing ends ``failed`` (``_delivery/push.py``); one that waits
for a retry is ``pending``. An operator may send a row again now (``retry``) or decide it is not
to be sent (``skip``). Both decisions are written into the row (``note``: who, when, why), a skip
also as a ``delivery.skipped`` event in the same transaction, and logged: never silent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from openroam._services.events import EventService, EventType
from openroam._store import outbox_admin
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.objects import DeliveryState
from openroam._store.outbox_admin import DeliveryRow
from openroam.errors import ClientError, NotFound
from openroam.models.common import format_datetime

__all__ = ["DELIVERY_STATES", "DeliveryService", "DeliveryView", "delivery_subject"]

log = logging.getLogger("openroam.deliveries")

DELIVERY_STATES = (
    DeliveryState.PENDING,
    DeliveryState.DELIVERED,
    DeliveryState.FAILED,
    DeliveryState.SKIPPED,
    DeliveryState.SUPERSEDED,
)


def delivery_subject(delivery_id: int) -> str:
    """The subject of a delivery's events (``delivery.failed``, ``delivery.skipped``)."""
    return f"delivery:{delivery_id}"


@dataclass(frozen=True, slots=True)
class DeliveryView:
    """A delivery with its partner's name."""

    row: DeliveryRow
    partner: str

    def to_dict(self) -> dict[str, object]:
        row = self.row

        def when(value: datetime | None) -> str | None:
            return format_datetime(value) if value is not None else None

        return {
            "id": row.id,
            "partner": self.partner,
            "module": row.module,
            "method": row.method,
            "path": row.path,
            "fields": list(row.fields) if row.fields is not None else None,
            "state": row.state,
            "attempts": row.attempts,
            "refusals": row.refusals,
            "next_attempt_at": when(row.next_attempt_at) if row.state == "pending" else None,
            "in_flight": row.leased_until is not None,
            "last_error": row.last_error,
            "created_at": when(row.created_at),
            "delivered_at": when(row.delivered_at),
            "closed_at": when(row.closed_at),
            "note": row.note,
        }


class DeliveryService:
    """List, retry and skip push deliveries."""

    def __init__(self, db: Database, events: EventService) -> None:
        self.db = db
        self.events = events

    async def list(
        self,
        *,
        partner: str | None = None,
        states: Sequence[str] | None = None,
        limit: int = 100,
        after_id: int = 0,
        newest_first: bool = False,
    ) -> list[DeliveryView]:
        """Deliveries in queue order (``newest_first``: the last ``limit``, newest first); of
        one partner (by name) and some states."""
        for state in states or ():
            if state not in DELIVERY_STATES:
                raise ClientError(f"Unknown state {state!r}; known: {', '.join(DELIVERY_STATES)}")
        async with self.db.session() as session:
            names = {p.id: p.name for p in await repo.list_partners(session)}
            partner_id = None
            if partner is not None:
                found = await repo.get_partner_by_name(session, partner)
                if found is None:
                    raise NotFound(f"Unknown partner {partner}")
                partner_id = found.id
            rows = await outbox_admin.list_deliveries(
                session,
                partner_id=partner_id,
                states=states,
                limit=limit,
                after_id=after_id,
                newest_first=newest_first,
            )
        return [DeliveryView(row, names.get(row.partner_id, "?")) for row in rows]

    async def retry(self, delivery_id: int, *, by: str = "operator") -> DeliveryView:
        """Send the delivery again now (see ``outbox_admin.retry_delivery``)."""
        now = datetime.now(UTC)
        note = f"retried by {by} at {format_datetime(now)}"
        async with self.events.transaction() as session:
            before = await outbox_admin.get_delivery(session, delivery_id, for_update=True)
            if before is None:
                raise NotFound(f"Unknown delivery {delivery_id}")
            if before.state == DeliveryState.DELIVERED:
                raise ClientError(f"Delivery {delivery_id} was delivered", http_status=409)
            row = await outbox_admin.retry_delivery(session, delivery_id, now=now, note=note)
            assert row is not None
            partner = await repo.get_partner(session, row.partner_id)
        log.warning("delivery %s: %s (was %s)", delivery_id, note, before.state)
        return DeliveryView(row, partner.name if partner else "?")

    async def skip(
        self, delivery_id: int, *, by: str = "operator", reason: str | None = None
    ) -> DeliveryView:
        """Decide a pending or failed delivery is not to be sent (recorded, with an event)."""
        now = datetime.now(UTC)
        note = f"skipped by {by} at {format_datetime(now)}" + (f": {reason}" if reason else "")
        async with self.events.transaction() as session:
            before = await outbox_admin.get_delivery(session, delivery_id, for_update=True)
            if before is None:
                raise NotFound(f"Unknown delivery {delivery_id}")
            if before.state not in (DeliveryState.PENDING, DeliveryState.FAILED):
                raise ClientError(
                    f"Delivery {delivery_id} is {before.state}; only pending or failed ones "
                    "can be skipped",
                    http_status=409,
                )
            row = await outbox_admin.skip_delivery(session, delivery_id, now=now, note=note)
            assert row is not None
            partner = await repo.get_partner(session, row.partner_id)
            view = DeliveryView(row, partner.name if partner else "?")
            data = {**view.to_dict(), "delivery_id": delivery_id, "previous_state": before.state}
            await self.events.record(
                session, EventType.DELIVERY_SKIPPED, delivery_subject(delivery_id), data
            )
        log.warning("delivery %s: %s (was %s)", delivery_id, note, before.state)
        return view
