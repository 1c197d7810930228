"""Backend API routes for commands (mod_commands.asciidoc; docs/backend-api.md "Commands").

eMSP side: ``POST /api/commands/{type}?partner=<name>`` sends a command (the command object
without ``response_url``, which openroam sets) and answers with the stored command and the CPO's
CommandResponse (``party=CC*PID``: the CPO party the command is for, through a Hub; by default
the owner of the Location or Session it names); the CommandResult arrives later as the event
``command.result`` and in ``GET /api/commands/{id}``.

CPO side: a partner's command arrives as the event ``command.received``; the backend reports the
Charge Point's result with ``POST /api/commands/{id}/result`` (a CommandResult), which openroam
POSTs to the partner.
"""

# No ``from __future__ import annotations``: FastAPI reads the handlers' annotations at runtime.

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from openroam._api.own_routes import node_of
from openroam._api.params import target_party
from openroam._api.responses import data_response
from openroam.errors import NotFound
from openroam.models.v221.commands import CommandType

__all__ = ["add_command_routes"]


def add_command_routes(router: APIRouter) -> None:
    async def send_command(
        request: Request,
        command_type: CommandType,
        partner: Annotated[str, Query(max_length=100, description="The CPO partner's name")],
        target: Annotated[tuple[str, str] | None, Depends(target_party)],
    ) -> Response:
        sender = node_of(request).command_sender
        sent = await sender.send(partner, command_type, await request.body(), target=target)
        return data_response(sent, 201)

    async def list_commands(
        request: Request,
        side: Annotated[str | None, Query(pattern="^(sent|received)$")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> Response:
        return data_response(await node_of(request).commands.list(side=side, limit=limit))

    async def get_command(request: Request, command_id: str) -> Response:
        found = await node_of(request).commands.get(command_id)
        if found is None:
            raise NotFound(f"Unknown command {command_id}")
        return data_response(found)

    async def report_result(request: Request, command_id: str) -> Response:
        receiver = node_of(request).command_receiver
        return data_response(await receiver.report_result(command_id, await request.body()))

    router.add_api_route(
        "/api/commands/{command_type}",
        send_command,
        methods=["POST"],
        status_code=201,
        summary="Send a command to a CPO partner (eMSP); the body is the command object "
        "without response_url",
    )
    router.add_api_route(
        "/api/commands", list_commands, methods=["GET"], summary="Commands, newest first"
    )
    router.add_api_route(
        "/api/commands/{command_id}",
        get_command,
        methods=["GET"],
        summary="One command: request, CommandResponse, CommandResult",
    )
    router.add_api_route(
        "/api/commands/{command_id}/result",
        report_result,
        methods=["POST"],
        summary="Report the Charge Point's CommandResult of a received command (CPO)",
    )
