"""OCPI 2.1.1 routes where a partner pushes its own objects
(transport_and_format.md "Client owned object push"): the eMSP side's Locations, Tariffs and
Sessions (mod_locations.md 2.2, mod_tariffs.md 2.2, mod_sessions.md 2.2 "eMSP Interface") and
the CPO side's Tokens (mod_tokens.md 2.1 "CPO Interface"), at
``{endpoint}/{country_code}/{party_id}/{id}[/…]``.

A pushed 2.1.1 body is converted to the 2.2.1 document (the owner: the URL's
``{country_code}/{party_id}``) and handed to the same service methods as a 2.2.1 push
(``RoamingService.receive_put``/``receive_patch``/``receiver_get``/``receive_delete``), so the
rules are the same: a partner writes only under a party granted to it (404 otherwise), the ids
of the body are those of the URL (2001), an update older than the stored one is acknowledged and
ignored. What 2.1.1 adds:

* Tokens have no ``?type=`` (mod_tokens.md 2.1 "Request Parameters": ``token_uid`` alone names
  the Token): a PUT takes the type of its body; GET and PATCH find the partner's Token of that
  uid among the 2.1.1 TokenTypes (RFID first, then OTHER).
* Tariffs have a PATCH (mod_tariffs.md 2.2.3), which 2.2.1 dropped: the stored Tariff with the
  PATCH's fields replaced, PUT again.
* A Session PATCH's ``charging_periods`` replace the list (mod_sessions.md 2.2.3 "Same as the
  PUT method"); 2.2.1 appends: the periods beyond the stored ones are appended.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from openroam._convert._context import Owner
from openroam._convert.sessions import charging_periods_to_append
from openroam._server.envelope import RawJson, ocpi_response
from openroam._server.v211.edge import (
    context,
    converting,
    node_of,
    served_caller,
    token_related,
    v211_errors,
)
from openroam._server.v211.modules import BASE, MODULES, ServedModule
from openroam._server.v211.objects import V211_MODULES, V211Module
from openroam._services.credentials import Caller
from openroam._services.documents import ObjectPath
from openroam._services.node import Node
from openroam._services.object_specs import LOCATIONS
from openroam.errors import InvalidOrMissingParameters, NotFound
from openroam.models.v221.versions import InterfaceRole, ModuleID

__all__ = ["router", "segment"]

router = APIRouter()

# The URL segments: country_code string(2), party_id string(3); the ids as 2.2.1 stores them
# (CiString(36)): a longer 2.1.1 id (string(39)) cannot be stored.
_LIMITS = {"country_code": 2, "party_id": 3}
_ID_LIMIT = 36
#: mod_tokens.md 4.3 TokenType, in the order a Token without ``?type=`` is looked for.
_TOKEN_TYPES = ("RFID", "OTHER")
_NAMES = {
    ModuleID.LOCATIONS: ("location_id", "evse_uid", "connector_id"),
    ModuleID.TARIFFS: ("tariff_id",),
    ModuleID.SESSIONS: ("session_id",),
    ModuleID.TOKENS: ("token_uid",),
}


def segment(name: str, value: str) -> str:
    limit = _LIMITS.get(name, _ID_LIMIT)
    if len(value) > limit or not value.isascii() or not value.isprintable():
        raise InvalidOrMissingParameters(f"{name} {value!r}: a string of at most {limit}")
    return value


def _path(request: Request, names: tuple[str, ...], object_type: str = "") -> ObjectPath:
    params = request.path_params
    ids = [segment(name, params[name]) for name in names]
    return ObjectPath(
        segment("country_code", params["country_code"]),
        segment("party_id", params["party_id"]),
        ids[0],
        tuple(ids[1:]),
        object_type,
    )


async def _typed(node: Node, caller: Caller, module: V211Module, path: ObjectPath) -> ObjectPath:
    """A Token's path with the type of the partner's stored Token of that uid (404: none)."""
    for token_type in _TOKEN_TYPES:
        typed = ObjectPath(path.country_code, path.party_id, path.object_id, (), token_type)
        try:
            await node.roaming.receiver_get(caller, module.spec, typed)
        except NotFound:
            continue
        return typed
    raise NotFound(f"Unknown Token {path.object_id}")


async def _location_of(node: Node, caller: Caller, path: ObjectPath, stored: bytes) -> bytes | None:
    """The partner's stored Location a Session names (2.1.1 embeds it)."""
    location_id = orjson.loads(stored).get("location_id")
    if not isinstance(location_id, str):
        return None
    where = ObjectPath(path.country_code, path.party_id, location_id)
    try:
        return await node.roaming.receiver_get(caller, LOCATIONS, where)
    except NotFound:
        return None


