"""Commands routes (mod_commands.asciidoc), both interfaces.

* Receiver (CPO): ``POST /ocpi/2.2.1/receiver/commands/{command}``, answered at once with a
  CommandResponse. An unknown ``command`` is an invalid URL parameter (2001, "Request
  Parameters": ``command`` is a CommandType); a body that does not validate is 2001 with the
  JSON paths of its problems; an unknown Location is 2003 with ``result: REJECTED`` (the
  "UNLOCK_CONNECTOR Unknown Location" diagram).
* Sender (eMSP): ``POST /ocpi/2.2.1/sender/commands/{command}/{uid}``, the ``response_url`` of a
  command we sent ("Sender Interface": the structure is ours to define; the uid makes it unique
  per command). Only the partner we sent the command to can POST its result (404 for others).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from openroam._server.envelope import ocpi_response
from openroam._server.headers import (
    addressed_party,
    interface_caller,
    named_from,
    requesting_party,
)
from openroam._services.commands import RECEIVER_PATH, SENDER_PATH
from openroam._services.credentials import Caller
from openroam._services.node import Node
from openroam.models.v221.types import Role
from openroam.models.v221.versions import InterfaceRole, ModuleID

__all__ = ["router"]

router = APIRouter()

_as_cpo = Depends(interface_caller(ModuleID.COMMANDS, InterfaceRole.RECEIVER, Role.CPO))
_as_emsp = Depends(interface_caller(ModuleID.COMMANDS, InterfaceRole.SENDER, Role.EMSP))

_MESSAGES = {2003: "Unknown Location"}


def _node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def _routing(request: Request) -> dict[str, str]:
    headers: dict[str, str] = request.state.ocpi_routing
    return headers


async def post_command(request: Request, command: str, caller: Caller = _as_cpo) -> Response:
    node = _node(request)
    addressed = addressed_party(request.headers, node.platform)
    # The requester, whom the result is addressed TO (transport_and_format "Message Routing").
    requester = requesting_party(request.headers, node.platform, caller, (Role.EMSP,))
    response, status_code = await node.command_receiver.receive(
        caller, command, await request.body(), addressed, requester
    )
    return ocpi_response(
        response,
        status_code=status_code,
        status_message=_MESSAGES.get(status_code),
        headers=_routing(request),
    )


async def post_result(
    request: Request, command: str, uid: str, caller: Caller = _as_emsp
) -> Response:
    await _node(request).command_sender.receive_result(
        caller, command, uid, await request.body(), named_from(request.headers)
    )
    return ocpi_response(headers=_routing(request))


router.add_api_route(RECEIVER_PATH + "/{command}", post_command, methods=["POST"])
router.add_api_route(SENDER_PATH + "/{command}/{uid}", post_result, methods=["POST"])
