"""Locations, Tariffs, Tokens and Sessions routes: our Sender interface (our own objects, read by
partners) and our Receiver interface (objects partners push to
``/{country_code}/{party_id}/{id}[/…]``).

Sender and Receiver live under different prefixes (``/sender/``, ``/receiver/``) because a platform
that is both CPO and eMSP serves both interfaces of a module, and the spec's URL shapes overlap
(``/{location_id}/{evse_uid}/{connector_id}`` vs ``/{country_code}/{party_id}/{location_id}``).
"""

from __future__ import annotations

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
BASE = "/ocpi/2.2.1"

# CiString limits of the URL segments (object tables): country_code 2, party_id 3, ids 36.
_LIMITS = {"country_code": 2, "party_id": 3}
_ID_LIMIT = 36


def _node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def _segment(request: Request, name: str) -> str:
    value: str = request.path_params[name]
    limit = _LIMITS.get(name, _ID_LIMIT)
    if len(value) > limit or not value.isascii() or not value.isprintable():
        raise InvalidOrMissingParameters(f"{name} {value!r}: a CiString of at most {limit}")
    return value


def _token_type(request: Request, spec: ModuleSpec) -> str:
    if not spec.typed:
        return ""
    # mod_tokens "Receiver Interface": type defaults to RFID.
    value = request.query_params.get("type", TokenType.RFID.value)
    if value not in TokenType.__members__.values():
        raise InvalidOrMissingParameters(f"type {value!r} is not a TokenType")
    return value


def _receiver_path(request: Request, spec: ModuleSpec, depth: int) -> ObjectPath:
    sub_ids = tuple(_segment(request, f"sub{i}") for i in range(depth))
    return ObjectPath(
        _segment(request, "country_code"),
        _segment(request, "party_id"),
        _segment(request, "object_id"),
        sub_ids,
        _token_type(request, spec),
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

    async def get(request: Request, caller: Caller = receiving) -> Response:
        node = _node(request)
        found = await node.roaming.receiver_get(caller, spec, _receiver_path(request, spec, depth))
        headers = _routing(request)
        return ocpi_response(RawJson(found), headers=headers)

    async def put(request: Request, caller: Caller = receiving) -> Response:
        node = _node(request)
        object_path = _receiver_path(request, spec, depth)
        result = await node.roaming.receive_put(caller, spec, object_path, await request.body())
        headers = _routing(request)
        # status_codes.asciidoc: 201 when newly created, 200 when an existing object was updated.
        return ocpi_response(http_status=201 if result.created else 200, headers=headers)

    async def patch(request: Request, caller: Caller = receiving) -> Response:
        node = _node(request)
        object_path = _receiver_path(request, spec, depth)
        await node.roaming.receive_patch(caller, spec, object_path, await request.body())
        headers = _routing(request)
        return ocpi_response(headers=headers)

    async def delete(request: Request, caller: Caller = receiving) -> Response:
        node = _node(request)
        await node.roaming.receive_delete(caller, spec, _receiver_path(request, spec, depth))
        headers = _routing(request)
        return ocpi_response(headers=headers)

    router.add_api_route(path, get, methods=["GET"])
    router.add_api_route(path, put, methods=["PUT"])
    if spec.allows_patch:
        router.add_api_route(path, patch, methods=["PATCH"])
    if spec.allows_delete and depth == 0:
        router.add_api_route(path, delete, methods=["DELETE"])


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
            scope["state"]["partner_name"] = caller.partner_name
            routing = routing_headers(headers, node.platform, caller, self.spec.owner_role)
            check_interface(caller, self.spec.module, InterfaceRole.SENDER)
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
        found = await node.roaming.sender_get(LOCATIONS, object_id, sub_ids, addressed=addressed)
        return ocpi_response(RawJson(found), headers=_routing(request))

    router.add_api_route(path, get_object, methods=["GET"])


for _spec in SPECS.values():
    _add_sender_routes(_spec)
    if not _spec.posted:
        # CDRs are POSTed, not PUT: their Receiver routes are in _server/v221/cdrs.py.
        _add_receiver_routes(_spec)
_add_location_object_routes()
