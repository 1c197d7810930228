"""OCPI 2.1.1 credentials endpoint (credentials.md 1 "Interfaces and endpoints"): GET, POST,
PUT, DELETE with 2.1.1's flat Credentials object.

The same registration as 2.2.1 (``_server/v221/credentials.py``, :class:`CredentialsService`):
405 when already registered (POST) or not registered (PUT, DELETE), 3001 when the callbacks
fail, 3003 when the caller lists no credentials endpoint. 2.1.1 credentials name no role: the
party named (``country_code``, ``party_id``) must be granted to the caller as a CPO or an EMSP,
and that grant is its role. A POST registers, and a PUT moves, the caller to 2.1.1
(credentials.md 1.3); it is called with its token raw unless the operator chose the encoding.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from openroam._server.auth import AnyCaller, sent_raw
from openroam._server.body import parse_body
from openroam._server.envelope import ocpi_response
from openroam._server.v211.modules import BASE
from openroam._server.v221.versions import require_offered
from openroam._services.credentials import CredentialsService
from openroam.models.v211.credentials import Credentials

__all__ = ["router"]

router = APIRouter()
PATH = f"{BASE}/credentials"
VERSION = "2.1.1"


def _service(request: Request) -> CredentialsService:
    require_offered(request, VERSION)
    service: CredentialsService = request.app.state.node.credentials
    return service


@router.get(PATH)
async def get_credentials(request: Request, caller: AnyCaller) -> Response:
    # The token to access this platform is the one the caller already holds.
    service = _service(request)
    role = await service.v211_role_of(caller)
    return ocpi_response(service.own_credentials_v211(caller.token, role))


@router.post(PATH)
async def post_credentials(request: Request, caller: AnyCaller) -> Response:
    service = _service(request)
    theirs = await parse_body(request, Credentials)
    raw = sent_raw(request.headers.get("authorization"), caller.token)
    return ocpi_response(await service.accept_v211(caller, theirs, sent_raw=raw))


@router.put(PATH)
async def put_credentials(request: Request, caller: AnyCaller) -> Response:
    service = _service(request)
    theirs = await parse_body(request, Credentials)
    raw = sent_raw(request.headers.get("authorization"), caller.token)
    return ocpi_response(await service.accept_v211(caller, theirs, sent_raw=raw, update=True))


@router.delete(PATH)
async def delete_credentials(request: Request, caller: AnyCaller) -> Response:
    await _service(request).accept_unregistration(caller)
    return ocpi_response()
