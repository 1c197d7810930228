"""OCPI 2.2.1 version_information_endpoint.asciidoc: Version, VersionDetails, Endpoint.

Two places accept more than the spec's enums, on purpose:

* ``Endpoint.identifier`` is a :class:`ModuleID` or a custom module id. "Custom Modules" allows
  parties to extend ModuleID with their own ids, advised to be prefixed (``nltnm-tokens``), so
  a version details list may hold ids this platform does not know. They are kept as plain
  strings (CiString(255)); a standard id is always read as the :class:`ModuleID` member.
* ``Version.version`` is a :class:`VersionNumber` or any other version string. A partner's
  versions list names every version it supports, including ones newer than this enum (2.3.0);
  a client must skip those, not fail to read the whole list. ``VersionDetails.version`` is
  strictly a :class:`VersionNumber`: details are only fetched for a version both sides know.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from openroam.models.common import URL, CiString255, OcpiModel, String

__all__ = [
    "Endpoint",
    "InterfaceRole",
    "ModuleID",
    "Version",
    "VersionDetails",
    "VersionNumber",
    "choose_version",
    "version_key",
]


class VersionNumber(StrEnum):
    """ "VersionNumber enum": the known OCPI versions (2.1 and 2.2 are deprecated)."""

    V2_0 = "2.0"
    V2_1 = "2.1"
    V2_1_1 = "2.1.1"
    V2_2 = "2.2"
    V2_2_1 = "2.2.1"


class InterfaceRole(StrEnum):
    """ "InterfaceRole enum": which side of a module an endpoint implements.

    For ``credentials`` the role means nothing: publish SENDER and ignore what a peer sends.
    """

    SENDER = "SENDER"
    RECEIVER = "RECEIVER"


class ModuleID(StrEnum):
    """ "ModuleID enum": the standard modules of OCPI 2.2.1. Members are the ids in capitals."""

    CDRS = "cdrs"
    CHARGINGPROFILES = "chargingprofiles"
    COMMANDS = "commands"
    CREDENTIALS = "credentials"
    HUBCLIENTINFO = "hubclientinfo"
    LOCATIONS = "locations"
    SESSIONS = "sessions"
    TARIFFS = "tariffs"
    TOKENS = "tokens"


class Version(OcpiModel):
    """ "Version class": one entry of the version information endpoint."""

    # left_to_right: a known number must become the enum member, not the plain string.
    version: Annotated[VersionNumber | String, Field(union_mode="left_to_right")]
    url: URL
    """The version details endpoint of this version."""


class Endpoint(OcpiModel):
    """ "Endpoint class": where one module's interface of one role is served."""

    # left_to_right: a standard id must become the ModuleID member, not the plain string.
    identifier: Annotated[ModuleID | CiString255, Field(union_mode="left_to_right")]
    role: InterfaceRole
    url: URL


class VersionDetails(OcpiModel):
    """Version details endpoint "Data": the modules supported in one version."""

    version: VersionNumber
    endpoints: Annotated[list[Endpoint], Field(min_length=1)]


def version_key(version: str) -> tuple[int, ...] | None:
    """``"2.2.1"`` → ``(2, 2, 1)``; ``None`` for a string that is not a dotted number.

    Tuples order versions as numbers do, so ``2.2.1 > 2.2 > 2.1.1 > 2.0`` (as strings,
    ``"2.10" < "2.9"``).
    """
    parts = version.split(".")
    if not all(part.isdecimal() for part in parts):
        return None
    return tuple(int(part) for part in parts)


def choose_version(ours: Iterable[str], theirs: list[Version]) -> Version | None:
    """The partner's entry for the highest version both sides support, or ``None``.

    credentials.asciidoc registration sequence: the initiator picks the latest mutual version.
    ``None`` is what the caller reports as 3002 Unsupported version.
    """
    supported = {key for key in map(version_key, ours) if key is not None}
    best: tuple[tuple[int, ...], Version] | None = None
    for candidate in theirs:
        key = version_key(str(candidate.version))
        if key in supported and (best is None or key > best[0]):
            best = (key, candidate)
    return best[1] if best else None
