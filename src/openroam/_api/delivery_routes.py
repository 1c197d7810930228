"""Backend API routes for the push outbox (docs/backend-api.md "Deliveries"):
``GET /api/deliveries?partner=&state=``, ``POST /api/deliveries/{id}/retry`` and
``POST /api/deliveries/{id}/skip`` — what ``openroam deliveries`` does on the command line."""

# No ``from __future__ import annotations``: FastAPI reads the handlers' annotations at runtime.

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from openroam._api.own_routes import node_of
from openroam._api.responses import data_response

__all__ = ["add_delivery_routes"]

State = Literal["pending", "delivered", "failed", "skipped", "superseded"]


class DeliveryItem(BaseModel):
    id: int
    partner: str
    module: str
    method: str
    path: str
    """The receiver path after the module's endpoint: ``{country_code}/{party_id}/{id}[/…]``."""
    fields: list[str] | None
    state: State
    attempts: int
    """Failed attempts since the last success."""
    refusals: int
    """Permanent refusals since the last success (``push_max_refusals`` of them: failed)."""
    next_attempt_at: str | None
    in_flight: bool
    last_error: str | None
    """The partner's last answer: HTTP status, OCPI status_code and message."""
    created_at: str
    delivered_at: str | None
    closed_at: str | None
    note: str | None
    """Why the row stopped (refused, skipped or retried by an operator, superseded)."""


class DeliveriesAnswer(BaseModel):
    data: list[DeliveryItem]


class DeliveryAnswer(BaseModel):
    data: DeliveryItem


def add_delivery_routes(router: APIRouter) -> None:
    async def list_deliveries(
        request: Request,
        partner: Annotated[
            str | None, Query(max_length=100, description="Only this partner's (by name)")
        ] = None,
        state: Annotated[
            list[State] | None, Query(description="Only rows in these states (repeatable)")
        ] = None,
        after: Annotated[int, Query(ge=0, description="Only rows after this id")] = 0,
        limit: Annotated[int, Query(ge=1, le=1000, description="Page size")] = 100,
    ) -> Response:
        found = await node_of(request).deliveries.list(
            partner=partner, states=state, limit=limit, after_id=after
        )
        return data_response([view.to_dict() for view in found])

    async def retry(request: Request, delivery_id: int) -> Response:
        view = await node_of(request).deliveries.retry(delivery_id, by="the backend API")
        return data_response(view.to_dict())

    async def skip(
        request: Request,
        delivery_id: int,
        reason: Annotated[str | None, Query(max_length=500, description="Why (recorded)")] = None,
    ) -> Response:
        deliveries = node_of(request).deliveries
        view = await deliveries.skip(delivery_id, by="the backend API", reason=reason)
        return data_response(view.to_dict())

    router.add_api_route(
        "/api/deliveries",
        list_deliveries,
        methods=["GET"],
        summary="Push deliveries to partners, in queue order (e.g. the failed ones)",
        responses={200: {"model": DeliveriesAnswer}},
    )
    router.add_api_route(
        "/api/deliveries/{delivery_id}/retry",
        retry,
        methods=["POST"],
        summary="Send a failed, skipped or waiting delivery again now",
        responses={200: {"model": DeliveryAnswer}, 409: {"description": "Already delivered"}},
    )
    router.add_api_route(
        "/api/deliveries/{delivery_id}/skip",
        skip,
        methods=["POST"],
        summary="Decide a pending or failed delivery is not to be sent (recorded as an event)",
        responses={200: {"model": DeliveryAnswer}, 409: {"description": "Not pending or failed"}},
    )
