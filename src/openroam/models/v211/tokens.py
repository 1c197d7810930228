"""OCPI 2.1.1 mod_tokens.md: the Token object, AuthorizationInfo and their enums.

Transcribed from the 2.1.1 tables (mod_tokens.md 3.1, 3.2, 4.1-4.4). Unlike 2.2.1, a 2.1.1 Token
has no ``country_code``/``party_id``/``contract_id``/``group_id``/``default_profile_type``/
``energy_contract``; it has ``auth_id`` (the contract id). :class:`TokenType` has only ``OTHER``
and ``RFID``; the authorization answer's enum is named ``Allowed`` (2.2.1: ``AllowedType``);
:class:`AuthorizationInfo` carries no Token and no ``authorization_reference``, and
:class:`LocationReferences` has ``connector_ids`` beside ``evse_uids``.

Import order of the v211 package: types → tokens → locations → tariffs → cdrs → sessions →
commands. This module imports nothing from the later ones.
"""

from __future__ import annotations

from enum import StrEnum

from openroam.models.common import DateTime, OcpiModel, patch_model
from openroam.models.v211.types import DisplayText, String2, String36, String39, String64

__all__ = [
    "Allowed",
    "AuthorizationInfo",
    "LocationReferences",
    "Token",
    "TokenPatch",
    "TokenType",
    "WhitelistType",
]


class Allowed(StrEnum):
    """mod_tokens.md 4.1 "Allowed enum": the answer of a real-time authorization."""

    ALLOWED = "ALLOWED"
    BLOCKED = "BLOCKED"
    EXPIRED = "EXPIRED"
    NO_CREDIT = "NO_CREDIT"
    NOT_ALLOWED = "NOT_ALLOWED"


class TokenType(StrEnum):
    """mod_tokens.md 4.3 "TokenType enum"."""

    OTHER = "OTHER"
    RFID = "RFID"


class WhitelistType(StrEnum):
    """mod_tokens.md 4.4 "WhitelistType enum": when the CPO may authorize without asking."""

    ALWAYS = "ALWAYS"
    ALLOWED = "ALLOWED"
    ALLOWED_OFFLINE = "ALLOWED_OFFLINE"
    NEVER = "NEVER"


class LocationReferences(OcpiModel):
    """mod_tokens.md 4.2 "LocationReferences class": where a Token wants to charge."""

    location_id: String39
    evse_uids: list[String39] | None = None
    connector_ids: list[String36] | None = None


class Token(OcpiModel):
    """mod_tokens.md 3.2 "Token Object": ``uid`` and ``type`` together are unique at the eMSP."""

    uid: String36
    type: TokenType
    auth_id: String36
    """The EV driver's contract id within the eMSP's platform (eMA ID recommended)."""
    visual_number: String64 | None = None
    issuer: String64
    valid: bool
    whitelist: WhitelistType
    language: String2 | None = None
    last_updated: DateTime


class AuthorizationInfo(OcpiModel):
    """mod_tokens.md 3.1 "AuthorizationInfo Object": the answer to POST .../authorize."""

    allowed: Allowed
    location: LocationReferences | None = None
    """Only the EVSEs/Connectors the driver is allowed to charge at."""
    info: DisplayText | None = None


# mod_tokens.md 2.1.2 "PATCH Method": only the fields to update (its example: {"valid": false}).
TokenPatch = patch_model(Token, "TokenPatch", required=())
