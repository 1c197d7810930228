"""OCPI 2.1.1 CDRs on the eMSP side (mod_cdrs.md 2.2 "eMSP Interface"): the CPO POSTs a new CDR
(2.2.2 POST Method) and may GET it again at the URL the answer's ``Location`` header names
(2.2.1 GET Method, "Response URL"): ``/ocpi/2.1.1/emsp/cdrs/{country_code}/{party_id}/{id}``.

A 2.1.1 CDR names no owner: it is the caller's CPO party (its credentials). The converted 2.2.1
CDR goes to ``CdrService.receive_post``, with its rules: a CDR of a party not granted to the
caller, or for another eMSP's Token, is refused; a repeated identical POST is answered again and
changes nothing; one with other content is refused (CDRs never change).
"""

from __future__ import annotations

from urllib.parse import quote

import orjson
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from openroam._server.envelope import RawJson, ocpi_response
from openroam._server.v211.edge import (
    caller_party,
    context,
    node_of,
    served_caller,
    token_related,
    v211_errors,
)
from openroam._server.v211.modules import BASE, MODULES
from openroam._server.v211.objects import V211_MODULES
from openroam._server.v211.receivers import segment
from openroam._services.credentials import Caller
from openroam._services.documents import ObjectPath
from openroam._services.object_specs import LOCATIONS
from openroam.errors import InvalidOrMissingParameters, NotFound
from openroam.models.v221.types import Role
from openroam.models.v221.versions import InterfaceRole, ModuleID

__all__ = ["router"]

router = APIRouter()

_SERVED = next(
    m for m in MODULES if m.identifier == ModuleID.CDRS and m.interface == InterfaceRole.RECEIVER
)
PATH = f"{BASE}/{_SERVED.path}"
_MODULE = V211_MODULES["cdrs"]
_caller = Depends(served_caller(_SERVED))
# mod_cdrs.md 3.1: a 2.1.1 CDR id is a string(36).
_CDR_ID_LIMIT = 36


async def post_cdr(request: Request, caller: Caller = _caller) -> Response:
    node = node_of(request)
    owner = caller_party(caller, Role.CPO)
    if owner is None:
        # served_caller let a Hub through: 2.1.1 has no Hubs, and a CDR names no owner.
        raise InvalidOrMissingParameters("A 2.1.1 CDR is taken from a CPO partner only")
    data = _MODULE.read(await request.body(), 0)
    # mod_cdrs.md 3.1: auth_id names one of our Tokens by its contract_id.
    body = _MODULE.to_v221(data, context(node, owner), 0, await token_related(node, data))
    with v211_errors():
        posted = await node.cdrs.receive_post(caller, body)
    path = posted.path
    segments = (path.country_code, path.party_id, path.object_id)
    location = f"{node.platform.public_url.rstrip('/')}{PATH}/" + "/".join(
        quote(s, safe="") for s in segments
    )
    # mod_cdrs.md 2.2.2 "Response Headers": Location, the URL of the CDR in our system.
    return ocpi_response(http_status=201 if posted.created else 200, headers={"Location": location})


async def get_cdr(request: Request, caller: Caller = _caller) -> Response:
    node = node_of(request)
    params = request.path_params
    cdr_id: str = params["cdr_id"]
    if len(cdr_id) > _CDR_ID_LIMIT or not cdr_id.isascii() or not cdr_id.isprintable():
        raise InvalidOrMissingParameters(f"cdr_id {cdr_id!r}: a string of at most 36")
    path = ObjectPath(
        segment("country_code", params["country_code"]),
        segment("party_id", params["party_id"]),
        cdr_id,
    )
    with v211_errors():
        found = await node.cdrs.receiver_get(caller, path)
        location_id = (orjson.loads(found).get("cdr_location") or {}).get("id")
        location = None
        if isinstance(location_id, str):
            where = ObjectPath(path.country_code, path.party_id, location_id)
            try:
                location = await node.roaming.receiver_get(caller, LOCATIONS, where)
            except NotFound:
                location = None
        return ocpi_response(RawJson(_MODULE.to_v211(found, 0, location)))


router.add_api_route(PATH, post_cdr, methods=["POST"])
router.add_api_route(PATH + "/{country_code}/{party_id}/{cdr_id}", get_cdr, methods=["GET"])
