"""OCPI 2.1.1 version_information_endpoint.md: Version, VersionDetails, Endpoint.

2.1.1's Endpoint is ``{identifier, url}``: no InterfaceRole (version_information_endpoint.md
"Endpoint class"); one connection is between one CPO and one eMSP, and each side lists the
endpoints of its own role. ``Endpoint.identifier`` also accepts custom module ids
("Custom Modules"), kept as plain strings; ``Version.version`` any version string, so a versions
list naming newer versions still reads (the client skips what it does not know).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from openroam.models.common import CiString255, OcpiModel
from openroam.models.v211.types import URL, String

__all__ = ["Endpoint", "ModuleID", "Version", "VersionDetails", "VersionNumber"]


class VersionNumber(StrEnum):
    """version_information_endpoint.md "VersionNumber enum" (2.1 is deprecated)."""

    V2_0 = "2.0"
    V2_1 = "2.1"
    V2_1_1 = "2.1.1"


class ModuleID(StrEnum):
    """version_information_endpoint.md "ModuleID enum": the modules of OCPI 2.1.1."""

    CDRS = "cdrs"
    COMMANDS = "commands"
    CREDENTIALS = "credentials"
    LOCATIONS = "locations"
    SESSIONS = "sessions"
    TARIFFS = "tariffs"
    TOKENS = "tokens"


class Version(OcpiModel):
    """version_information_endpoint.md "Version class"."""

    # left_to_right: a known number must become the enum member, not the plain string.
    version: Annotated[VersionNumber | String, Field(union_mode="left_to_right")]
    url: URL


class Endpoint(OcpiModel):
    """version_information_endpoint.md "Endpoint class": identifier and url only."""

    # left_to_right: a standard id must become the ModuleID member, not the plain string.
    identifier: Annotated[ModuleID | CiString255, Field(union_mode="left_to_right")]
    url: URL


class VersionDetails(OcpiModel):
    """version_information_endpoint.md "Version details endpoint", Data."""

    version: VersionNumber
    endpoints: Annotated[list[Endpoint], Field(min_length=1)]
