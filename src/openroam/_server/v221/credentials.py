"""Credentials module, server side (credentials.asciidoc): GET, POST, PUT, DELETE.

A Configuration module: no routing headers. Token A is accepted here (POST registers with it).
A POST or PUT notes whether the caller's Authorization header carried its token raw or
Base64-encoded: the partner is called back, and from then on called, the same way (unless the
operator chose the encoding).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from openroam._server.auth import AnyCaller, sent_raw
from openroam._server.body import parse_body
from openroam._server.envelope import ocpi_response
from openroam._server.v221.versions import require_offered
from openroam._services.credentials import CredentialsService
from openroam.models.v221.credentials import Credentials

__all__ = ["router"]

router = APIRouter()
PATH = "/ocpi/2.2.1/credentials"


def _service(request: Request) -> CredentialsService:
    service: CredentialsService = request.app.state.node.credentials
    return service


@router.get(PATH)
async def get_credentials(request: Request, caller: AnyCaller) -> Response:
    # The token to access this platform is the one the caller already holds.
    return ocpi_response(_service(request).own_credentials(caller.token))


@router.post(PATH)
async def post_credentials(request: Request, caller: AnyCaller) -> Response:
    require_offered(request, "2.2.1")
    theirs = await parse_body(request, Credentials)
    raw = sent_raw(request.headers.get("authorization"), caller.token)
    return ocpi_response(await _service(request).accept_registration(caller, theirs, sent_raw=raw))


@router.put(PATH)
async def put_credentials(request: Request, caller: AnyCaller) -> Response:
    require_offered(request, "2.2.1")
    theirs = await parse_body(request, Credentials)
    raw = sent_raw(request.headers.get("authorization"), caller.token)
    return ocpi_response(await _service(request).accept_update(caller, theirs, sent_raw=raw))


@router.delete(PATH)
async def delete_credentials(request: Request, caller: AnyCaller) -> Response:
    await _service(request).accept_unregistration(caller)
    return ocpi_response()
