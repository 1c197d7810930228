"""Backend API routes for charging preferences (mod_sessions "Set: Charging Preferences").

* CPO side: read the preferences a partner eMSP set for one of our Sessions.
* eMSP side: send the driver's preferences to the CPO partner of a Session; the answer is the
  CPO's ChargingPreferencesResponse value.
"""

# No ``from __future__ import annotations``: see own_routes.

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from starlette.responses import Response

from openroam._api.openapi import body_doc, data_doc
from openroam._api.own_routes import SESSION_URL, node_of
from openroam._api.params import session_path, target_party
from openroam._api.responses import data_response, raw_response
from openroam._services.documents import ObjectPath
from openroam._services.roaming import validate_body
from openroam.models.v221.sessions import ChargingPreferences

__all__ = ["add_preference_routes"]

SUFFIX = "/charging_preferences"
PARTNER_SESSION_URL = "/api/partners/{partner_name}/sessions/{session_id}" + SUFFIX


def add_preference_routes(router: APIRouter) -> None:
    async def get_own(
        request: Request, path: Annotated[ObjectPath, Depends(session_path)]
    ) -> Response:
        preferences = node_of(request).preferences
        return raw_response(
            await preferences.stored(path.country_code, path.party_id, path.object_id)
        )

    async def send(
        request: Request,
        partner_name: Annotated[str, Path(description="The CPO partner's name in openroam")],
        session_id: Annotated[str, Path(max_length=36, description="Session.id")],
        target: Annotated[tuple[str, str] | None, Depends(target_party)],
    ) -> Response:
        preferences = validate_body(ChargingPreferences, await request.body())
        assert isinstance(preferences, ChargingPreferences)
        service = node_of(request).preferences
        answer = await service.send(partner_name, session_id, preferences, target=target)
        return data_response(answer.value)

    router.add_api_route(
        SESSION_URL + SUFFIX,
        get_own,
        methods=["GET"],
        summary="The charging preferences a partner eMSP set for an own Session",
        openapi_extra=data_doc(ChargingPreferences),
    )
    router.add_api_route(
        PARTNER_SESSION_URL,
        send,
        methods=["PUT"],
        summary="Send the driver's charging preferences to the CPO partner of a Session",
        description="PUT to the partner's Sessions Sender interface; the answer's data is its "
        "ChargingPreferencesResponse value (ACCEPTED, NOT_POSSIBLE, …).",
        openapi_extra=body_doc(ChargingPreferences),
    )
