"""Backend API for real-time authorization (docs/backend-api.md "Real-time authorization").

``POST /api/authorize`` is the CPO's question "may this Token charge here?": answered from the
Token held from its eMSP and its whitelist type, asking the eMSP in real time when the whitelist
says so (:mod:`openroam._services.realtime`). The ``authorization_reference`` of the answer is what
the session start takes, so the Session and CDR carry it (mod_tokens "AuthorizationInfo").
"""

# No ``from __future__ import annotations``: see own_routes.

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from openroam._api.own_routes import node_of
from openroam._api.responses import data_response
from openroam._services.realtime import DecidedBy
from openroam.models.v221.tokens import AllowedType, LocationReferences, TokenType

__all__ = ["AuthorizeBody", "add_authorization_routes"]


class AuthorizeBody(BaseModel):
    """The question."""

    model_config = ConfigDict(extra="forbid")

    token_uid: Annotated[str, Field(min_length=1, max_length=36)]
    type: TokenType = TokenType.RFID
    country_code: Annotated[str | None, Field(min_length=2, max_length=2)] = None
    """The Token's eMSP: needed only for a Token that was never pushed to us."""
    party_id: Annotated[str | None, Field(min_length=3, max_length=3)] = None
    location_id: Annotated[str | None, Field(min_length=1, max_length=36)] = None
    """Where the driver wants to charge; sent to the eMSP as LocationReferences."""
    evse_uids: list[Annotated[str, Field(min_length=1, max_length=36)]] | None = None

    def location(self) -> LocationReferences | None:
        if self.location_id is None:
            return None
        return LocationReferences(location_id=self.location_id, evse_uids=self.evse_uids)

    def token_party(self) -> tuple[str, str] | None:
        if self.country_code is None or self.party_id is None:
            return None
        return self.country_code, self.party_id


class VerdictData(BaseModel):
    allowed: AllowedType
    decided_by: DecidedBy
    """whitelist (held copy, ALWAYS), emsp (its real-time answer), offline (the whitelist rule
    for an unreachable eMSP) or unknown_token."""
    whitelist: str | None
    authorization_reference: str | None
    """Give it to the session start: it goes into the Session and the CDR."""
    authorization_info: dict[str, object] | None
    """The eMSP's AuthorizationInfo (or one built from the held Token)."""
    message: str


class VerdictAnswer(BaseModel):
    data: VerdictData


def add_authorization_routes(router: APIRouter) -> None:
    async def authorize(request: Request, body: AuthorizeBody) -> Response:
        verdict = await node_of(request).realtime.check(
            body.token_uid, body.type, body.location(), token_party=body.token_party()
        )
        return data_response(verdict.to_dict())

    router.add_api_route(
        "/api/authorize",
        authorize,
        methods=["POST"],
        summary="May this Token charge here? (CPO; real-time authorization)",
        responses={200: {"model": VerdictAnswer}},
    )
