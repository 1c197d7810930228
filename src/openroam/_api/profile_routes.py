"""Backend API for ChargingProfiles (docs/backend-api.md "Charging profiles").

Sender side (eMSP/SCSP), addressed by the CPO partner's name and its session id:

* ``PUT /api/partners/{partner_name}/chargingprofiles/{session_id}`` — set a ChargingProfile;
* ``GET …/{session_id}?duration=900`` — ask for the ActiveChargingProfile (a request to the CPO);
* ``DELETE …/{session_id}`` — clear the profile;
* ``GET …/{session_id}/active`` — the last ActiveChargingProfile the CPO gave.

Each request answers with the stored request (``id``, the CPO's ``response``); the result arrives
later (``GET /api/chargingprofiles/requests/{id}``, event ``chargingprofile.result``).

CPO side: ``POST /api/chargingprofiles/requests/{id}/result`` reports the Charge Point's outcome
of a received request; ``PUT /api/chargingprofiles/active/{session_id}`` reports a new
ActiveChargingProfile of a session, pushed to the Senders that set one.
"""

# No ``from __future__ import annotations``: see own_routes.

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict
from starlette.responses import Response

from openroam._api.own_routes import node_of
from openroam._api.params import MAX_COUNT, target_party
from openroam._api.responses import data_response, raw_response
from openroam._services.roaming import validate_body
from openroam.models.v221.charging_profiles import (
    ActiveChargingProfile,
    ChargingProfile,
    ChargingProfileResultType,
)

__all__ = ["ResultReport", "add_profile_routes"]

URL = "/api/partners/{partner_name}/chargingprofiles/{session_id}"
SessionId = Annotated[str, Path(min_length=1, max_length=36)]
#: ``?party=CC*PID``: the CPO party of the session, through a Hub
Target = Annotated[tuple[str, str] | None, Depends(target_party)]


class ResultReport(BaseModel):
    """The Charge Point's outcome of a received request."""

    model_config = ConfigDict(extra="forbid")

    result: ChargingProfileResultType
    profile: dict[str, object] | None = None
    """An ActiveChargingProfile: for a GET, the active one (sent when ACCEPTED); for a set, the
    one now active (default: the profile that was set, from now)."""


def _add_sender(router: APIRouter) -> None:
    async def put(
        request: Request, partner_name: str, session_id: SessionId, target: Target
    ) -> Response:
        profile = validate_body(ChargingProfile, await request.body())
        assert isinstance(profile, ChargingProfile)
        sent = await node_of(request).profiles.set(partner_name, session_id, profile, target=target)
        return data_response(sent.to_dict())

    async def get(
        request: Request,
        partner_name: str,
        session_id: SessionId,
        duration: Annotated[
            int, Query(ge=0, le=MAX_COUNT, description="Seconds of profile to return")
        ],
        target: Target,
    ) -> Response:
        profiles = node_of(request).profiles
        sent = await profiles.get(partner_name, session_id, duration, target=target)
        return data_response(sent.to_dict())

    async def delete(
        request: Request, partner_name: str, session_id: SessionId, target: Target
    ) -> Response:
        sent = await node_of(request).profiles.clear(partner_name, session_id, target=target)
        return data_response(sent.to_dict())

    async def active(request: Request, partner_name: str, session_id: SessionId) -> Response:
        profile = await node_of(request).profiles.active(partner_name, session_id)
        return raw_response(profile.to_json())

    router.add_api_route(
        URL,
        put,
        methods=["PUT"],
        summary="Set the charging profile of a CPO's session",
        description="Body: an OCPI 2.2.1 ChargingProfile.",
    )
    router.add_api_route(
        URL, get, methods=["GET"], summary="Ask a CPO for the session's active profile"
    )
    router.add_api_route(
        URL, delete, methods=["DELETE"], summary="Clear the charging profile of a CPO's session"
    )
    router.add_api_route(
        URL + "/active", active, methods=["GET"], summary="The last ActiveChargingProfile given"
    )


#: A request's id: bound to the database as a signed 64-bit integer.
RequestId = Annotated[int, Path(ge=0, le=MAX_COUNT)]


def _add_common(router: APIRouter) -> None:
    async def one(request: Request, request_id: RequestId) -> Response:
        found = await node_of(request).profiles.request(request_id)
        return data_response(found.to_dict())

    async def report(request: Request, request_id: RequestId, body: ResultReport) -> Response:
        profile = None
        if body.profile is not None:
            checked = validate_body(ActiveChargingProfile, orjson.dumps(body.profile))
            assert isinstance(checked, ActiveChargingProfile)
            profile = checked
        done = await node_of(request).profile_receiver.report_result(
            request_id, body.result, profile
        )
        return data_response(done.to_dict())

    async def active(request: Request, session_id: SessionId) -> Response:
        profile = validate_body(ActiveChargingProfile, await request.body())
        assert isinstance(profile, ActiveChargingProfile)
        pushed = await node_of(request).profile_receiver.put_active(session_id, profile)
        return data_response({"pushed_to": pushed})

    base = "/api/chargingprofiles"
    router.add_api_route(
        base + "/requests/{request_id}", one, methods=["GET"], summary="A charging profile request"
    )
    router.add_api_route(
        base + "/requests/{request_id}/result",
        report,
        methods=["POST"],
        summary="Report the outcome of a received charging profile request (CPO)",
    )
    router.add_api_route(
        base + "/active/{session_id}",
        active,
        methods=["PUT"],
        summary="A session's new ActiveChargingProfile, pushed to the Senders that set one (CPO)",
        description="Body: an OCPI 2.2.1 ActiveChargingProfile.",
    )


def add_profile_routes(router: APIRouter) -> None:
    _add_sender(router)
    _add_common(router)
