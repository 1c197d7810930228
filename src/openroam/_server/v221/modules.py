"""Which OCPI 2.2.1 module interfaces this node serves, by the roles of its own parties, and
which partner roles may call each of them.

The version details endpoint lists exactly these (version_information_endpoint.asciidoc). Each
functional module adds its entry here when its routes exist.

``callers`` is the one table of who may use an interface: a partner may call it when one of the
roles granted to it and registered (``Caller.roles``) is in that set, or it is a Hub (a Hub
routes every role's messages, transport_and_format.asciidoc "Message Routing"). Each module's
"Interfaces and Endpoints" names the two sides: the Receiver of an object module takes pushes
from the data owner's role, its Sender is read by the roles that receive the objects
(docs/spec-decisions.md "Which partner roles may call an interface").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from openroam.models.v221.types import Role
from openroam.models.v221.versions import InterfaceRole, ModuleID

__all__ = ["MODULES", "ServedModule", "interface", "may_call", "served_modules"]

_ALL_ROLES = frozenset(Role)


@dataclass(frozen=True, slots=True)
class ServedModule:
    identifier: ModuleID
    role: InterfaceRole
    #: the own-party roles for which this interface is served
    for_roles: frozenset[Role]
    #: the path under /ocpi/2.2.1/
    path: str
    #: the partner roles that may call this interface (a Hub always may)
    callers: frozenset[Role] = frozenset()


# A Hub serves both interfaces of every functional module: it routes each request to the party
# it is addressed to (transport_and_format.asciidoc "Message Routing"), answers GET All from
# what it holds and broadcasts pushes addressed to itself.
_HUB = frozenset({Role.HUB})
_CPO = frozenset({Role.CPO})
# Parties that receive Locations and Tariffs (mod_locations, mod_tariffs: eMSP, NSP, NAP).
_LOCATION_RECEIVERS = frozenset({Role.EMSP, Role.NSP, Role.NAP, Role.OTHER})
_EMSP = frozenset({Role.EMSP})
# mod_hub_client_info: every party connected to a Hub receives ClientInfo.
_HUB_CLIENTS = frozenset(Role) - _HUB
# mod_charging_profiles: the Sender is an eMSP or an SCSP.
_PROFILE_SENDERS = frozenset({Role.EMSP, Role.SCSP})
# Who reads a CPO's Locations and Tariffs: the roles that receive them ("Typically implemented
# by market roles like: eMSP and NSP"; NAP and OTHER take them as an eMSP would, the Broadcast
# Push rule of transport_and_format.asciidoc: "Other" is "an eMSP type of role"; SCSP plans
# charging at them).
_LOCATION_READERS = frozenset({Role.EMSP, Role.NSP, Role.NAP, Role.OTHER, Role.SCSP})

MODULES: tuple[ServedModule, ...] = (
    # credentials: the role value is irrelevant; advice is SENDER (version_information_endpoint
    # NOTE), and it is listed once. Any partner with a token may call it.
    ServedModule(ModuleID.CREDENTIALS, InterfaceRole.SENDER, _ALL_ROLES, "credentials", _ALL_ROLES),
    ServedModule(
        ModuleID.LOCATIONS, InterfaceRole.SENDER, _CPO | _HUB, "sender/locations", _LOCATION_READERS
    ),
    ServedModule(
        ModuleID.LOCATIONS,
        InterfaceRole.RECEIVER,
        _LOCATION_RECEIVERS | _HUB,
        "receiver/locations",
        _CPO,
    ),
    ServedModule(
        ModuleID.TARIFFS, InterfaceRole.SENDER, _CPO | _HUB, "sender/tariffs", _LOCATION_READERS
    ),
    ServedModule(
        ModuleID.TARIFFS,
        InterfaceRole.RECEIVER,
        _LOCATION_RECEIVERS | _HUB,
        "receiver/tariffs",
        _CPO,
    ),
    # mod_tokens: the eMSP owns Tokens; the CPO reads them and asks for real-time authorization.
    ServedModule(ModuleID.TOKENS, InterfaceRole.SENDER, _EMSP | _HUB, "sender/tokens", _CPO),
    ServedModule(ModuleID.TOKENS, InterfaceRole.RECEIVER, _CPO | _HUB, "receiver/tokens", _EMSP),
    # mod_cdrs, mod_sessions: the CPO owns them; the eMSP of the driver's token reads them
    # (and PUTs charging preferences on the Sessions Sender).
    ServedModule(ModuleID.CDRS, InterfaceRole.SENDER, _CPO | _HUB, "sender/cdrs", _EMSP),
    ServedModule(ModuleID.CDRS, InterfaceRole.RECEIVER, _EMSP | _HUB, "receiver/cdrs", _CPO),
    ServedModule(ModuleID.SESSIONS, InterfaceRole.SENDER, _CPO | _HUB, "sender/sessions", _EMSP),
    ServedModule(
        ModuleID.SESSIONS, InterfaceRole.RECEIVER, _EMSP | _HUB, "receiver/sessions", _CPO
    ),
    # mod_commands: the eMSP sends commands to the CPO's Receiver.
    ServedModule(
        ModuleID.COMMANDS, InterfaceRole.RECEIVER, _CPO | _HUB, "receiver/commands", _EMSP
    ),
    # mod_commands "Sender Interface": where CommandResults arrive (each command names its own
    # response_url under it); the CPO posts them.
    ServedModule(ModuleID.COMMANDS, InterfaceRole.SENDER, _EMSP | _HUB, "sender/commands", _CPO),
    # mod_charging_profiles: the eMSP or SCSP sends requests to the CPO's Receiver; the CPO posts
    # results and ActiveChargingProfiles to the Sender.
    ServedModule(
        ModuleID.CHARGINGPROFILES,
        InterfaceRole.RECEIVER,
        _CPO | _HUB,
        "receiver/chargingprofiles",
        _PROFILE_SENDERS,
    ),
    ServedModule(
        ModuleID.CHARGINGPROFILES,
        InterfaceRole.SENDER,
        _PROFILE_SENDERS | _HUB,
        "sender/chargingprofiles",
        _CPO,
    ),
    # mod_hub_client_info: a Configuration module (no routing headers). The Hub's Sender
    # serves the ClientInfo list to every connected party; each party's Receiver takes the
    # Hub's PUTs (a Hub always may call an interface: ``callers`` stays empty).
    ServedModule(
        ModuleID.HUBCLIENTINFO,
        InterfaceRole.SENDER,
        _HUB,
        "sender/hubclientinfo",
        _HUB_CLIENTS,
    ),
    ServedModule(
        ModuleID.HUBCLIENTINFO, InterfaceRole.RECEIVER, _HUB_CLIENTS, "receiver/hubclientinfo"
    ),
)

_BY_INTERFACE = {(m.identifier, m.role): m for m in MODULES}


def interface(module: ModuleID, role: InterfaceRole) -> ServedModule:
    """The entry of one interface (``KeyError`` for one this node does not implement)."""
    return _BY_INTERFACE[(module, role)]


def may_call(caller_roles: Iterable[str], module: ModuleID, role: InterfaceRole) -> bool:
    """Whether a partner with these roles (granted and registered) may call the interface."""
    allowed = interface(module, role).callers
    return any(r == Role.HUB or r in allowed for r in caller_roles)


def served_modules(roles: Iterable[Role]) -> list[ServedModule]:
    """The interfaces served for a platform hosting parties with these roles."""
    own = frozenset(roles)
    return [module for module in MODULES if module.for_roles & own]
