"""OCPI 2.1.1 GET routes on our own objects: the CPO side's Locations, Tariffs, Sessions and
CDRs lists (mod_locations.md 2.1.1, mod_tariffs.md 2.1.1, mod_sessions.md 2.1.1, mod_cdrs.md
2.1.1 "GET Method"), a Location, EVSE or Connector (mod_locations.md 2.1.2 "GET Object"), and
the eMSP side's Tokens list (mod_tokens.md 2.2.1).

The 2.2.1 service reads the page (``RoamingService.sender_page``: our own objects; Sessions and
CDRs only those of the caller's Tokens); each stored document is answered as 2.1.1, converted
once per stored change (``V211Module.to_v211``). A stored object 2.1.1 cannot express (a Credit
CDR, a Session whose Location is unknown) is left out of a list and answered 404 alone.
"""

from __future__ import annotations

from typing import Any

import orjson
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
from openroam._server.headers import check_interface
from openroam._server.pagination import base_url, query_of, read_page_params
from openroam._server.v211.cache import digest
from openroam._server.v211.edge import node_of, served_caller, v211_errors
from openroam._server.v211.modules import BASE, MODULES, ServedModule
from openroam._server.v211.objects import V211_MODULES, V211Module
from openroam._server.v211.paging import v211_page_headers, v211_page_query
from openroam._services.credentials import Caller
from openroam._services.node import Node
from openroam._services.object_specs import LOCATIONS
from openroam.errors import InvalidOrMissingParameters, NotFound, OcpiError
from openroam.models.v221.versions import InterfaceRole, ModuleID

__all__ = ["V211SenderList", "router", "sender_list_routes", "sender_lists"]

router = APIRouter()

# 2.1.1 string(39) ids of a Location and an EVSE uid, string(15) of a Connector id
# (mod_locations.md 3.1, 3.2, 3.3); 2.2.1 stores them as CiString(36).
_ID_LIMIT = 39


def _segment(name: str, value: str) -> str:
    if len(value) > _ID_LIMIT or not value.isascii() or not value.isprintable():
        raise InvalidOrMissingParameters(f"{name} {value!r}: a string of at most {_ID_LIMIT}")
    return value


Found = tuple[bytes, bytes] | None


async def _own_location(node: Node, location_id: Any, found: dict[str, Found]) -> Found:
    """Our stored Location ``location_id`` and its digest (None when unknown), read once per
    page."""
    if not isinstance(location_id, str):
        return None
    if location_id not in found:
        try:
            document = await node.roaming.sender_get(LOCATIONS, location_id, ())
            found[location_id] = (document, digest(document))
        except NotFound:
            found[location_id] = None
    return found[location_id]


def _location_id(module: ModuleID, document: bytes) -> Any:
    data = orjson.loads(document)
    if module == ModuleID.SESSIONS:
        return data.get("location_id")
    return (data.get("cdr_location") or {}).get("id")


async def converted_page(node: Node, module: V211Module, documents: list[bytes]) -> list[bytes]:
    """The stored 2.2.1 documents of a page as 2.1.1, without those 2.1.1 cannot express."""
    answer: list[bytes] = []
    embeds = module.spec.module in (ModuleID.SESSIONS, ModuleID.CDRS)
    locations: dict[str, Found] = {}
    for document in documents:
        location: Found = None
        if embeds:
            location_id = _location_id(module.spec.module, document)
            location = await _own_location(node, location_id, locations)
        try:
            if location is None:
                answer.append(module.to_v211(document, sender=True))
            else:
                answer.append(module.to_v211(document, 0, *location, sender=True))
        except NotFound:
            continue
    return answer


class V211SenderList:
    """GET list on one 2.1.1 Sender endpoint, as a plain ASGI app answered ahead of FastAPI
    (``_server/app.py``), as the 2.2.1 ``SenderList`` is: the hot path (bench/get_locations.py).
    The order is FastAPI's: the caller (401), its interface (404), then the parameters (2001).
    OCPI errors are answered here; anything else is left to the middleware (3000)."""

    def __init__(self, served: ServedModule, path: str) -> None:
        self.served = served
        self.module = V211_MODULES[str(served.identifier)]
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "GET":
            raise HTTPException(405)
        node: Node = scope["app"].state.node
        try:
            authorization = _header(scope, b"authorization")
            caller = await authenticated_caller(node.credentials, authorization, registered=True)
            scope["state"]["caller"] = caller
            with v211_errors():
                check_interface(caller, self.served.identifier, self.served.interface)
                params = read_page_params(query_of(scope))
                query = v211_page_query(params, node.page_limit)
                page = await node.roaming.sender_page(self.module.spec, query, None, caller)
                documents = await converted_page(node, self.module, page.documents)
        except OcpiError as error:
            await error_response(error)(scope, receive, send)
            return
        base = base_url(node.platform.public_url, self.path)
        headers = v211_page_headers(base, params, query, page)
        await send_json(send, envelope_bytes(JsonArray(documents)), headers)


def _header(scope: Scope, name: bytes) -> str | None:
    # The first of a repeated header, as Starlette's Headers.get gives it.
    for key, value in scope["headers"]:
        if key.lower() == name:
            text: str = value.decode("latin-1")
            return text
    return None


#: The 2.1.1 GET lists by path, answered ahead of FastAPI (``_server/app.py``); their routes
#: (first in the app) answer the other methods with 405.
sender_lists: dict[str, V211SenderList] = {}
sender_list_routes: list[Route] = []


def _list_route(served: ServedModule) -> None:
    path = f"{BASE}/{served.path}"
    sender_lists[path] = V211SenderList(served, path)
    sender_list_routes.append(
        Route(path, sender_lists[path], methods=["GET"], include_in_schema=False)
    )


def _location_object_routes(served: ServedModule) -> None:
    module = V211_MODULES["locations"]
    caller_of = Depends(served_caller(served))
    for depth in range(3):
        names = ("location_id", "evse_uid", "connector_id")[: depth + 1]
        path = f"{BASE}/{served.path}/" + "/".join(f"{{{name}}}" for name in names)

        def route(depth: int, names: tuple[str, ...], path: str) -> None:
            async def get_object(request: Request, caller: Caller = caller_of) -> Response:
                node = node_of(request)
                ids = [_segment(name, request.path_params[name]) for name in names]
                with v211_errors():
                    top = await node.roaming.sender_get(LOCATIONS, ids[0], ())
                    # An EVSE or Connector is shown when its Location is (published).
                    answer = module.to_v211(top, sender=True)
                    if depth:
                        found = await node.roaming.sender_get(LOCATIONS, ids[0], tuple(ids[1:]))
                        answer = module.to_v211(found, depth, sender=True)
                return ocpi_response(RawJson(answer))

            router.add_api_route(path, get_object, methods=["GET"])

        route(depth, names, path)


for _served in MODULES:
    if _served.interface == InterfaceRole.SENDER and str(_served.identifier) in V211_MODULES:
        _list_route(_served)
        if _served.identifier == ModuleID.LOCATIONS:
            _location_object_routes(_served)
