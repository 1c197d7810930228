"""HubClientInfo routes (mod_hub_client_info.asciidoc), both interfaces.

* Sender (a Hub node only): ``GET /ocpi/2.2.1/sender/hubclientinfo`` — the ClientInfo of every
  party connected to the Hub, paginated like every list (``date_from``/``date_to`` on
  ``last_updated``, ``offset``/``limit``; ``X-Total-Count``, ``X-Limit``, ``Link``).
* Receiver (every node that is not a Hub): ``PUT`` and ``GET
  /ocpi/2.2.1/receiver/hubclientinfo/{country_code}/{party_id}`` — the Hub pushes a party's
  ClientInfo; only a Hub partner may call it (``modules.MODULES``: HTTP 404 + 2000 for others).

A Configuration module: no ``OCPI-from-*``/``OCPI-to-*`` headers are read or answered, on
success or error (transport_and_format.asciidoc "Message Routing": Functional modules only).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from openroam._server.auth import RegisteredCaller
from openroam._server.body import parse_body
from openroam._server.envelope import JsonArray, ocpi_response
from openroam._server.headers import check_interface
from openroam._server.pagination import (
    base_url,
    page_headers,
    page_query,
    query_of,
    read_page_params,
)
from openroam._services.node import Node
from openroam._services.roaming import Page
from openroam.errors import NotFound
from openroam.models.v221.hub_client_info import ClientInfo
from openroam.models.v221.versions import InterfaceRole, ModuleID

__all__ = ["RECEIVER_PATH", "SENDER_PATH", "router"]

router = APIRouter()
SENDER_PATH = "/ocpi/2.2.1/sender/hubclientinfo"
RECEIVER_PATH = "/ocpi/2.2.1/receiver/hubclientinfo"


def _node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def _served(node: Node, role: InterfaceRole) -> None:
    # The Sender is a Hub's, the Receiver every other party's (version details list them so).
    if node.platform.is_hub != (role == InterfaceRole.SENDER):
        side = "a Hub's" if role == InterfaceRole.SENDER else "a party connected to a Hub's"
        raise NotFound(f"The hubclientinfo {role.lower()} interface is {side}; not served here")


@router.get(SENDER_PATH)
async def get_client_infos(request: Request, caller: RegisteredCaller) -> Response:
    node = _node(request)
    _served(node, InterfaceRole.SENDER)
    check_interface(caller, ModuleID.HUBCLIENTINFO, InterfaceRole.SENDER)
    query = page_query(read_page_params(query_of(request.scope)), node.page_limit)
    documents, total = await node.hub_clients.client_infos(
        date_from=query.date_from,
        date_to=query.date_to,
        offset=query.offset,
        limit=query.limit,
    )
    page = Page(documents, total, None, more=query.offset + len(documents) < total)
    headers = page_headers(
        base_url(node.platform.public_url, SENDER_PATH), query, page, node.page_limit
    )
    return ocpi_response(JsonArray(documents), headers=headers)


@router.get(RECEIVER_PATH + "/{country_code}/{party_id}")
async def get_client_info(
    request: Request, country_code: str, party_id: str, caller: RegisteredCaller
) -> Response:
    node = _node(request)
    _served(node, InterfaceRole.RECEIVER)
    check_interface(caller, ModuleID.HUBCLIENTINFO, InterfaceRole.RECEIVER)
    return ocpi_response(await node.hub_clients.get(caller.partner_id, country_code, party_id))


@router.put(RECEIVER_PATH + "/{country_code}/{party_id}")
async def put_client_info(
    request: Request, country_code: str, party_id: str, caller: RegisteredCaller
) -> Response:
    node = _node(request)
    _served(node, InterfaceRole.RECEIVER)
    check_interface(caller, ModuleID.HUBCLIENTINFO, InterfaceRole.RECEIVER)
    info = await parse_body(request, ClientInfo)
    await node.hub_clients.put(caller.partner_id, country_code, party_id, info)
    return ocpi_response()
