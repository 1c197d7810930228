"""Backend API routes for our own Locations, Tariffs, Tokens and Sessions: write them, read them
back.

Every write goes through :class:`RoamingService` (``own_put``/``own_patch``/``own_delete``), which
stores the object and records a delivery for every partner with a Receiver endpoint for the
module, in one transaction. The methods per module are those of the OCPI Receiver interface
(mod_locations: PUT and PATCH, no DELETE; mod_tariffs: PUT and DELETE, no PATCH; mod_tokens and
mod_sessions: PUT and PATCH; a Session PATCH appends charging_periods).
"""

# No ``from __future__ import annotations``: FastAPI reads the handlers' annotations at runtime,
# and they refer to dependencies chosen in the enclosing factory.

from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict
from starlette.responses import Response
from starlette.routing import Route

from openroam._api.bodies import now_stamp, page_query, with_last_updated
from openroam._api.openapi import body_doc, data_doc
from openroam._api.params import (
    ListParams,
    connector_path,
    evse_path,
    list_params,
    location_path,
    session_path,
    tariff_path,
    token_path,
)
from openroam._api.plain import AdminCheck, plain_route, read_location_path
from openroam._api.responses import (
    WriteAnswer,
    data_response,
    list_response,
    raw_response,
)
from openroam._services.documents import ObjectPath
from openroam._services.node import Node
from openroam._services.object_specs import LOCATIONS, SESSIONS, TARIFFS, TOKENS, ModuleSpec
from openroam._services.roaming import OWN, WriteResult
from openroam.models.common import DateTime, format_datetime
from openroam.models.v221.locations import Status

__all__ = [
    "EvseStatusChange",
    "add_own_routes",
    "node_of",
    "plain_location_patches",
    "write_response",
]

PathDependency = Callable[..., ObjectPath]
Names = tuple[str, ...]

LOCATION_URL = "/api/locations/{country_code}/{party_id}/{location_id}"
LOCATION_PATH_NAMES = ("country_code", "party_id", "location_id", "evse_uid", "connector_id")
LOCATION_LEVELS: tuple[tuple[str, PathDependency], ...] = (
    (LOCATION_URL, location_path),
    (LOCATION_URL + "/{evse_uid}", evse_path),
    (LOCATION_URL + "/{evse_uid}/{connector_id}", connector_path),
)
TARIFF_URL = "/api/tariffs/{country_code}/{party_id}/{tariff_id}"
TOKEN_URL = "/api/tokens/{country_code}/{party_id}/{token_uid}"
SESSION_URL = "/api/sessions/{country_code}/{party_id}/{session_id}"

WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": WriteAnswer, "description": "Replaced (PUT) or changed (PATCH)"},
    201: {"model": WriteAnswer, "description": "Created"},
}


class EvseStatusChange(BaseModel):
    """The body of the EVSE status shortcut."""

    model_config = ConfigDict(extra="forbid")

    status: Status
    last_updated: DateTime | None = None
    """When the status changed; defaults to now."""


