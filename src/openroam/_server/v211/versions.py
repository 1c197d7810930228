"""OCPI 2.1.1 version details (version_information_endpoint.md "Version details endpoint").

A Configuration endpoint: any valid token, including token A, may read it. 2.1.1's endpoints
carry no role and a connection is between one CPO and one eMSP, so a caller is shown one side of
this node (``_server/v211/modules.py``): the own role opposite the caller's role. The caller's
role is its registered CPO/EMSP role, else the one granted to it (a token A carries its
invitation's grants); a node hosting only one of CPO and eMSP always shows that one.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from openroam._server.auth import AnyCaller
from openroam._server.envelope import ocpi_response
from openroam._server.v211.modules import BASE, served_modules
from openroam._server.v221.versions import require_offered
from openroam._services.credentials import Caller, opposite_role
from openroam._services.node import Node
from openroam.errors import InvalidOrMissingParameters
from openroam.models.v211.versions import Endpoint, ModuleID, VersionDetails, VersionNumber
from openroam.models.v221.types import Role

__all__ = ["router", "side_for"]

router = APIRouter()
VERSION = "2.1.1"


def _node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


async def side_for(node: Node, caller: Caller) -> Role:
    """Which side of this node (CPO or EMSP) a 2.1.1 caller deals with."""
    hosted = [role for role in (Role.CPO, Role.EMSP) if role in node.platform.roles]
    if len(hosted) == 1:
        return hosted[0]
    try:
        return opposite_role(await node.credentials.v211_role_of(caller))
    except InvalidOrMissingParameters:
        # Granted neither CPO nor EMSP: it cannot register on 2.1.1 (its credentials POST is
        # refused); the CPO side is shown.
        return Role.CPO


@router.get(BASE)
async def get_version_details(request: Request, caller: AnyCaller) -> Response:
    require_offered(request, VERSION)
    node = _node(request)
    base = node.platform.version_url(VERSION)
    side = await side_for(node, caller)
    endpoints = [Endpoint(identifier=ModuleID.CREDENTIALS, url=f"{base}/credentials")]
    endpoints += [
        Endpoint(identifier=ModuleID(str(module.identifier)), url=f"{base}/{module.path}")
        for module in served_modules(side)
    ]
    return ocpi_response(VersionDetails(version=VersionNumber.V2_1_1, endpoints=endpoints))
