"""The simulated charge points: one :class:`Evse` per EVSE of the CPO's own Locations.

Statuses follow mod_locations "Status enum": an EVSE is AVAILABLE, RESERVED for one reservation,
CHARGING one session, or out of service (anything else). Ids are CiStrings, matched
case-insensitively (transport_and_format "CiString").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openroam.simulator._vehicle import ChargerLimits, charger_limits

__all__ = ["ChargePoints", "Evse", "Reservation"]

FREE = "AVAILABLE"
OUT_OF_SERVICE = frozenset(
    {"BLOCKED", "INOPERATIVE", "OUTOFORDER", "PLANNED", "REMOVED", "UNKNOWN"}
)


def fold(value: str) -> str:
    return value.upper()


@dataclass
class Reservation:
    key: str
    """The event's ``reservation_key``: the eMSP party and its reservation id."""
    token_uid: str
    expiry: datetime


@dataclass
class Evse:
    party: tuple[str, str]
    location_id: str
    uid: str
    status: str
    connectors: dict[str, ChargerLimits]
    """Connector id → what it can deliver, in the Location's order."""
    reservation: Reservation | None = None
    session_id: str | None = None

    @property
    def label(self) -> str:
        return f"{self.location_id}/{self.uid}"

    def connector(self, connector_id: str | None) -> tuple[str, ChargerLimits] | None:
        """The Connector ``connector_id`` (any case), or the first one when None."""
        for found, limits in self.connectors.items():
            if connector_id is None or fold(found) == fold(connector_id):
                return found, limits
        return None

    def refusal_for(self, token_uid: str | None) -> str | None:
        """Why a session or reservation for ``token_uid`` cannot start here (a
        CommandResultType), or None when it can."""
        if self.status in OUT_OF_SERVICE:
            return "EVSE_INOPERATIVE"
        if self.session_id is not None or self.status == "CHARGING":
            return "EVSE_OCCUPIED"
        if self.reservation is not None and (
            token_uid is None or fold(self.reservation.token_uid) != fold(token_uid)
        ):
            return "EVSE_OCCUPIED"
        return None


class ChargePoints:
    """Every EVSE of the own Locations, found by Location id and EVSE uid."""

    def __init__(self) -> None:
        self._evses: dict[tuple[str, str], Evse] = {}

    def load(self, locations: list[dict[str, Any]]) -> None:
        """Add the EVSEs not known yet; known ones keep their state."""
        for location in locations:
            party = (str(location["country_code"]), str(location["party_id"]))
            for evse in location.get("evses") or ():
                key = (fold(location["id"]), fold(evse["uid"]))
                if key in self._evses:
                    continue
                self._evses[key] = Evse(
                    party=party,
                    location_id=str(location["id"]),
                    uid=str(evse["uid"]),
                    status=str(evse.get("status", "UNKNOWN")),
                    connectors={
                        str(c["id"]): charger_limits(c) for c in evse.get("connectors") or ()
                    },
                )

    def __len__(self) -> int:
        return len(self._evses)

    def get(self, location_id: str, evse_uid: str) -> Evse | None:
        return self._evses.get((fold(location_id), fold(evse_uid)))

    def at(self, location_id: str) -> list[Evse]:
        return [evse for (loc, _), evse in self._evses.items() if loc == fold(location_id)]

    def pick(self, location_id: str, evse_uid: str | None, token_uid: str | None) -> Evse | None:
        """The EVSE a command names, or the first one at the Location that can take it."""
        if evse_uid is not None:
            return self.get(location_id, evse_uid)
        candidates = self.at(location_id)
        for evse in candidates:
            if evse.refusal_for(token_uid) is None:
                return evse
        return candidates[0] if candidates else None

    def reserved(self, key: str) -> Evse | None:
        for evse in self._evses.values():
            if evse.reservation is not None and evse.reservation.key == key:
                return evse
        return None
