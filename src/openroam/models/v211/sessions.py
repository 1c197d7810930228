"""OCPI 2.1.1 mod_sessions.md: the charging Session.

Transcribed from the 2.1.1 tables (mod_sessions.md 3.1, 4.1). Unlike 2.2.1, a 2.1.1 Session
names its times ``start_datetime``/``end_datetime``, identifies the Token only by ``auth_id``,
embeds the whole :class:`~openroam.models.v211.locations.Location` (with only the EVSE and
Connector used) where 2.2.1 has ``location_id``/``evse_uid``/``connector_id``, and gives
``total_cost`` as a number excluding VAT. :class:`SessionStatus` has no ``RESERVATION``.

mod_sessions.md 2.2.3 "PATCH Method": a PATCH holds only the fields to update; 2.1.1 requires no
``last_updated`` in it (its example is ``{"total_cost": 0.60}``).
"""

from __future__ import annotations

from enum import StrEnum

from openroam.models.common import DateTime, Number, OcpiModel, patch_model
from openroam.models.v211.cdrs import AuthMethod, ChargingPeriod
from openroam.models.v211.locations import Location
from openroam.models.v211.types import String3, String36, String255

__all__ = ["Session", "SessionPatch", "SessionStatus"]


class SessionStatus(StrEnum):
    """mod_sessions.md 4.1 "SessionStatus enum"."""

    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    """Finished; no more modifications will be made."""
    INVALID = "INVALID"
    """Declared invalid; will not be billed."""
    PENDING = "PENDING"
    """The initial state; the session might never become active."""


class Session(OcpiModel):
    """mod_sessions.md 3.1 "Session Object"."""

    id: String36
    start_datetime: DateTime
    end_datetime: DateTime | None = None
    kwh: Number
    auth_id: String36
    """The ``auth_id`` of the Token used."""
    auth_method: AuthMethod
    location: Location
    """The Location with only the EVSE and Connector used."""
    meter_id: String255 | None = None
    currency: String3
    charging_periods: list[ChargingPeriod] | None = None
    total_cost: Number | None = None
    """Excluding VAT; absent does not mean free, ``0.00`` does."""
    status: SessionStatus
    last_updated: DateTime


# mod_sessions.md 2.2.3 "PATCH Method": only the fields to update.
SessionPatch = patch_model(Session, "SessionPatch", required=())
