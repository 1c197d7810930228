"""Backend API routes that start a partner connection (docs/connecting.md):

* ``POST /api/invitations`` — a token A for a partner that will register with us (``openroam
  invite``);
* ``POST /api/partners`` — a connection from a token agreed out of band (``openroam partners
  add``): version negotiation and endpoint discovery with that token; answers the token the
  partner calls us with, once.
"""

# No ``from __future__ import annotations``: FastAPI reads the handlers' annotations at runtime.

from typing import Any, TypeVar

from fastapi import APIRouter, Request
from pydantic import ConfigDict
from starlette.responses import Response

from openroam._api.bodies import model_of
from openroam._api.openapi import body_doc
from openroam._api.own_routes import node_of
from openroam._api.responses import data_response
from openroam._services.credentials import parse_grant
from openroam._services.partners import PartnerDirectory
from openroam._store.records import Grant
from openroam.models.common import URL, OcpiModel, String, String100, String255

__all__ = ["InvitationBody", "PartnerAddBody", "add_connect_routes"]

M = TypeVar("M", bound=OcpiModel)
_FORBID = ConfigDict(extra="forbid")


class GrantBody(OcpiModel):
    """A role the partner may be, for one party (as in ``PUT /api/partners/{name}/grants``)."""

    model_config = _FORBID

    role: String
    country_code: String
    party_id: String

    def grant(self) -> Grant:
        return parse_grant(self.role, f"{self.country_code}*{self.party_id}")


class InvitationBody(OcpiModel):
    """``POST /api/invitations``: a partner that will register with us."""

    model_config = _FORBID

    name: String100
    grants: list[GrantBody]
    #: the partner expects its tokens un-encoded: it is called so whatever its calls carry
    raw_token: bool = False


class PartnerAddBody(OcpiModel):
    """``POST /api/partners``: a partner we call with a token agreed out of band."""

    model_config = _FORBID

    name: String100
    versions_url: URL
    #: the token C agreed with the partner, which we send
    token: String255
    #: send it raw instead of Base64-encoded
    raw_token: bool = False
    grants: list[GrantBody]


async def _body(request: Request, model: type[M]) -> M:
    return model_of(await request.body(), model)


def _answer(data: dict[str, Any]) -> Response:
    return data_response(data, 201)


def add_connect_routes(router: APIRouter) -> None:
    async def invite(request: Request) -> Response:
        body = await _body(request, InvitationBody)
        grants = [item.grant() for item in body.grants]
        node = node_of(request)
        token = await node.credentials.invite(body.name, grants=grants, raw_token=body.raw_token)
        return _answer(
            {
                "name": body.name,
                "versions_url": node.credentials.platform.versions_url,
                "token": token,
                "grants": [grant.to_dict() for grant in grants],
                "raw_token": body.raw_token,
            }
        )

    async def add(request: Request) -> Response:
        body = await _body(request, PartnerAddBody)
        node = node_of(request)
        connected = await node.credentials.add_partner(
            body.name,
            body.versions_url,
            body.token,
            grants=[item.grant() for item in body.grants],
            raw_token=body.raw_token,
        )
        partner = await PartnerDirectory(node.db).by_name(connected.partner.name)
        return _answer(
            {
                "partner": partner.to_dict(),
                "versions_url": node.credentials.platform.versions_url,
                "token": connected.token,
                "token_encoding": connected.partner.token_encoding,
                "roles_from": connected.roles_from,
                "note": connected.note,
            }
        )

    router.add_api_route(
        "/api/invitations",
        invite,
        methods=["POST"],
        status_code=201,
        summary="Invite a partner: a token A it registers with (openroam invite)",
        openapi_extra=body_doc(InvitationBody, "The partner's name, grants and encoding."),
    )
    router.add_api_route(
        "/api/partners",
        add,
        methods=["POST"],
        status_code=201,
        summary="Connect with a token agreed out of band (openroam partners add)",
        openapi_extra=body_doc(PartnerAddBody, "The partner, its versions URL, token and grants."),
    )
