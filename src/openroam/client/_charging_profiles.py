"""ChargingProfiles module calls (mod_charging_profiles.asciidoc "Interfaces and Endpoints"):
the Sender's (eMSP/SCSP) requests to a CPO, and the CPO's results and ActiveChargingProfile
pushes back to the Sender."""

from __future__ import annotations

from collections.abc import Mapping

from openroam.client._base import OcpiHttpClient
from openroam.client._urls import join_url
from openroam.models.common import OcpiModel
from openroam.models.v221.charging_profiles import (
    ActiveChargingProfile,
    ChargingProfileResponse,
    SetChargingProfile,
)

__all__ = ["ChargingProfilesCalls"]


class ChargingProfilesCalls(OcpiHttpClient):
    """GET/PUT/DELETE at the CPO's Receiver; POST results and PUT active profiles to the
    Sender."""

    async def get_active_charging_profile(
        self,
        endpoint: str,
        session_id: str,
        duration: int,
        response_url: str,
        *,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ChargingProfileResponse:
        """Receiver "GET Method": the result comes later as an ActiveChargingProfileResult.
        ``headers``: the routing headers (alike below)."""
        url = join_url(endpoint, session_id)
        params: dict[str, str | int] = {"duration": duration, "response_url": response_url}
        reply = await self.send("GET", url, params=params, timeout=timeout, headers=headers)
        return reply.parse(ChargingProfileResponse)

    async def set_charging_profile(
        self,
        endpoint: str,
        session_id: str,
        body: SetChargingProfile,
        *,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ChargingProfileResponse:
        """Receiver "PUT Method": the result comes later as a ChargingProfileResult."""
        url = join_url(endpoint, session_id)
        reply = await self.send("PUT", url, json_body=body, timeout=timeout, headers=headers)
        return reply.parse(ChargingProfileResponse)

    async def clear_charging_profile(
        self,
        endpoint: str,
        session_id: str,
        response_url: str,
        *,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ChargingProfileResponse:
        """Receiver "DELETE Method": the result comes later as a ClearProfileResult."""
        url = join_url(endpoint, session_id)
        params = {"response_url": response_url}
        reply = await self.send("DELETE", url, params=params, timeout=timeout, headers=headers)
        return reply.parse(ChargingProfileResponse)

    async def post_charging_profile_result(
        self, response_url: str, result: OcpiModel, *, timeout: float | None = None
    ) -> None:
        """Sender "POST Method": a result to the ``response_url`` the request gave."""
        await self.send("POST", response_url, json_body=result, timeout=timeout)

    async def put_active_charging_profile(
        self,
        endpoint: str,
        session_id: str,
        profile: ActiveChargingProfile,
        *,
        timeout: float | None = None,
    ) -> None:
        """Sender "PUT Method": the session's new ActiveChargingProfile."""
        await self.send("PUT", join_url(endpoint, session_id), json_body=profile, timeout=timeout)