def node_of(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def write_response(result: WriteResult, last_updated: Any) -> Response:
    data = {"created": result.created, "applied": result.applied, "last_updated": last_updated}
    return data_response(data, 201 if result.created else 200)


def _add_put(
    router: APIRouter, spec: ModuleSpec, depth: int, url: str, dep: PathDependency
) -> None:
    model = spec.levels[depth].model

    async def put(request: Request, path: Annotated[ObjectPath, Depends(dep)]) -> Response:
        body, stamp = with_last_updated(await request.body(), spec, depth)
        return write_response(await node_of(request).roaming.own_put(spec, path, body), stamp)

    router.add_api_route(
        url,
        put,
        methods=["PUT"],
        summary=f"Create or replace an own {model.__name__}",
        responses=WRITE_RESPONSES,
        openapi_extra=body_doc(model),
    )


def plain_location_patches(admin: AdminCheck) -> list[Route]:
    """The Location, EVSE and Connector PATCH as plain routes (the EVSE status hot path; see
    :mod:`openroam._api.plain`), with the same checks and answers as the routes below."""
    routes = []
    for depth, (url, _) in enumerate(LOCATION_LEVELS):
        names = LOCATION_PATH_NAMES[: 3 + depth]

        async def patch(request: Request, depth: int = depth, names: Names = names) -> Response:
            path = read_location_path(request, names)
            body, stamp = with_last_updated(await request.body(), LOCATIONS, depth)
            result = await node_of(request).roaming.own_patch(LOCATIONS, path, body)
            return write_response(result, stamp)

        routes.append(plain_route(url, "PATCH", patch, admin))
    return routes


def _add_patch(
    router: APIRouter,
    spec: ModuleSpec,
    depth: int,
    url: str,
    dep: PathDependency,
) -> None:
    patch_model = spec.levels[depth].patch_model
    assert patch_model is not None

    async def patch(request: Request, path: Annotated[ObjectPath, Depends(dep)]) -> Response:
        body, stamp = with_last_updated(await request.body(), spec, depth)
        return write_response(await node_of(request).roaming.own_patch(spec, path, body), stamp)

    router.add_api_route(
        url,
        patch,
        methods=["PATCH"],
        summary=f"Change fields of an own {spec.levels[depth].model.__name__}",
        responses={200: WRITE_RESPONSES[200]},
        openapi_extra=body_doc(
            patch_model, "Only the fields to change; last_updated defaults to now."
        ),
    )


def _add_get(
    router: APIRouter, spec: ModuleSpec, depth: int, url: str, dep: PathDependency
) -> None:
    model = spec.levels[depth].model

    async def get(request: Request, path: Annotated[ObjectPath, Depends(dep)]) -> Response:
        return raw_response(await node_of(request).roaming.read(OWN, spec, path))

    router.add_api_route(
        url, get, methods=["GET"], summary=f"An own {model.__name__}", openapi_extra=data_doc(model)
    )


def _add_list(router: APIRouter, spec: ModuleSpec) -> None:
    async def get_list(
        request: Request, params: Annotated[ListParams, Depends(list_params)]
    ) -> Response:
        node = node_of(request)
        query = page_query(
            params.date_from, params.date_to, params.offset, params.limit, node.page_limit
        )
        page = await node.roaming.sender_page(spec, query)
        return list_response(page.documents, page.total)

    router.add_api_route(
        f"/api/{spec.module}",
        get_list,
        methods=["GET"],
        summary=f"Own {spec.module}, oldest first",
        openapi_extra=data_doc(spec.top.model, many=True),
    )


def _add_evse_status(router: APIRouter) -> None:
    async def put_status(
        request: Request,
        path: Annotated[ObjectPath, Depends(evse_path)],
        change: EvseStatusChange,
    ) -> Response:
        stamp = now_stamp() if change.last_updated is None else format_datetime(change.last_updated)
        body = orjson.dumps({"status": change.status.value, "last_updated": stamp})
        result = await node_of(request).roaming.own_patch(LOCATIONS, path, body)
        return write_response(result, stamp)

    router.add_api_route(
        LOCATION_URL + "/{evse_uid}/status",
        put_status,
        methods=["PUT"],
        summary="Set the status of an own EVSE",
        description="A PATCH of the EVSE with status and last_updated (default: now); "
        "partners receive it as an EVSE PATCH.",
        responses={200: WRITE_RESPONSES[200]},
    )


def _add_tariff_delete(router: APIRouter) -> None:
    async def delete(
        request: Request, path: Annotated[ObjectPath, Depends(tariff_path)]
    ) -> Response:
        await node_of(request).roaming.own_delete(TARIFFS, path)
        return data_response(None)

    router.add_api_route(TARIFF_URL, delete, methods=["DELETE"], summary="Delete an own Tariff")


def add_own_routes(router: APIRouter) -> None:
    # Before the Connector routes: .../{evse_uid}/status would otherwise be a Connector "status".
    _add_evse_status(router)
    for depth, (url, dep) in enumerate(LOCATION_LEVELS):
        _add_put(router, LOCATIONS, depth, url, dep)
        _add_patch(router, LOCATIONS, depth, url, dep)
        _add_get(router, LOCATIONS, depth, url, dep)
    _add_put(router, TARIFFS, 0, TARIFF_URL, tariff_path)
    _add_tariff_delete(router)
    _add_get(router, TARIFFS, 0, TARIFF_URL, tariff_path)
    _add_put(router, TOKENS, 0, TOKEN_URL, token_path)
    _add_patch(router, TOKENS, 0, TOKEN_URL, token_path)
    _add_get(router, TOKENS, 0, TOKEN_URL, token_path)
    _add_put(router, SESSIONS, 0, SESSION_URL, session_path)
    _add_patch(router, SESSIONS, 0, SESSION_URL, session_path)
    _add_get(router, SESSIONS, 0, SESSION_URL, session_path)
    for spec in (LOCATIONS, TARIFFS, TOKENS, SESSIONS):
        _add_list(router, spec)
