"""ChargingProfiles routes (mod_charging_profiles.asciidoc "Interfaces and Endpoints").

* Receiver (CPO): ``GET|PUT|DELETE /ocpi/2.2.1/receiver/chargingprofiles/{session_id}`` —
  answered at once with a ChargingProfileResponse.
* Sender (eMSP/SCSP): ``PUT /ocpi/2.2.1/sender/chargingprofiles/{session_id}`` — the CPO pushes
  an ActiveChargingProfile; ``POST /ocpi/2.2.1/sender/chargingprofiles/results/{reference}`` — the
  ``response_url`` we give in each request, where the CPO POSTs the result. Both answer without
  ``data``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from openroam._server.envelope import ocpi_response
from openroam._server.headers import interface_caller, named_from, requesting_party
from openroam._services.credentials import Caller
from openroam._services.node import Node
from openroam._services.profile_sender import RESULTS_PATH, SENDER_PATH
from openroam._services.profiles import Kind
from openroam.errors import InvalidOrMissingParameters
from openroam.models.v221.types import Role
from openroam.models.v221.versions import InterfaceRole, ModuleID

__all__ = ["router"]

router = APIRouter()

RECEIVER_PATH = "/ocpi/2.2.1/receiver/chargingprofiles/{session_id}"

_as_cpo = Depends(interface_caller(ModuleID.CHARGINGPROFILES, InterfaceRole.RECEIVER, Role.CPO))
_as_sender = Depends(interface_caller(ModuleID.CHARGINGPROFILES, InterfaceRole.SENDER, Role.EMSP))


def _node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def _id(request: Request, name: str, limit: int = 36) -> str:
    value: str = request.path_params[name]
    if len(value) > limit or not value.isascii() or not value.isprintable():
        raise InvalidOrMissingParameters(f"{name} {value!r}: a CiString of at most {limit}")
    return value


async def _receive(request: Request, caller: Caller, kind: Kind) -> Response:
    query = request.query_params
    node = _node(request)
    # The requester, whom results are addressed TO (transport_and_format "Message Routing").
    requester = requesting_party(request.headers, node.platform, caller, (Role.EMSP, Role.SCSP))
    response = await node.profile_receiver.receive(
        caller,
        kind,
        _id(request, "session_id"),
        body=await request.body() if kind == Kind.SET else b"",
        duration=query.get("duration"),
        response_url=query.get("response_url"),
        requester=requester,
    )
    return ocpi_response(response, headers=request.state.ocpi_routing)


async def get_profile(request: Request, caller: Caller = _as_cpo) -> Response:
    return await _receive(request, caller, Kind.GET)


async def put_profile(request: Request, caller: Caller = _as_cpo) -> Response:
    return await _receive(request, caller, Kind.SET)


async def delete_profile(request: Request, caller: Caller = _as_cpo) -> Response:
    return await _receive(request, caller, Kind.CLEAR)


async def put_active(request: Request, caller: Caller = _as_sender) -> Response:
    session_id = _id(request, "session_id")
    await _node(request).profiles.receive_active(caller, session_id, await request.body())
    return ocpi_response(headers=request.state.ocpi_routing)


async def post_result(request: Request, caller: Caller = _as_sender) -> Response:
    reference = _id(request, "reference", 64)
    await _node(request).profiles.receive_result(
        caller, reference, await request.body(), named_from(request.headers)
    )
    return ocpi_response(headers=request.state.ocpi_routing)


router.add_api_route(RECEIVER_PATH, get_profile, methods=["GET"])
router.add_api_route(RECEIVER_PATH, put_profile, methods=["PUT"])
router.add_api_route(RECEIVER_PATH, delete_profile, methods=["DELETE"])
router.add_api_route(SENDER_PATH + "/{session_id}", put_active, methods=["PUT"])
router.add_api_route(RESULTS_PATH + "/{reference}", post_result, methods=["POST"])
