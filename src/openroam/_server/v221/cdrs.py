"""CDRs routes (mod_cdrs.asciidoc): our Receiver interface, where partners POST new CDRs and GET
them again at the URL the POST answered with.

The Receiver's GET URL has "no structure defined" ("Receiver Interface, GET Method"); ours is
``/ocpi/2.2.1/receiver/cdrs/{country_code}/{party_id}/{cdr_id}``, under ``/receiver/`` like every
Receiver interface, so it cannot clash with the Sender's list at ``/sender/cdrs``. PUT, PATCH and
DELETE are not offered: a CDR never changes (405).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from openroam._server.envelope import RawJson, ocpi_response
from openroam._server.headers import interface_caller
from openroam._services.cdrs import RECEIVER_PATH
from openroam._services.credentials import Caller
from openroam._services.documents import ObjectPath
from openroam._services.node import Node
from openroam._services.object_specs import CDRS
from openroam.errors import InvalidOrMissingParameters
from openroam.models.v221.versions import InterfaceRole

__all__ = ["router"]

router = APIRouter()

# CiString limits of the URL segments: country_code 2, party_id 3, a CDR id 39 (mod_cdrs).
_LIMITS = {"country_code": 2, "party_id": 3, "cdr_id": CDRS.id_limit}

_receiving = Depends(interface_caller(CDRS.module, InterfaceRole.RECEIVER, CDRS.receiver_role))


def _node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def _routing(request: Request) -> dict[str, str]:
    headers: dict[str, str] = request.state.ocpi_routing
    return headers


def _segment(request: Request, name: str) -> str:
    value: str = request.path_params[name]
    limit = _LIMITS[name]
    if len(value) > limit or not value.isascii() or not value.isprintable():
        raise InvalidOrMissingParameters(f"{name} {value!r}: a CiString of at most {limit}")
    return value


async def post_cdr(request: Request, caller: Caller = _receiving) -> Response:
    node = _node(request)
    posted = await node.cdrs.receive_post(caller, await request.body())
    # mod_cdrs "Response Headers": Location, the URL of the CDR in our system (required).
    headers = _routing(request) | {"Location": node.cdrs.location_url(posted.path)}
    # status_codes.asciidoc: 201 for a new object; a repeated identical POST changed nothing.
    return ocpi_response(http_status=201 if posted.created else 200, headers=headers)


async def get_cdr(request: Request, caller: Caller = _receiving) -> Response:
    path = ObjectPath(
        _segment(request, "country_code"),
        _segment(request, "party_id"),
        _segment(request, "cdr_id"),
    )
    found = await _node(request).cdrs.receiver_get(caller, path)
    return ocpi_response(RawJson(found), headers=_routing(request))


router.add_api_route(RECEIVER_PATH, post_cdr, methods=["POST"])
router.add_api_route(
    RECEIVER_PATH + "/{country_code}/{party_id}/{cdr_id}", get_cdr, methods=["GET"]
)