def _routes(served: ServedModule) -> None:
    module = V211_MODULES[str(served.identifier)]
    spec = module.spec
    names = _NAMES[served.identifier]
    caller_of = Depends(served_caller(served))
    typed = spec.typed
    for depth in range(len(spec.levels)):
        url_names = names[: depth + 1]
        path = f"{BASE}/{served.path}/{{country_code}}/{{party_id}}/" + "/".join(
            f"{{{name}}}" for name in url_names
        )
        _level_routes(module, depth, url_names, path, caller_of, typed)


def _level_routes(
    module: V211Module,
    depth: int,
    names: tuple[str, ...],
    url: str,
    caller_of: Any,
    typed: bool,
) -> None:
    spec = module.spec

    async def get(request: Request, caller: Caller = caller_of) -> Response:
        node = node_of(request)
        path = _path(request, names)
        with v211_errors():
            if typed:
                path = await _typed(node, caller, module, path)
            found = await node.roaming.receiver_get(caller, spec, path)
            location = None
            if spec.module == ModuleID.SESSIONS:
                location = await _location_of(node, caller, path, found)
            return ocpi_response(RawJson(module.to_v211(found, depth, location)))

    async def put(request: Request, caller: Caller = caller_of) -> Response:
        node = node_of(request)
        data = module.read(await request.body(), depth)
        object_type = ""
        if typed:
            given = data.get("type")
            object_type = given if isinstance(given, str) else ""
            if object_type not in _TOKEN_TYPES:
                raise InvalidOrMissingParameters("type: one of RFID, OTHER (mod_tokens.md 4.3)")
        path = _path(request, names, object_type)
        owner = Owner(path.country_code, path.party_id)
        # mod_sessions.md 3.1: auth_id names one of our Tokens by its contract_id.
        related = await token_related(node, data) if spec.counterparty_field else None
        body = module.to_v221(data, context(node, owner), depth, related)
        with v211_errors():
            result = await node.roaming.receive_put(caller, spec, path, body)
        # status_codes.md: 201 when newly created, 200 when an existing object was updated.
        return ocpi_response(http_status=201 if result.created else 200)

    async def patch(request: Request, caller: Caller = caller_of) -> Response:
        node = node_of(request)
        data = module.read(await request.body(), depth, patch=True)
        path = _path(request, names)
        owner = Owner(path.country_code, path.party_id)
        related = await token_related(node, data) if spec.counterparty_field else None
        changes = module.patch_to_v221(data, context(node, owner), depth, related)
        with v211_errors():
            if typed:
                path = await _typed(node, caller, module, path)
            if not spec.allows_patch:
                # mod_tariffs.md 2.2.3: 2.1.1 PATCHes a Tariff; 2.2.1 only PUTs it.
                stored = orjson.loads(await node.roaming.receiver_get(caller, spec, path))
                await node.roaming.receive_put(
                    caller, spec, path, orjson.dumps(stored | orjson.loads(changes))
                )
                return ocpi_response()
            if spec.append_fields:
                changes = await _appended(node, caller, module, path, changes)
            await node.roaming.receive_patch(caller, spec, path, changes)
        return ocpi_response()

    async def delete(request: Request, caller: Caller = caller_of) -> Response:
        node = node_of(request)
        with v211_errors():
            await node.roaming.receive_delete(caller, spec, _path(request, names))
        return ocpi_response()

    router.add_api_route(url, get, methods=["GET"])
    router.add_api_route(url, put, methods=["PUT"])
    router.add_api_route(url, patch, methods=["PATCH"])
    if spec.allows_delete and depth == 0:
        router.add_api_route(url, delete, methods=["DELETE"])


async def _appended(
    node: Node, caller: Caller, module: V211Module, path: ObjectPath, changes: bytes
) -> bytes:
    """A Session PATCH whose ``charging_periods`` replace the list (2.1.1) as the periods to
    append (2.2.1)."""
    patch = orjson.loads(changes)
    if patch.get("charging_periods") is None:
        return changes
    stored = orjson.loads(await node.roaming.receiver_get(caller, module.spec, path))
    with converting("This Session PATCH"):
        periods = charging_periods_to_append(
            stored.get("charging_periods") or [], patch["charging_periods"]
        )
    patch["charging_periods"] = periods
    return orjson.dumps(patch)


for _served in MODULES:
    if _served.interface == InterfaceRole.RECEIVER and _served.identifier in _NAMES:
        _routes(_served)
