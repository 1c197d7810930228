"""Sessions module calls (mod_sessions "Sender Interface")."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from openroam.client._base import OcpiHttpClient
from openroam.errors import PartnerRequestError
from openroam.models.v221.sessions import ChargingPreferences, ChargingPreferencesResponse

__all__ = ["SessionsCalls"]


class SessionsCalls(OcpiHttpClient):
    """PUT charging preferences on a CPO's Sessions Sender endpoint."""

    async def put_charging_preferences(
        self,
        sessions_url: str,
        session_id: str,
        preferences: ChargingPreferences,
        *,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ChargingPreferencesResponse:
        """``PUT {sessions_url}/{session_id}/charging_preferences`` (the suffix is required,
        mod_sessions "PUT Method"); the CPO's ChargingPreferencesResponse value.

        An EVSE that is not CHARGING_PREFERENCES_CAPABLE is answered HTTP 404 + 2001, which
        raises ``InvalidOrMissingParameters``. ``headers``: the routing headers.
        """
        url = f"{sessions_url.rstrip('/')}/{quote(session_id, safe='')}/charging_preferences"
        reply = await self.send("PUT", url, json_body=preferences, timeout=timeout, headers=headers)
        data = reply.envelope.data
        if isinstance(data, str) and data in set(ChargingPreferencesResponse):
            return ChargingPreferencesResponse(data)
        raise PartnerRequestError(f"PUT {url}: {data!r} is not a ChargingPreferencesResponse")
