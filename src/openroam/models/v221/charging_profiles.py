"""OCPI 2.2.1 mod_charging_profiles.asciidoc: smart-charging limits for a running Session.

The Sender (SCSP or eMSP) PUTs a :class:`SetChargingProfile`, GETs the active profile or DELETEs
it; the CPO answers each request at once with a :class:`ChargingProfileResponse` and later POSTs
the outcome (:class:`ChargingProfileResult`, :class:`ActiveChargingProfileResult`,
:class:`ClearProfileResult`) to the ``response_url``.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator

from openroam.models.common import URL, DateTime, Int, Number, OcpiModel

__all__ = [
    "ActiveChargingProfile",
    "ActiveChargingProfileResult",
    "ChargingProfile",
    "ChargingProfilePeriod",
    "ChargingProfileResponse",
    "ChargingProfileResponseType",
    "ChargingProfileResult",
    "ChargingProfileResultType",
    "ChargingRateUnit",
    "ClearProfileResult",
    "SetChargingProfile",
]


def _at_most_one_decimal(value: Decimal) -> Decimal:
    # mod_charging_profiles.asciidoc "ChargingProfile" (min_charging_rate) and
    # "ChargingProfilePeriod" (limit): "Accepts at most one digit fraction (e.g. 8.1)".
    # Trailing zeros carry no digit (8.10 is 8.1), so compare the normalised exponent.
    exponent = value.normalize().as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -1:
        raise ValueError(f"{value} has more than one fractional digit (at most one, e.g. 8.1)")
    return value


Rate = Annotated[Number, AfterValidator(_at_most_one_decimal)]
"""A charging rate in W or A: an OCPI number with at most one fractional digit."""


class ChargingRateUnit(StrEnum):
    """mod_charging_profiles.asciidoc "ChargingRateUnit"."""

    W = "W"
    """Watts: the total allowed charging power (usual for DC)."""
    A = "A"
    """Amperes per phase, not the sum of all phases (usual for AC)."""


class ChargingProfileResponseType(StrEnum):
    """mod_charging_profiles.asciidoc "ChargingProfileResponseType": the CPO's own answer."""

    ACCEPTED = "ACCEPTED"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    TOO_OFTEN = "TOO_OFTEN"
    UNKNOWN_SESSION = "UNKNOWN_SESSION"


class ChargingProfileResultType(StrEnum):
    """mod_charging_profiles.asciidoc "ChargingProfileResultType": the EVSE's later result."""

    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    UNKNOWN = "UNKNOWN"


class ChargingProfilePeriod(OcpiModel):
    """mod_charging_profiles.asciidoc "ChargingProfilePeriod"."""

    start_period: Int
    """Seconds from the start of the profile; also ends the previous period."""
    limit: Rate
    """Maximum rate in the profile's ``charging_rate_unit``."""


class ChargingProfile(OcpiModel):
    """mod_charging_profiles.asciidoc "ChargingProfile": maximum limits over time, not targets."""

    start_date_time: DateTime | None = None
    """Start of an absolute profile; absent means relative to the start of charging."""
    duration: Int | None = None
    """Seconds; absent means the last period continues indefinitely."""
    charging_rate_unit: ChargingRateUnit
    min_charging_rate: Rate | None = None
    charging_profile_period: list[ChargingProfilePeriod] | None = None


class ActiveChargingProfile(OcpiModel):
    """mod_charging_profiles.asciidoc "ActiveChargingProfile": the profile in force at an EVSE."""

    start_date_time: DateTime
    """When the Charge Point calculated this profile; its times are relative to this moment."""
    charging_profile: ChargingProfile


class SetChargingProfile(OcpiModel):
    """mod_charging_profiles.asciidoc "SetChargingProfile": the body of a Receiver PUT."""

    charging_profile: ChargingProfile
    response_url: URL
    """Where the CPO POSTs the :class:`ChargingProfileResult`."""


class ChargingProfileResponse(OcpiModel):
    """mod_charging_profiles.asciidoc "ChargingProfileResponse": the synchronous answer."""

    result: ChargingProfileResponseType
    timeout: Int
    """Seconds the Sender waits for the result; after it the result may never come."""


class ActiveChargingProfileResult(OcpiModel):
    """mod_charging_profiles.asciidoc "ActiveChargingProfileResult": result of a GET."""

    result: ChargingProfileResultType
    profile: ActiveChargingProfile | None = None
    """The active profile, when ``result`` is ``ACCEPTED``."""


class ChargingProfileResult(OcpiModel):
    """mod_charging_profiles.asciidoc "ChargingProfileResult": result of a PUT."""

    result: ChargingProfileResultType


class ClearProfileResult(OcpiModel):
    """mod_charging_profiles.asciidoc "ClearProfileResult": result of a DELETE."""

    result: ChargingProfileResultType
