"""Real-time authorization on our Tokens Sender interface (mod_tokens.asciidoc "Sender
Interface", "POST Method"): ``POST {tokens}/{token_uid}/authorize[?type={type}]`` with an
optional ``LocationReferences`` body, answered with an ``AuthorizationInfo``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from openroam._server.envelope import ocpi_response
from openroam._server.headers import addressed_party, interface_caller
from openroam._services.credentials import Caller
from openroam._services.node import Node
from openroam._services.object_specs import TOKENS
from openroam.errors import InvalidOrMissingParameters
from openroam.models.v221.tokens import TokenType
from openroam.models.v221.versions import InterfaceRole

__all__ = ["router"]

router = APIRouter()

PATH = "/ocpi/2.2.1/sender/tokens/{token_uid}/authorize"

_sending = Depends(interface_caller(TOKENS.module, InterfaceRole.SENDER, TOKENS.owner_role))


def _uid(request: Request) -> str:
    value: str = request.path_params["token_uid"]
    if len(value) > 36 or not value.isascii() or not value.isprintable():
        raise InvalidOrMissingParameters(f"token_uid {value!r}: a CiString of at most 36")
    return value


def _type(request: Request) -> str:
    # mod_tokens "POST Method": type is optional, RFID when absent.
    value = request.query_params.get("type", TokenType.RFID.value)
    if value not in TokenType.__members__.values():
        raise InvalidOrMissingParameters(f"type {value!r} is not a TokenType")
    return value


async def post_authorize(request: Request, caller: Caller = _sending) -> Response:
    node: Node = request.app.state.node
    info = await node.authorization.authorize(
        caller,
        _uid(request),
        _type(request),
        await request.body(),
        addressed_party(request.headers, node.platform),
    )
    return ocpi_response(info, headers=request.state.ocpi_routing)


router.add_api_route(PATH, post_authorize, methods=["POST"])
