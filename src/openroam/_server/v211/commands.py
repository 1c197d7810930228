"""OCPI 2.1.1 Commands (mod_commands.md), both sides.

* CPO side: ``POST /ocpi/2.1.1/cpo/commands/{command}`` (2.1.1 POST Method): the 2.1.1
  command object is converted to 2.2.1 (its Token's owner: the caller's eMSP party) and
  answered by the same ``CommandReceiver.receive`` as a 2.2.1 command; the answer is the 2.1.1
  CommandResponse (``result`` only). The Charge Point's result is POSTed later to the command's
  2.1.1 ``response_url`` as a 2.1.1 CommandResponse (by the command delivery, with the
  Commands converter).
* eMSP side: ``POST /ocpi/2.1.1/emsp/commands/{command}/{uid}`` (2.2.1 POST Method), the
  ``response_url`` of a command we sent a 2.1.1 CPO (``_services/commands.py``
  ``V211_SENDER_PATH``): its asynchronous 2.1.1 CommandResponse, taken as the 2.2.1
  CommandResult by ``CommandSender.receive_result``.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from openroam._convert._context import Context
from openroam._convert.commands import (
    V211_COMMANDS,
    command_from_v211,
    command_response_to_v211,
    command_result_from_v211,
)
from openroam._server.envelope import json_data, ocpi_response
from openroam._server.v211.edge import (
    caller_party,
    converting,
    node_of,
    read_v211,
    served_caller,
    v211_errors,
)
from openroam._server.v211.modules import BASE, MODULES
from openroam._services.commands import V211_SENDER_PATH
from openroam._services.credentials import Caller
from openroam.errors import InvalidOrMissingParameters
from openroam.models.v211.commands import COMMAND_OBJECTS, CommandResponse, CommandType
from openroam.models.v221.types import Role
from openroam.models.v221.versions import InterfaceRole, ModuleID

__all__ = ["router"]

router = APIRouter()

_RECEIVER = next(
    m
    for m in MODULES
    if m.identifier == ModuleID.COMMANDS and m.interface == InterfaceRole.RECEIVER
)
_SENDER = next(
    m for m in MODULES if m.identifier == ModuleID.COMMANDS and m.interface == InterfaceRole.SENDER
)
assert f"{BASE}/{_SENDER.path}" == V211_SENDER_PATH
_as_cpo = Depends(served_caller(_RECEIVER))
_as_emsp = Depends(served_caller(_SENDER))
_MESSAGES = {2003: "Unknown Location"}


def _command(value: str) -> str:
    command = value.upper()
    if command not in V211_COMMANDS:
        known = ", ".join(sorted(V211_COMMANDS))
        raise InvalidOrMissingParameters(f"Unknown command {value!r}; one of {known}")
    return command


async def post_command(request: Request, command: str, caller: Caller = _as_cpo) -> Response:
    node = node_of(request)
    kind = _command(command)
    owner = caller_party(caller, Role.EMSP)
    if owner is None:
        raise InvalidOrMissingParameters("A 2.1.1 command is taken from an eMSP partner only")
    data = read_v211(COMMAND_OBJECTS[CommandType(kind)], await request.body())
    with converting(f"This {kind} command"):
        converted = command_from_v211(kind, data, Context(owner, node.v211_time_zone, owner))
    with v211_errors():
        response, status_code = await node.command_receiver.receive(
            caller, kind, orjson.dumps(converted), None
        )
    return ocpi_response(
        json_data(command_response_to_v211(response.to_dict())),
        status_code=status_code,
        status_message=_MESSAGES.get(status_code),
    )


async def post_result(
    request: Request, command: str, uid: str, caller: Caller = _as_emsp
) -> Response:
    node = node_of(request)
    kind = _command(command)
    data = read_v211(CommandResponse, await request.body())
    with converting("This CommandResponse"):
        result = command_result_from_v211(data)
    with v211_errors():
        await node.command_sender.receive_result(caller, kind, uid, orjson.dumps(result))
    return ocpi_response()


router.add_api_route(f"{BASE}/{_RECEIVER.path}/{{command}}", post_command, methods=["POST"])
router.add_api_route(V211_SENDER_PATH + "/{command}/{uid}", post_result, methods=["POST"])
