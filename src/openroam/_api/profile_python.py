"""The ChargingProfiles part of the Python backend API (:class:`openroam._api.Backend` inherits
it); the same operations as :mod:`openroam._api.profile_routes`."""

from __future__ import annotations

from openroam._services.node import Node
from openroam._services.profile_receiver import ProfileHandler
from openroam._services.profiles import RequestView
from openroam.models.v221.charging_profiles import (
    ActiveChargingProfile,
    ChargingProfile,
    ChargingProfileResultType,
)

__all__ = ["ChargingProfilesBackend"]


class ChargingProfilesBackend:
    node: Node

    # --- Sender (eMSP/SCSP) ------------------------------------------------------------------

    async def set_charging_profile(
        self,
        partner: str,
        session_id: str,
        profile: ChargingProfile,
        *,
        party: tuple[str, str] | None = None,
    ) -> RequestView:
        """PUT a profile for the CPO ``partner``'s session; ``.response`` is its answer, the
        result comes later (:meth:`charging_profile_request`, event ``chargingprofile.result``).
        ``party`` (here and below): the CPO party of the session, through a Hub; by default
        the owner of the Session held."""
        return await self.node.profiles.set(partner, session_id, profile, target=party)

    async def get_active_charging_profile(
        self, partner: str, session_id: str, duration: int, *, party: tuple[str, str] | None = None
    ) -> RequestView:
        """Ask for the ActiveChargingProfile of the next ``duration`` seconds."""
        return await self.node.profiles.get(partner, session_id, duration, target=party)

    async def clear_charging_profile(
        self, partner: str, session_id: str, *, party: tuple[str, str] | None = None
    ) -> RequestView:
        return await self.node.profiles.clear(partner, session_id, target=party)

    async def charging_profile_request(self, request_id: int) -> RequestView:
        """A request (sent or received) with its response and result."""
        return await self.node.profiles.request(request_id)

    async def last_active_charging_profile(
        self, partner: str, session_id: str
    ) -> ActiveChargingProfile:
        """The last ActiveChargingProfile ``partner`` gave for its session."""
        return await self.node.profiles.active(partner, session_id)

    # --- Receiver (CPO) ----------------------------------------------------------------------

    def set_charging_profile_handler(self, handler: ProfileHandler | None) -> None:
        """Answer accepted requests yourself (``NOT_SUPPORTED``, ``TOO_OFTEN`` …; None keeps
        ``ACCEPTED``)."""
        self.node.profile_receiver.set_handler(handler)

    async def report_charging_profile_result(
        self,
        request_id: int,
        result: ChargingProfileResultType,
        profile: ActiveChargingProfile | None = None,
    ) -> RequestView:
        """The Charge Point's outcome of a received request, POSTed to its response_url."""
        return await self.node.profile_receiver.report_result(request_id, result, profile)

    async def put_active_charging_profile(
        self, session_id: str, profile: ActiveChargingProfile
    ) -> int:
        """A session's new ActiveChargingProfile, pushed to the Senders that set one."""
        return await self.node.profile_receiver.put_active(session_id, profile)
