"""Locations, Tariffs, Tokens and Sessions routes: our Sender interface (our own objects, read by
partners) and our Receiver interface (objects partners push to
``/{country_code}/{party_id}/{id}[/…]``).

Sender and Receiver live under different prefixes (``/sender/``, ``/receiver/``) because a platform
that is both CPO and eMSP serves both interfaces of a module, and the spec's URL shapes overlap
(``/{location_id}/{evse_uid}/{connector_id}`` vs ``/{country_code}/{party_id}/{location_id}``).
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Depends, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from openroam._server.auth import authenticated_caller
from openroam._server.envelope import (
    JsonArray,
    RawJson,
    envelope_bytes,
    error_response,
    ocpi_response,
    send_json,
)
from openroam._server.headers import (
    addressed_party,
    check_interface,
    check_routing,
    interface_caller,
    routing_headers,
)
from openroam._server.pagination import (
    base_url,
    page_headers,
    page_query,
    query_of,
    read_page_params,
)
from openroam._services.credentials import Caller
from openroam._services.documents import ObjectPath
from openroam._services.node import Node
from openroam._services.object_specs import LOCATIONS, SPECS, ModuleSpec
from openroam.errors import InvalidOrMissingParameters, OcpiError
from openroam.models.v221.tokens import TokenType
from openroam.models.v221.versions import InterfaceRole

__all__ = ["router"]

router = APIRouter()
#: The list routes of the Sender interfaces: plain Starlette routes, first in the app. A GET is
#: answered before it reaches them (below); they answer the other methods (405 with Allow).
sender_list_routes: list[Route] = []
#: The GET list of each Sender interface, by path. The app (_server/app.py) calls it for a GET
#: ahead of FastAPI's middleware, exception and routing layers, which cost more than reading
#: the page; the path's route stays for every other method.
sender_lists: dict[str, SenderList] = {}
#: PUT and PATCH on each Receiver interface, by (module, depth): answered ahead of FastAPI
#: (_server/app.py) and by their routes, first in the app after the GET lists.
receiver_writes: dict[tuple[str, int], ReceiverWrite] = {}
receiver_write_routes: list[Route] = []
BASE = "/ocpi/2.2.1"

# CiString limits of the URL segments (object tables): country_code 2, party_id 3, ids 36.
_LIMITS = {"country_code": 2, "party_id": 3}
_ID_LIMIT = 36


def _node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def _segment(request: Request, name: str) -> str:
    return _checked_segment(name, request.path_params[name])


def _checked_segment(name: str, value: str) -> str:
    limit = _LIMITS.get(name, _ID_LIMIT)
    if len(value) > limit or not value.isascii() or not value.isprintable():
        raise InvalidOrMissingParameters(f"{name} {value!r}: a CiString of at most {limit}")
    return value


def _token_type(spec: ModuleSpec, query: Mapping[str, str]) -> str:
    if not spec.typed:
        return ""
    # mod_tokens "Receiver Interface": type defaults to RFID.
    value = query.get("type", TokenType.RFID.value)
    if value not in TokenType.__members__.values():
        raise InvalidOrMissingParameters(f"type {value!r} is not a TokenType")
    return value


def _receiver_path(
    spec: ModuleSpec, depth: int, params: Mapping[str, str], query: Mapping[str, str]
) -> ObjectPath:
    """The object a Receiver request addresses: its URL segments (path parameters) checked, and
    for Tokens the ``type`` query parameter."""
    sub_ids = tuple(_checked_segment(f"sub{i}", params[f"sub{i}"]) for i in range(depth))
    return ObjectPath(
        _checked_segment("country_code", params["country_code"]),
        _checked_segment("party_id", params["party_id"]),
        _checked_segment("object_id", params["object_id"]),
        sub_ids,
        _token_type(spec, query),
    )


def _add_receiver_routes(spec: ModuleSpec) -> None:
    segments = "/{country_code}/{party_id}/{object_id}"
    for depth in range(len(spec.levels)):
        path = f"{BASE}/receiver/{spec.module}{segments}" + "".join(
            f"/{{sub{i}}}" for i in range(depth)
        )
        _receiver_route(spec, depth, path)


def _routing(request: Request) -> dict[str, str]:
    headers: dict[str, str] = request.state.ocpi_routing
    return headers


def _receiver_route(spec: ModuleSpec, depth: int, path: str) -> None:
    receiving = Depends(interface_caller(spec.module, InterfaceRole.RECEIVER, spec.receiver_role))

    def object_path(request: Request) -> ObjectPath:
        return _receiver_path(spec, depth, request.path_params, request.query_params)

    async def get(request: Request, caller: Caller = receiving) -> Response:
        node = _node(request)
        found = await node.roaming.receiver_get(caller, spec, object_path(request))
        headers = _routing(request)
        return ocpi_response(RawJson(found), headers=headers)

    async def delete(request: Request, caller: Caller = receiving) -> Response:
        node = _node(request)
        await node.roaming.receive_delete(caller, spec, object_path(request))
        headers = _routing(request)
        return ocpi_response(headers=headers)

    router.add_api_route(path, get, methods=["GET"])
    write = ReceiverWrite(spec, depth)
    receiver_writes[spec.module, depth] = write
    receiver_write_routes.append(Route(path, write, methods=write.methods, include_in_schema=False))
    if spec.allows_delete and depth == 0:
        router.add_api_route(path, delete, methods=["DELETE"])


class ReceiverWrite:
    """PUT and PATCH on our Receiver interface of one module at one depth (an object, or a
    part of it), as a plain ASGI app: what a partner pushes most, answered without FastAPI's
    dependency solving, routing and exception layers (bench/README.md (d)), as
    :class:`SenderList` answers a GET list.

    It is the only implementation of these two methods: the app calls it ahead of FastAPI
    (``_server/app.py``, inside the same :class:`~openroam._server.middleware.OcpiMiddleware`
    and :class:`~openroam._server.body.BodyGuard`), and its route (``receiver_write_routes``)
    answers a request that reaches the router. The order is that of the other Receiver routes
    (``interface_caller``): the caller (401), the routing headers, the caller's roles on the
    interface (404), what the routing headers name (``check_routing``: 2001, 4001, 404), then
    the URL segments and the body (2001); every rule on the object (its ids, lenient reading,
    ``last_updated`` order) is the service's (``RoamingService.receive_put``/``receive_patch``).
    OCPI errors are answered here, with the routing headers once the caller is known; anything
    else is left to the middleware (3000).
    """

    def __init__(self, spec: ModuleSpec, depth: int) -> None:
        self.spec = spec
        self.depth = depth
        self.methods = ["PUT", "PATCH"] if spec.allows_patch else ["PUT"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        if method not in self.methods:
            raise HTTPException(405)
        node: Node = scope["app"].state.node
        spec = self.spec
        headers = _headers(scope)
        routing = None
        try:
            authorization = headers.get("authorization")
            caller = await authenticated_caller(node.credentials, authorization, registered=True)
            scope["state"]["caller"] = caller
            routing = routing_headers(headers, node.platform, caller, spec.receiver_role)
            check_interface(caller, spec.module, InterfaceRole.RECEIVER)
            check_routing(headers, node.platform, caller, spec.module, InterfaceRole.RECEIVER)
            path = _receiver_path(spec, self.depth, scope["path_params"], query_of(scope))
            body = await Request(scope, receive).body()
            if method == "PUT":
                result = await node.roaming.receive_put(caller, spec, path, body)
                # status_codes.asciidoc: 201 when newly created, 200 when an existing object
                # was updated.
                http_status = 201 if result.created else 200
            else:
                await node.roaming.receive_patch(caller, spec, path, body)
                http_status = 200
        except OcpiError as error:
            await error_response(error, routing)(scope, receive, send)
            return
        await send_json(send, envelope_bytes(None), routing, http_status)


def receiver_write_of(method: str, path: str) -> tuple[ReceiverWrite, dict[str, str]] | None:
    """The :class:`ReceiverWrite` answering ``method`` on ``path``, with the path parameters its
    route would match (each segment non-empty, no ``/``: Starlette's ``{name}``); ``None`` for
    any other request."""
    if not path.startswith(_RECEIVER_PREFIX):
        return None
    module, *segments = path[len(_RECEIVER_PREFIX) :].split("/")
    write = receiver_writes.get((module, len(segments) - 3))
    if write is None or method not in write.methods or not all(segments):
        return None
    params = dict(zip(_PARAM_NAMES, segments, strict=False))
    return write, params


_RECEIVER_PREFIX = f"{BASE}/receiver/"
_PARAM_NAMES = ("country_code", "party_id", "object_id", "sub0", "sub1")


class SenderList:
    """GET list on our Sender interface of one module, as a plain ASGI app.

    The hot path (docs/architecture.md "What a GET list page costs"): no Starlette request and
    no FastAPI dependency
    solving, which cost more than reading the page. The order is FastAPI's: the caller first
    (401), then the parameters (2001). OCPI errors are answered here, with the routing headers
    once the caller is known; anything else is left to the middleware (3000).
    """

    def __init__(self, spec: ModuleSpec, path: str) -> None:
        self.spec = spec
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "GET":
            # GET only, as on the FastAPI routes (Starlette adds HEAD to a GET route).
            raise HTTPException(405)
        node: Node = scope["app"].state.node
        headers = _headers(scope)
        routing = None
        try:
            authorization = headers.get("authorization")
            caller = await authenticated_caller(node.credentials, authorization, registered=True)
            scope["state"]["caller"] = caller
            routing = routing_headers(headers, node.platform, caller, self.spec.owner_role)
            check_interface(caller, self.spec.module, InterfaceRole.SENDER)
            check_routing(headers, node.platform, caller, self.spec.module, InterfaceRole.SENDER)
            query = page_query(read_page_params(query_of(scope)), node.page_limit)
            addressed = addressed_party(headers, node.platform)
            page = await node.roaming.sender_page(self.spec, query, addressed, caller)
            base = base_url(node.platform.public_url, self.path)
            answer = page_headers(base, query, page, node.page_limit) | routing
            body = envelope_bytes(JsonArray(page.documents))
        except OcpiError as error:
            await error_response(error, routing)(scope, receive, send)
            return
        await send_json(send, body, answer)


def _headers(scope: Scope) -> dict[str, str]:
    # By lower-case name; the first of a repeated header, as Starlette's Headers.get gives it.
    return {
        name.decode("latin-1").lower(): value.decode("latin-1")
        for name, value in reversed(scope["headers"])
    }


def _add_sender_routes(spec: ModuleSpec) -> None:
    path = f"{BASE}/sender/{spec.module}"
    sender_lists[path] = SenderList(spec, path)
    # The route answers the other methods (405 with Allow), and a GET the app did not answer
    # ahead of FastAPI (_server/app.py).
    sender_list_routes.append(
        Route(path, sender_lists[path], methods=["GET"], include_in_schema=False)
    )


def _add_location_object_routes() -> None:
    # mod_locations "Sender Interface, GET Object": a Location, an EVSE or a Connector.
    for depth in range(3):
        path = f"{BASE}/sender/locations/{{object_id}}" + "".join(
            f"/{{sub{i}}}" for i in range(depth)
        )
        _location_object_route(depth, path)


_location_sender = Depends(
    interface_caller(LOCATIONS.module, InterfaceRole.SENDER, LOCATIONS.owner_role)
)


def _location_object_route(depth: int, path: str) -> None:
    async def get_object(request: Request, caller: Caller = _location_sender) -> Response:
        node = _node(request)
        sub_ids = tuple(_segment(request, f"sub{i}") for i in range(depth))
        object_id = _segment(request, "object_id")
        addressed = addressed_party(request.headers, node.platform)
        found = await node.roaming.sender_get(
            LOCATIONS, object_id, sub_ids, addressed=addressed, caller=caller
        )
        return ocpi_response(RawJson(found), headers=_routing(request))

    router.add_api_route(path, get_object, methods=["GET"])


for _spec in SPECS.values():
    _add_sender_routes(_spec)
    if not _spec.posted:
        # CDRs are POSTed, not PUT: their Receiver routes are in _server/v221/cdrs.py.
        _add_receiver_routes(_spec)
_add_location_object_routes()
