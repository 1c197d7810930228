"""The backend API router: ``api_router(admin_token)``, mounted by the runtime beside the OCPI
routes. The Node is read from ``request.app.state.node``.

Everything under ``/api/`` answers in the API's own JSON shape (:mod:`openroam._api.responses`),
also unknown paths and wrong methods; ``/api/openapi.json`` describes every route.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Depends, FastAPI, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match

from openroam._api.auth import admin_auth
from openroam._api.authorization_routes import add_authorization_routes
from openroam._api.cdr_routes import add_cdr_routes
from openroam._api.charging_routes import add_charging_routes
from openroam._api.command_routes import add_command_routes
from openroam._api.connect_routes import add_connect_routes
from openroam._api.delivery_routes import add_delivery_routes
from openroam._api.event_routes import add_event_routes
from openroam._api.openapi import openapi_document
from openroam._api.own_routes import add_own_routes, plain_location_patches
from openroam._api.partner_routes import add_partner_routes
from openroam._api.preference_routes import add_preference_routes
from openroam._api.profile_routes import add_profile_routes
from openroam._api.responses import ApiRoute, ErrorAnswer, error_response
from openroam._server.app import answer_errors_under
from openroam.errors import MethodNotAllowed, NotFound

__all__ = ["api_router", "include_api"]

_METHODS = ("GET", "PUT", "PATCH", "DELETE", "POST")
CATCH_ALL = "/api/{rest:path}"

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorAnswer, "description": "Invalid parameters or body (status_code 2001)"},
    401: {"model": ErrorAnswer, "description": "Missing or wrong admin token"},
    404: {"model": ErrorAnswer, "description": "Unknown object, partner or party"},
}


def _unknown_route(routes: list[BaseRoute]) -> Any:
    async def unknown(request: Request) -> Response:
        # Asked of this API's own routes: the app may hold them inside an included router.
        allowed = [
            method
            for method in _METHODS
            if any(
                getattr(route, "path", None) != CATCH_ALL
                and route.matches(dict(request.scope, method=method))[0] == Match.FULL
                for route in routes
            )
        ]
        if allowed:
            # RFC 9110 §15.5.6: a 405 lists the methods the path serves in Allow.
            message = f"{request.method} is not allowed here; use {', '.join(allowed)}"
            return error_response(MethodNotAllowed(message), {"Allow": ", ".join(allowed)})
        return error_response(NotFound(f"Unknown path {request.url.path}"))

    return unknown


def _openapi_route(routes: list[BaseRoute]) -> Any:
    built: list[bytes] = []

    async def openapi() -> Response:
        if not built:
            built.append(orjson.dumps(openapi_document(routes)))
        return Response(built[0], media_type="application/json")

    return openapi


def api_router(admin_token: str | None) -> APIRouter:
    """The backend API; every route but ``/api/openapi.json`` requires ``admin_token``.

    With ``admin_token`` None (or empty) every such request is refused with 401.
    """
    protected = APIRouter(
        route_class=ApiRoute,
        dependencies=[Depends(admin_auth(admin_token))],
        responses=ERROR_RESPONSES,
    )
    add_own_routes(protected)
    add_charging_routes(protected)
    add_partner_routes(protected)
    add_connect_routes(protected)
    add_preference_routes(protected)
    add_cdr_routes(protected)
    add_event_routes(protected)
    add_command_routes(protected)
    add_authorization_routes(protected)
    add_profile_routes(protected)
    add_delivery_routes(protected)
    # Last: whatever no route above serves, in this API's error shape.
    protected.add_api_route(
        CATCH_ALL, _unknown_route(protected.routes), methods=list(_METHODS), include_in_schema=False
    )
    router = APIRouter(route_class=ApiRoute)
    # Before the catch-all, and without the token: the document describes, it reveals no data.
    router.add_api_route(
        "/api/openapi.json",
        _openapi_route(protected.routes),
        methods=["GET"],
        include_in_schema=False,
    )
    router.include_router(protected)
    return router


def include_api(app: FastAPI, admin_token: str | None, router: APIRouter | None = None) -> None:
    """Mount the backend API on ``app`` (``router``: an :func:`api_router` built for the same
    token, when the caller has one).

    The hot write routes (:func:`plain_location_patches`) go first, before the OCPI routes: a
    request is matched against routes in order, and the API routes come last.
    """
    app.include_router(router or api_router(admin_token))
    app.router.routes[0:0] = plain_location_patches(admin_auth(admin_token))
    # A body refused before any route (too large, unstorable) in this API's shape.
    answer_errors_under(app, "/api/", error_response)
