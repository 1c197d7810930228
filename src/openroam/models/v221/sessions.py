"""OCPI 2.2.1 mod_sessions.asciidoc: the live charging Session and the driver's preferences.

The CPO PUTs a Session when it is created and PATCHes it as it changes; Sessions are never
deleted, they end as ``COMPLETED`` (or ``INVALID``). In a PATCH, ``charging_periods`` are
appended to the stored ones, while a PUT replaces them (mod_sessions.asciidoc "PATCH Method");
that rule belongs to the service that stores Sessions, not to these models.

:class:`ProfileType` is defined in :mod:`openroam.models.v221.tokens` to avoid an import cycle
and re-exported here under its own chapter.
"""

from __future__ import annotations

from enum import StrEnum

from openroam.models.common import (
    CiString2,
    CiString3,
    CiString36,
    DateTime,
    Number,
    OcpiModel,
    String3,
    String255,
    patch_model,
)
from openroam.models.v221.cdrs import AuthMethod, CdrToken, ChargingPeriod
from openroam.models.v221.tokens import ProfileType
from openroam.models.v221.types import Price

__all__ = [
    "ChargingPreferences",
    "ChargingPreferencesResponse",
    "ProfileType",
    "Session",
    "SessionPatch",
    "SessionStatus",
]


class SessionStatus(StrEnum):
    """mod_sessions.asciidoc "SessionStatus".

    A reservation creates a Session in status ``RESERVATION``; the text's "RESERVED" is an
    erratum (docs/spec-decisions.md "Reservation status is RESERVATION, not RESERVED").
    """

    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    """Finished; no more modifications will be made."""
    INVALID = "INVALID"
    """Declared invalid; will not be billed."""
    PENDING = "PENDING"
    """The initial state; the session might never become active."""
    RESERVATION = "RESERVATION"


class ChargingPreferencesResponse(StrEnum):
    """mod_sessions.asciidoc "ChargingPreferencesResponse": the answer to a PUT of preferences."""

    ACCEPTED = "ACCEPTED"
    DEPARTURE_REQUIRED = "DEPARTURE_REQUIRED"
    ENERGY_NEED_REQUIRED = "ENERGY_NEED_REQUIRED"
    NOT_POSSIBLE = "NOT_POSSIBLE"
    PROFILE_TYPE_NOT_SUPPORTED = "PROFILE_TYPE_NOT_SUPPORTED"


class ChargingPreferences(OcpiModel):
    """mod_sessions.asciidoc "ChargingPreferences Object": sent by the eMSP to the CPO's Sender."""

    profile_type: ProfileType
    departure_time: DateTime | None = None
    energy_need: Number | None = None
    """kWh the driver wants charged."""
    discharge_allowed: bool | None = None
    """Absent means false."""


class Session(OcpiModel):
    """mod_sessions.asciidoc "Session Object"."""

    country_code: CiString2
    party_id: CiString3
    id: CiString36
    start_date_time: DateTime
    """While PENDING, when the Session was created; then when it became ACTIVE."""
    end_date_time: DateTime | None = None
    kwh: Number
    cdr_token: CdrToken
    auth_method: AuthMethod
    """May change during the session (e.g. COMMAND, then WHITELIST)."""
    authorization_reference: CiString36 | None = None
    """The last reference the eMSP gave (real-time authorization, StartSession, ReserveNow)."""
    location_id: CiString36
    evse_uid: CiString36
    """``#NA`` while a reservation has no EVSE assigned yet."""
    connector_id: CiString36
    """``#NA`` while a reservation has no connector assigned yet."""
    meter_id: String255 | None = None
    currency: String3
    charging_periods: list[ChargingPeriod] | None = None
    total_cost: Price | None = None
    """What the eMSP pays the CPO; absent does not mean free, ``0.00`` does."""
    status: SessionStatus
    last_updated: DateTime


# mod_sessions.asciidoc "PATCH Method": only the changed fields, and last_updated always.
SessionPatch = patch_model(Session, "SessionPatch")
