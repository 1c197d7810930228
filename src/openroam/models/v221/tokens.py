"""OCPI 2.2.1 mod_tokens.asciidoc: the Token object, its classes and enums.

``ProfileType`` is defined in mod_sessions.asciidoc ("ProfileType enum"), but it lives here:
``Token.default_profile_type`` needs it, and ``sessions`` imports ``cdrs``, which imports
``tokens`` (for ``TokenType``). Defining it in ``sessions`` would close the cycle
tokens → sessions → cdrs → tokens. ``openroam.models.v221.sessions`` re-exports it, so it is
reachable under its own chapter's name too.

Import order of the v221 package: types → tokens → locations → (tariffs, cdrs, sessions).
This module imports nothing from the later ones.
"""

from __future__ import annotations

from enum import StrEnum

from openroam.models.common import (
    CiString2,
    CiString3,
    CiString36,
    DateTime,
    OcpiModel,
    String2,
    String64,
    patch_model,
)
from openroam.models.v221.types import DisplayText

__all__ = [
    "AllowedType",
    "AuthorizationInfo",
    "EnergyContract",
    "LocationReferences",
    "ProfileType",
    "Token",
    "TokenPatch",
    "TokenType",
    "WhitelistType",
]


class AllowedType(StrEnum):
    """mod_tokens.asciidoc "AllowedType enum": the answer of a real-time authorization."""

    ALLOWED = "ALLOWED"
    BLOCKED = "BLOCKED"
    EXPIRED = "EXPIRED"
    NO_CREDIT = "NO_CREDIT"
    NOT_ALLOWED = "NOT_ALLOWED"


class TokenType(StrEnum):
    """mod_tokens.asciidoc "TokenType enum"."""

    AD_HOC_USER = "AD_HOC_USER"
    APP_USER = "APP_USER"
    OTHER = "OTHER"
    RFID = "RFID"


class WhitelistType(StrEnum):
    """mod_tokens.asciidoc "WhitelistType enum": when the CPO may authorize without asking."""

    ALWAYS = "ALWAYS"
    ALLOWED = "ALLOWED"
    ALLOWED_OFFLINE = "ALLOWED_OFFLINE"
    NEVER = "NEVER"


class ProfileType(StrEnum):
    """mod_sessions.asciidoc "ProfileType enum": a driver's smart-charging preference.

    Defined here, not in ``sessions``, to break the import cycle described in the module
    docstring; ``sessions`` re-exports it.
    """

    CHEAP = "CHEAP"
    FAST = "FAST"
    GREEN = "GREEN"
    REGULAR = "REGULAR"


class EnergyContract(OcpiModel):
    """mod_tokens.asciidoc "EnergyContract class": the driver's own energy supplier."""

    supplier_name: String64
    contract_id: String64 | None = None


class LocationReferences(OcpiModel):
    """mod_tokens.asciidoc "LocationReferences class": where a Token wants to charge."""

    location_id: CiString36
    evse_uids: list[CiString36] | None = None


class Token(OcpiModel):
    """mod_tokens.asciidoc "Token Object".

    Identified by (``country_code``, ``party_id``, ``uid``, ``type``); ``uid`` and ``type``
    together are unique within the eMSP.
    """

    country_code: CiString2
    party_id: CiString3
    uid: CiString36
    type: TokenType
    contract_id: CiString36
    visual_number: String64 | None = None
    issuer: String64
    group_id: CiString36 | None = None
    valid: bool
    whitelist: WhitelistType
    language: String2 | None = None
    default_profile_type: ProfileType | None = None
    energy_contract: EnergyContract | None = None
    last_updated: DateTime


class AuthorizationInfo(OcpiModel):
    """mod_tokens.asciidoc "AuthorizationInfo Object": the answer to POST .../authorize."""

    allowed: AllowedType
    token: Token
    """The complete Token object for which this authorization was requested."""
    location: LocationReferences | None = None
    """Only the EVSEs the driver is allowed to charge at."""
    authorization_reference: CiString36 | None = None
    info: DisplayText | None = None


# mod_tokens.asciidoc "PATCH Method": a PATCH holds only the changed fields, plus last_updated.
TokenPatch = patch_model(Token, "TokenPatch")
