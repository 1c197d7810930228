"""OCPI 2.1.1 real-time authorization on the eMSP side (mod_tokens.md 2.2.2 POST Method):
``POST /ocpi/2.1.1/emsp/tokens/{token_uid}/authorize[?type={type}]`` with an optional 2.1.1
LocationReferences body, answered with a 2.1.1 AuthorizationInfo.

The same ``AuthorizationService.authorize`` as on 2.2.1 decides. An unknown Token: 2.1.1 has no
2004; the resource does not exist, so HTTP 404 (status_codes.md) with 2000.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from openroam._convert.tokens import authorization_info_to_v211, location_references_from_v211
from openroam._server.envelope import json_data, ocpi_response
from openroam._server.v211.edge import (
    converting,
    node_of,
    read_v211,
    served_caller,
    v211_errors,
)
from openroam._server.v211.modules import BASE, MODULES
from openroam._services.credentials import Caller
from openroam.errors import InvalidOrMissingParameters
from openroam.models.v211.tokens import LocationReferences
from openroam.models.v221.versions import InterfaceRole, ModuleID

__all__ = ["router"]

router = APIRouter()

_SERVED = next(
    m for m in MODULES if m.identifier == ModuleID.TOKENS and m.interface == InterfaceRole.SENDER
)
PATH = f"{BASE}/{_SERVED.path}/{{token_uid}}/authorize"
_caller = Depends(served_caller(_SERVED))
#: mod_tokens.md 4.3 TokenType; RFID "if omitted".
_TYPES = ("RFID", "OTHER")


async def post_authorize(request: Request, caller: Caller = _caller) -> Response:
    node = node_of(request)
    uid: str = request.path_params["token_uid"]
    if len(uid) > 36 or not uid.isascii() or not uid.isprintable():
        raise InvalidOrMissingParameters(f"token_uid {uid!r}: a string of at most 36")
    # mod_tokens.md 2.2.2: "?{type=token_type}" (the table names it token_type).
    query = request.query_params
    token_type = query.get("type") or query.get("token_type") or "RFID"
    if token_type not in _TYPES:
        raise InvalidOrMissingParameters(f"type {token_type!r}: one of RFID, OTHER")
    raw = await request.body()
    body = b""
    if raw.strip():
        with converting("This LocationReferences"):
            where = read_v211(LocationReferences, raw)
            body = orjson.dumps(location_references_from_v211(where))
    with v211_errors():
        info = await node.authorization.authorize(caller, uid, token_type, body, None)
    with v211_errors(), converting("The AuthorizationInfo"):
        answer = authorization_info_to_v211(info.to_dict())
    return ocpi_response(json_data(answer))


router.add_api_route(PATH, post_authorize, methods=["POST"])
