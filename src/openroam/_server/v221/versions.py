"""Versions module (version_information_endpoint.asciidoc): a Configuration module, so no
routing headers; any valid token, including token A, may read it.

``/ocpi/versions`` lists each version this node offers (setting ``ocpi_versions``); the 2.2.1
details are refused (404) when 2.2.1 is not offered, the 2.1.1 ones are in ``_server/v211``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from openroam._server.auth import AnyCaller
from openroam._server.envelope import ocpi_response
from openroam._server.v221.modules import served_modules
from openroam._services.node import Node
from openroam.errors import NotFound
from openroam.models.v221.versions import Endpoint, Version, VersionDetails, VersionNumber

__all__ = ["require_offered", "router"]

router = APIRouter()


def _node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


@router.get("/ocpi/versions")
async def get_versions(request: Request, _caller: AnyCaller) -> Response:
    platform = _node(request).platform
    versions = [
        Version(version=VersionNumber(number), url=platform.version_url(number))
        for number in platform.versions
    ]
    return ocpi_response(versions)


def require_offered(request: Request, version: str) -> None:
    """404 (as an unknown path) for the routes of a version this node does not offer."""
    if not _node(request).platform.offers(version):
        raise NotFound(f"OCPI {version} is not offered here")


@router.get("/ocpi/2.2.1")
async def get_version_details(request: Request, _caller: AnyCaller) -> Response:
    require_offered(request, "2.2.1")
    platform = _node(request).platform
    base = platform.version_url("2.2.1")
    endpoints = [
        Endpoint(identifier=module.identifier, role=module.role, url=f"{base}/{module.path}")
        for module in served_modules(platform.roles)
    ]
    return ocpi_response(VersionDetails(version=VersionNumber.V2_2_1, endpoints=endpoints))
