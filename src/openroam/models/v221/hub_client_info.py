"""OCPI 2.2.1 mod_hub_client_info.asciidoc: ClientInfo and ConnectionStatus.

A Hub owns these objects and pushes them to every connected party; they are never deleted
(a party that will never connect again is ``SUSPENDED``).
"""

from __future__ import annotations

from enum import StrEnum

from openroam.models.common import CiString2, CiString3, DateTime, OcpiModel
from openroam.models.v221.types import Role

__all__ = ["ClientInfo", "ConnectionStatus"]


class ConnectionStatus(StrEnum):
    """ "ConnectionStatus enum": the state of a Hub's connection to a party."""

    CONNECTED = "CONNECTED"
    OFFLINE = "OFFLINE"
    PLANNED = "PLANNED"
    SUSPENDED = "SUSPENDED"


class ClientInfo(OcpiModel):
    """ "ClientInfo Object": one party connected to the Hub, as in its credentials."""

    party_id: CiString3
    country_code: CiString2
    role: Role
    status: ConnectionStatus
    last_updated: DateTime
