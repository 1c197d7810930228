"""Backend API route for events: ``GET /api/events?after=<position>`` (docs/backend-api.md).

Every event is listed here, whether or not a webhook URL is configured for its type, with the
state of its webhook. A backend that polls keeps the last ``position`` it processed and asks for
the events after it; positions are given in commit order, so paging never skips an event.
"""

# No ``from __future__ import annotations``: see own_routes.

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from openroam._api.own_routes import node_of
from openroam._api.params import MAX_COUNT
from openroam._services.events import EventType
from openroam._store.events import EventRecord
from openroam.models.common import format_datetime

__all__ = ["EventItem", "EventsAnswer", "add_event_routes", "event_json"]


class WebhookStatus(BaseModel):
    state: str
    """``pending`` (not yet answered 2xx), ``delivered``, ``unsent`` (no URL for the type) or
    ``failed`` (refused by the backend as often as ``webhooks.max_refusals`` allows)."""
    attempts: int
    """Failed attempts so far."""
    last_error: str | None
    delivered_at: str | None


class EventItem(BaseModel):
    position: int
    """The paging cursor: pass the last one you processed as ``after``."""
    id: int
    """The event's id, as in the webhook's ``X-Openroam-Event-Id`` (deduplicate by it)."""
    type: EventType
    subject: str
    """What the event is about, e.g. ``session:NL/EXA/SESSION1``."""
    sequence: int
    """1, 2, 3 … per subject: the order of the subject's events."""
    created_at: str
    data: dict[str, Any]
    webhook: WebhookStatus


class EventsAnswer(BaseModel):
    data: list[EventItem]
    next_after: int
    """The ``after`` of the next page (the last position here, or the one asked for)."""


def event_json(event: EventRecord) -> bytes:
    """An event as the API lists it; ``data`` is the stored JSON, unchanged."""
    meta = {
        "position": event.position,
        "id": event.id,
        "type": event.type,
        "subject": event.subject,
        "sequence": event.sequence,
        "created_at": format_datetime(event.created_at),
        "webhook": {
            "state": event.webhook_state,
            "attempts": event.attempts,
            "last_error": event.last_error,
            "delivered_at": format_datetime(event.delivered_at) if event.delivered_at else None,
        },
    }
    return orjson.dumps(meta)[:-1] + b',"data":' + event.payload + b"}"


def add_event_routes(router: APIRouter) -> None:
    async def list_events(
        request: Request,
        after: Annotated[
            int, Query(ge=0, le=MAX_COUNT, description="Only events after this position")
        ] = 0,
        limit: Annotated[int, Query(ge=1, le=1000, description="Page size")] = 100,
        type: Annotated[
            list[EventType] | None, Query(description="Only these types (repeatable)")
        ] = None,
        subject: Annotated[str | None, Query(max_length=120, description="One subject")] = None,
        webhook: Annotated[
            Literal["pending", "delivered", "unsent", "failed"] | None,
            Query(description="Only events whose webhook is in this state"),
        ] = None,
    ) -> Response:
        events = await node_of(request).events.read(
            after=after, limit=limit, types=type, subject=subject, webhook_state=webhook
        )
        next_after = events[-1].position if events else after
        body = (
            b'{"data":['
            + b",".join(event_json(event) for event in events)
            + b'],"next_after":'
            + str(next_after).encode()
            + b"}"
        )
        return Response(body, media_type="application/json")

    router.add_api_route(
        "/api/events",
        list_events,
        methods=["GET"],
        summary="Events, oldest first (session.started, cdr.received, …)",
        responses={200: {"model": EventsAnswer}},
    )
