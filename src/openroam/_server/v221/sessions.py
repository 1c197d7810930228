"""Sessions routes beyond the generic ones of ``roaming``: the Sender's charging preferences
(mod_sessions "Sender Interface", "PUT Method"):
``PUT /ocpi/2.2.1/sender/sessions/{session_id}/charging_preferences``, answered with a
ChargingPreferencesResponse value. The eMSP writes to the data owner's (CPO's) Sender interface
here, which is why this route lives under ``/sender/``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from openroam._server.envelope import ocpi_response
from openroam._server.headers import addressed_party, interface_caller
from openroam._services.credentials import Caller
from openroam._services.node import Node
from openroam._services.object_specs import SESSIONS
from openroam.errors import InvalidOrMissingParameters
from openroam.models.v221.versions import InterfaceRole

__all__ = ["router"]

router = APIRouter()

_sending = Depends(interface_caller(SESSIONS.module, InterfaceRole.SENDER, SESSIONS.owner_role))
# mod_sessions "Request Parameters": session_id is a CiString(36).
_ID_LIMIT = 36


async def put_charging_preferences(
    request: Request, session_id: str, caller: Caller = _sending
) -> Response:
    if len(session_id) > _ID_LIMIT or not session_id.isascii() or not session_id.isprintable():
        raise InvalidOrMissingParameters(f"session_id {session_id!r}: a CiString of at most 36")
    node: Node = request.app.state.node
    answer = await node.preferences.receive(
        caller, session_id, await request.body(), addressed_party(request.headers, node.platform)
    )
    headers: dict[str, str] = request.state.ocpi_routing
    return ocpi_response(answer.value, headers=headers)


router.add_api_route(
    "/ocpi/2.2.1/sender/sessions/{session_id}/charging_preferences",
    put_charging_preferences,
    methods=["PUT"],
)
