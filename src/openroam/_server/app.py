"""The OCPI server: ``create_app(node)`` builds the ASGI app for one node.

Every answer is an OCPI envelope — also for unknown paths, wrong methods, bad query parameters,
invalid JSON and unexpected failures (never ``{"detail": …}``, a 422, a 307 or a traceback).
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.asyncexitstack import AsyncExitStackMiddleware
from starlette.exceptions import HTTPException
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from openroam import __version__
from openroam._server.body import DEFAULT_MAX_BODY_BYTES, BodyGuard, ErrorAnswer
from openroam._server.envelope import error_response
from openroam._server.hub import HubLayer, hub_routed
from openroam._server.metrics import NodeMetrics
from openroam._server.middleware import MessageTap, OcpiMiddleware
from openroam._server.probes import MetricsAccess, probe_routes
from openroam._server.v211 import credentials as credentials_v211
from openroam._server.v211 import senders as senders_v211
from openroam._server.v211 import versions as versions_v211
from openroam._server.v211.routes import router as v211_routes
from openroam._server.v221 import (
    authorize,
    cdrs,
    charging_profiles,
    commands,
    credentials,
    hubclientinfo,
    roaming,
    sessions,
    versions,
)
from openroam._services.node import Node
from openroam.errors import (
    ClientError,
    InvalidOrMissingParameters,
    MethodNotAllowed,
    NotFound,
    OcpiError,
)
from openroam.models._validation import json_path

__all__ = ["OcpiApp", "answer_errors_under", "create_app"]

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def _routing(request: Request) -> dict[str, str] | None:
    # Set by the Functional-module routes once the caller is known (server.headers).
    headers: dict[str, str] | None = getattr(request.state, "ocpi_routing", None)
    return headers


async def _ocpi_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, OcpiError)
    answer = _answer_under(request)
    if answer is not None:
        # Raised under a path that does not speak OCPI (the console): answered in its shape.
        return answer(error)
    return error_response(error, _routing(request))


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(request: Request) -> str:
    # Starlette's own Allow names only the methods of the first route on the path, and the
    # module routers declare one route per method: ask every route about every method instead.
    routes: list[BaseRoute] = request.app.router.routes
    allowed = [
        method
        for method in _METHODS
        if any(
            route.matches(dict(request.scope, method=method))[0] == Match.FULL for route in routes
        )
    ]
    return ", ".join(allowed)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    headers = dict(error.headers or {})
    if error.status_code == 404:
        failure: OcpiError = NotFound("Unknown path")
    elif error.status_code == 405:
        # RFC 9110 §15.5.6: a 405 MUST list the methods the path serves in Allow.
        headers["Allow"] = _allowed_methods(request)
        failure = MethodNotAllowed("Method not allowed on this path")
    else:
        failure = ClientError(str(error.detail), http_status=error.status_code)
    answer = _answer_under(request)
    if answer is None:
        return error_response(failure, headers)
    # A path under another API (``/api/``) that its own catch-all did not take: Starlette's
    # path pattern does not match a newline ("/api/\n"). Answered in that API's shape.
    response = answer(failure)
    response.headers.update(headers)
    return response


async def _validation_error(request: Request, error: Exception) -> Response:
    # Path and query parameters (offset=abc, a too long id): 2001 with where and what.
    assert isinstance(error, RequestValidationError)
    found = [f"{json_path(e['loc'])}: {e['msg']}" for e in error.errors()]
    return error_response(InvalidOrMissingParameters("; ".join(found[:5])), _routing(request))


def _answer_under(request: Request) -> ErrorAnswer | None:
    path: str = request.scope["path"]
    for prefix, answer in getattr(request.app, "error_answers", ()):
        if path.startswith(prefix):
            found: ErrorAnswer = answer
            return found
    return None


def _freezing(lifespan: Lifespan | None) -> Lifespan:
    """``lifespan``, and then ``gc.freeze()`` once the app has started."""

    @asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        if lifespan is None:
            _freeze()
            yield
            return
        async with lifespan(app):
            _freeze()
            yield

    return run


def _freeze() -> None:
    # What start-up built (modules, models, routes, the node) lives as long as the process.
    # Frozen, the collector no longer walks it: a full collection under load costs what the
    # requests' garbage costs, not tens of milliseconds per pause.
    gc.collect()
    gc.freeze()


class OcpiApp(FastAPI):
    """The FastAPI app, with the GET list of every Sender interface, and PUT and PATCH on every
    Receiver interface, answered ahead of it.

    That GET is the hot path (docs/architecture.md "What a GET list page costs"): a page read
    from the store costs
    less than the layers every FastAPI request passes (error, telemetry and body-limit
    middleware, exception handling, routing). It passes the same :class:`OcpiMiddleware` (request
    ids, the request log, a 3000 answer for an unexpected failure); the list app answers OCPI
    errors itself, as the exception handler here would (``_server/v221/roaming.py``
    ``SenderList``). A partner's PUT or PATCH on a Receiver interface, the most frequent push
    (bench/README.md (d)), is answered the same way (``ReceiverWrite``), inside the same
    :class:`BodyGuard` as well.

    On a Hub node every request the Hub routes (``_server/hub``: the Functional modules of
    2.2.1, relayed results) passes the routing layer ahead of FastAPI in the same two layers:
    most are forwarded, and a forwarded request costs the Hub less than FastAPI's layers did
    (bench/README.md (f)). What it answers itself goes on to the fast paths or to the routes
    with the app's exception handlers (:meth:`_answer_routes`), not through the layers again.

    Any other method or path goes through FastAPI.
    """

    def __init__(self, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, **settings: Any) -> None:
        super().__init__(**settings)
        #: ``/metrics``: this app's request counts and registry (one per app)
        self.metrics = NodeMetrics()
        #: the node's message log, for every layer that passes :class:`OcpiMiddleware`
        self.message_tap = MessageTap(self.state)
        tap = self.message_tap
        self._sender_lists = OcpiMiddleware(self._answer_sender_list, self.metrics.requests, tap)
        self._sender_list_routes = {route.path: route for route in _SENDER_LIST_ROUTES}
        #: How the layers ahead of the routes (:class:`BodyGuard`) answer under a path prefix
        #: that does not speak OCPI (the backend API: :func:`answer_errors_under`).
        self.error_answers: list[tuple[str, ErrorAnswer]] = []
        guarded = BodyGuard(
            self._answer_receiver_write, max_body_bytes=max_body_bytes, answers=self.error_answers
        )
        self._receiver_writes = OcpiMiddleware(guarded, self.metrics.requests, tap)
        hub = BodyGuard(
            HubLayer(self._answer_routes),
            max_body_bytes=max_body_bytes,
            answers=self.error_answers,
        )
        self._hub_requests = OcpiMiddleware(hub, self.metrics.requests, tap)
        #: the routes inside the exception handlers, without the middleware (built at first use)
        self._routes_only: ASGIApp | None = None
        # (the node last seen, whether it is a Hub): read at every request, decided once
        self._hub_of: tuple[object, bool] = (None, False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            method: str = scope["method"]
            path: str = scope["path"]
            # The middleware serves a path with a trailing slash as the path without it.
            bare = path[:-1] if path.endswith("/") else path
            if bare.startswith(_HUB_ROUTED) and self._is_hub():
                # On a Hub node the requests it routes pass the routing layer first
                # (_server/hub); it calls ``fast_path`` for what it answers itself.
                if hub_routed(scope):
                    scope["app"] = self
                    await self._hub_requests(scope, receive, send)
                    return
            else:
                if method == "GET" and bare in _SENDER_LISTS:
                    await self._sender_lists(scope, receive, send)
                    return
                if method in _WRITES and roaming.receiver_write_of(method, bare) is not None:
                    await self._receiver_writes(scope, receive, send)
                    return
        await super().__call__(scope, receive, send)

    def _is_hub(self) -> bool:
        node = getattr(self.state, "node", None)
        known, hub = self._hub_of
        if node is not known:
            hub = node is not None and getattr(node, "hub_routing", None) is not None
            self._hub_of = (node, hub)
        return hub

    async def _answer_routes(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The routes answering ``scope``, with the app's exception handlers (an OCPI error, a
        404 or 405, bad parameters: ``create_app``) but without the middleware: for a request
        that has passed :class:`OcpiMiddleware` and :class:`BodyGuard` ahead of FastAPI (a Hub's
        own answer). An unexpected failure goes up to :class:`OcpiMiddleware` (3000)."""
        if self._routes_only is None:
            handlers = {
                key: handler
                for key, handler in self.exception_handlers.items()
                if key not in (500, Exception)
            }
            # As FastAPI builds its stack inside the user middleware (the exit stack closes
            # uploaded files; routes expect it in the scope).
            self._routes_only = ExceptionMiddleware(
                AsyncExitStackMiddleware(self.router), handlers=handlers, debug=self.debug
            )
        scope["app"] = self
        await self._routes_only(scope, receive, send)

    def fast_path(self, scope: Scope) -> ASGIApp | None:
        """The app answering ``scope`` ahead of FastAPI (GET list, Receiver PUT/PATCH), without
        the middleware and body guard (the caller has passed them: the Hub's routing layer);
        None when the routes answer it."""
        method: str = scope["method"]
        path: str = scope["path"]
        if method == "GET" and path in _SENDER_LISTS:
            return self._answer_sender_list
        if method in _WRITES and roaming.receiver_write_of(method, path) is not None:
            return self._answer_receiver_write
        return None

    async def _answer_sender_list(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = self
        # As the router would have set it: the route answering (its path, the metrics' label).
        scope["route"] = self._sender_list_routes[scope["path"]]
        await _SENDER_LISTS[scope["path"]](scope, receive, send)

    async def _answer_receiver_write(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = roaming.receiver_write_of(scope["method"], scope["path"])
        assert found is not None  # the path __call__ matched, without a trailing slash
        write, scope["path_params"] = found
        scope["app"] = self
        # As the router would have set it for this plain route (the metrics' label).
        scope["endpoint"] = write
        await write(scope, receive, send)


_WRITES = frozenset({"PUT", "PATCH"})
#: The paths a Hub node routes (_server/hub): its Functional modules, and relayed results.
_HUB_ROUTED = "/ocpi/2.2.1/"
#: The GET list of every Sender interface, 2.2.1 and 2.1.1, by path (answered ahead of FastAPI).
_SENDER_LISTS: dict[str, Callable[[Scope, Receive, Send], Awaitable[None]]] = {
    **roaming.sender_lists,
    **senders_v211.sender_lists,
}
_SENDER_LIST_ROUTES = [*roaming.sender_list_routes, *senders_v211.sender_list_routes]


def answer_errors_under(app: FastAPI, prefix: str, answer: ErrorAnswer) -> None:
    """Let the layers ahead of the routes answer errors under ``prefix`` with ``answer``
    (a refused body under ``/api/`` in the backend API's shape, not as an OCPI envelope)."""
    if isinstance(app, OcpiApp):
        app.error_answers.append((prefix, answer))


def create_app(
    node: Node | None = None,
    *,
    lifespan: Lifespan | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    metrics: MetricsAccess = "open",
    admin_token: str | None = None,
) -> FastAPI:
    """The ASGI app serving OCPI for ``node``, and ``/health``, ``/ready``, ``/metrics``
    (:mod:`openroam._server.probes`).

    Without ``node``, ``lifespan`` must set ``app.state.node`` on start-up (``openroam serve``
    opens the database there, inside the server's event loop). ``max_body_bytes``: the largest
    request body read (413 beyond; :class:`BodyGuard`). ``metrics``: who may read ``/metrics``
    (``token``: callers with ``admin_token``).
    """
    app = OcpiApp(
        max_body_bytes=max_body_bytes,
        lifespan=_freezing(lifespan),
        title="openroam OCPI",
        version=__version__,
        redirect_slashes=False,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    if node is not None:
        app.state.node = node
    app.include_router(versions.router)
    app.include_router(credentials.router)
    app.include_router(versions_v211.router)
    app.include_router(credentials_v211.router)
    app.include_router(roaming.router)
    app.include_router(cdrs.router)
    app.include_router(sessions.router)
    app.include_router(commands.router)
    app.include_router(authorize.router)
    app.include_router(charging_profiles.router)
    app.include_router(hubclientinfo.router)
    app.include_router(v211_routes)
    app.router.routes[0:0] = probe_routes(app.metrics, metrics, admin_token)
    app.router.routes[0:0] = [
        *roaming.sender_list_routes,
        *roaming.receiver_write_routes,
        *senders_v211.sender_list_routes,
    ]
    app.add_exception_handler(OcpiError, _ocpi_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    # Inside OcpiMiddleware (added last, so outermost): a refused body gets request ids and
    # its log line like any answer.
    app.add_middleware(BodyGuard, max_body_bytes=max_body_bytes, answers=app.error_answers)
    app.add_middleware(OcpiMiddleware, metrics=app.metrics.requests, tap=app.message_tap)
    return app
