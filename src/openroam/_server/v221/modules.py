"""Which OCPI 2.2.1 module interfaces this node serves, by the roles of its own parties.

The version details endpoint lists exactly these (version_information_endpoint.asciidoc). Each
functional module adds its entry here when its routes exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from openroam.models.v221.types import Role
from openroam.models.v221.versions import InterfaceRole, ModuleID

__all__ = ["MODULES", "ServedModule", "served_modules"]

_ALL_ROLES = frozenset(Role)


@dataclass(frozen=True, slots=True)
class ServedModule:
    identifier: ModuleID
    role: InterfaceRole
    #: the own-party roles for which this interface is served
    for_roles: frozenset[Role]
    #: the path under /ocpi/2.2.1/
    path: str


_CPO = frozenset({Role.CPO})
# Parties that receive Locations and Tariffs (mod_locations, mod_tariffs: eMSP, NSP, NAP).
_LOCATION_RECEIVERS = frozenset({Role.EMSP, Role.NSP, Role.NAP, Role.OTHER})
_EMSP = frozenset({Role.EMSP})
# mod_charging_profiles: the Sender is an eMSP or an SCSP.
_PROFILE_SENDERS = frozenset({Role.EMSP, Role.SCSP})

MODULES: tuple[ServedModule, ...] = (
    # credentials: the role value is irrelevant; advice is SENDER (version_information_endpoint
    # NOTE), and it is listed once.
    ServedModule(ModuleID.CREDENTIALS, InterfaceRole.SENDER, _ALL_ROLES, "credentials"),
    ServedModule(ModuleID.LOCATIONS, InterfaceRole.SENDER, _CPO, "sender/locations"),
    ServedModule(
        ModuleID.LOCATIONS, InterfaceRole.RECEIVER, _LOCATION_RECEIVERS, "receiver/locations"
    ),
    ServedModule(ModuleID.TARIFFS, InterfaceRole.SENDER, _CPO, "sender/tariffs"),
    ServedModule(ModuleID.TARIFFS, InterfaceRole.RECEIVER, _LOCATION_RECEIVERS, "receiver/tariffs"),
    ServedModule(ModuleID.TOKENS, InterfaceRole.SENDER, _EMSP, "sender/tokens"),
    ServedModule(ModuleID.TOKENS, InterfaceRole.RECEIVER, _CPO, "receiver/tokens"),
    ServedModule(ModuleID.CDRS, InterfaceRole.SENDER, _CPO, "sender/cdrs"),
    ServedModule(ModuleID.CDRS, InterfaceRole.RECEIVER, _EMSP, "receiver/cdrs"),
    ServedModule(ModuleID.SESSIONS, InterfaceRole.SENDER, _CPO, "sender/sessions"),
    ServedModule(ModuleID.SESSIONS, InterfaceRole.RECEIVER, _EMSP, "receiver/sessions"),
    ServedModule(ModuleID.COMMANDS, InterfaceRole.RECEIVER, _CPO, "receiver/commands"),
    # mod_commands "Sender Interface": where CommandResults arrive (each command names its own
    # response_url under it).
    ServedModule(ModuleID.COMMANDS, InterfaceRole.SENDER, _EMSP, "sender/commands"),
    ServedModule(
        ModuleID.CHARGINGPROFILES, InterfaceRole.RECEIVER, _CPO, "receiver/chargingprofiles"
    ),
    ServedModule(
        ModuleID.CHARGINGPROFILES,
        InterfaceRole.SENDER,
        _PROFILE_SENDERS,
        "sender/chargingprofiles",
    ),
)


def served_modules(roles: Iterable[Role]) -> list[ServedModule]:
    """The interfaces served for a platform hosting parties with these roles."""
    own = frozenset(roles)
    return [module for module in MODULES if module.for_roles & own]
