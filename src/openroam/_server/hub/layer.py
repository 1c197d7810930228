"""The routing layer of a Hub node (transport_and_format.asciidoc "Message Routing"): every
request on a Functional module (``/ocpi/2.2.1/sender/…``, ``/ocpi/2.2.1/receiver/…``) passes it
before any route.

It runs inside :class:`~openroam._server.middleware.OcpiMiddleware` (request ids, the log line,
3000 for a failure) and :class:`~openroam._server.body.BodyGuard` (the body bounded), ahead of
FastAPI and the fast paths (``_server/app.py`` ``OcpiApp``, for the requests
:func:`hub_routed` names), in the order the routes check:

1. the caller (401, ``_server/auth.py``), registered;
2. its roles on the interface (404 + 2000, ``check_interface``);
3. where the request goes (``_services/hub_routing.py`` ``HubRouting.route``): 2001 for a FROM
   the caller does not hold, 4001 for a receiver nobody (or the Hub itself, for what it does not
   answer) is, 4003 for one not connected;
4. *local* (the Hub's own answer: GET All, a Broadcast Push, a held object) goes on to the
   node's routes with the body replayed; anything else is forwarded and the receiving party's
   answer returned (``answers.py``).

A result POSTed to ``/ocpi/2.2.1/hub/results/{relay}`` (a ``response_url`` the Hub put in a
forwarded command or charging-profile request) is sent on to the requester's own URL.

Every answer of this layer is an OCPI envelope with the routing headers once the caller is known
(FROM the party the request was addressed to, or the Hub; TO the requesting party);
Configuration modules (versions, credentials, hubclientinfo) are not routed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openroam._server.auth import authenticated_caller
from openroam._server.envelope import error_response
from openroam._server.headers import check_interface
from openroam._server.hub.answers import send_forwarded
from openroam._server.middleware import new_id
from openroam._server.v221.modules import interface
from openroam._services.credentials import Caller
from openroam._services.hub_routing import RESULTS_PATH, HubRequest, HubRouting
from openroam._services.routing import Party, routing_headers
from openroam.errors import InvalidOrMissingParameters, MethodNotAllowed, NotFound, OcpiError
from openroam.models.v221.versions import InterfaceRole, ModuleID

__all__ = ["HubLayer", "hub_routed"]

_BASE = "/ocpi/2.2.1/"
_INTERFACES = {"sender": InterfaceRole.SENDER, "receiver": InterfaceRole.RECEIVER}
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
_RESULTS = RESULTS_PATH + "/"


def hub_routed(scope: Scope) -> bool:
    """Whether a Hub node routes the request of ``scope``: a Functional module of 2.2.1, or a
    relayed result (anything else goes to the node's routes as on any node)."""
    path: str = scope["path"]
    return path.startswith(_BASE) and (path.startswith(_RESULTS) or _functional(scope) is not None)


class HubLayer:
    """See the module docstring. ``app``: the node's routes, without the layers this one runs
    in (``OcpiApp._answer_routes``). On a node that is not a Hub (no ``Node.hub_routing``) every
    request goes straight on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(_BASE):
            await self.app(scope, receive, send)
            return
        app = scope["app"]
        hub: HubRouting | None = getattr(getattr(app.state, "node", None), "hub_routing", None)
        if hub is None:
            await self.app(scope, receive, send)
            return
        if path.startswith(_RESULTS):
            await self._relay(hub, path[len(_RESULTS) :], scope, receive, send)
            return
        found = _functional(scope)
        if found is None:
            # Configuration modules, unknown paths: the node's routes answer (404, 405, …).
            await self.app(scope, receive, send)
            return
        await self._route(hub, found, scope, receive, send)

    async def _route(
        self,
        hub: HubRouting,
        found: tuple[InterfaceRole, ModuleID, str],
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        role, module, rest = found
        node = scope["app"].state.node
        headers = _headers(scope)
        routing: dict[str, str] | None = None
        try:
            caller = await authenticated_caller(
                node.credentials, headers.get("authorization"), registered=True
            )
            scope["state"]["caller"] = caller
            routing = routing_headers(hub.answer_from(headers), _answer_to(hub, caller, headers))
            check_interface(caller, module, role)
            body = await _body(receive)
            request = HubRequest(
                scope["method"],
                module,
                role,
                rest,
                tuple(unquote(s) for s in rest.split("/")[1:]),
                scope["query_string"].decode("latin-1"),
                headers,
                body,
            )
            route = await hub.route(caller, request)
            routing = routing_headers(hub.answer_from(headers), route.requester)
            if route.local:
                await _answer_locally(scope, body, receive, send, self.app)
                return
            forwarded = await hub.forward(caller, request, route, _correlation_id(scope, headers))
        except OcpiError as error:
            await error_response(error, routing)(scope, receive, send)
            return
        await send_forwarded(send, forwarded)

    async def _relay(
        self, hub: HubRouting, relay_id: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        node = scope["app"].state.node
        headers = _headers(scope)
        routing: dict[str, str] | None = None
        try:
            if scope["method"] != "POST":
                raise MethodNotAllowed("A result is POSTed here")
            caller = await authenticated_caller(
                node.credentials, headers.get("authorization"), registered=True
            )
            scope["state"]["caller"] = caller
            routing = routing_headers(hub.hub_party, _answer_to(hub, caller, headers))
            if not relay_id or "/" in relay_id or len(relay_id) > 36:
                raise NotFound(f"No result is expected at {scope['path']}")
            body = await _body(receive)
            forwarded = await hub.relay(
                caller, relay_id, headers, body, _correlation_id(scope, headers)
            )
        except OcpiError as error:
            response = error_response(error, routing)
            if isinstance(error, MethodNotAllowed):
                response.headers["Allow"] = "POST"
            await response(scope, receive, send)
            return
        await send_forwarded(send, forwarded)


def _functional(scope: Scope) -> tuple[InterfaceRole, ModuleID, str] | None:
    """(interface, module, the rest of the raw path) of a request on a Functional module of
    OCPI 2.2.1; None for anything else."""
    if scope["method"] not in _METHODS:
        return None
    raw: bytes = scope.get("raw_path") or scope["path"].encode()
    path = raw.decode("latin-1").split("?", 1)[0].rstrip("/")
    side, _, remainder = path[len(_BASE) :].partition("/")
    role = _INTERFACES.get(side)
    name, _, rest = remainder.partition("/")
    if role is None or not name:
        return None
    try:
        module = ModuleID(name)
        interface(module, role)
    except (ValueError, KeyError):
        return None
    if module == ModuleID.HUBCLIENTINFO:
        return None  # a Configuration module: never routed (mod_hub_client_info)
    return role, module, f"/{rest}" if rest else ""


def _headers(scope: Scope) -> dict[str, str]:
    # By lower-case name; the first of a repeated header, as Starlette's Headers.get gives it.
    return {
        name.decode("latin-1").lower(): value.decode("latin-1")
        for name, value in reversed(scope["headers"])
    }


def _answer_to(hub: HubRouting, caller: Caller, headers: Mapping[str, str]) -> Party | None:
    """The TO of an error answer before the route is known: the requesting party when its FROM
    holds, else the caller's first party (never a party it only named)."""
    try:
        return hub.requester(caller, headers)
    except InvalidOrMissingParameters:
        if caller.roles:
            _, country_code, party_id = caller.roles[0]
            return country_code, party_id
        return None


def _correlation_id(scope: Scope, headers: Mapping[str, str]) -> str:
    # The id the middleware answers with (the caller's, or the one it made up).
    ids: tuple[str, str] | None = scope["state"].get("request_ids")
    if ids is not None:
        return ids[1]
    return headers.get("x-correlation-id") or new_id()


async def _body(receive: Receive) -> bytes:
    """The whole body (already bounded by BodyGuard)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _answer_locally(
    scope: Scope, body: bytes, receive: Receive, send: Send, routes: ASGIApp
) -> None:
    """The node's own answer: the fast paths of ``OcpiApp`` when one takes the request, else the
    routes; the body read here is replayed."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    app: Any = scope["app"]
    fast = app.fast_path(scope) if hasattr(app, "fast_path") else None
    await (fast or routes)(scope, replay, send)
