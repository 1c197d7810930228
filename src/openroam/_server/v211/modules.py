"""Which OCPI 2.1.1 module endpoints this node serves, and where.

2.1.1 has no Sender/Receiver roles on an endpoint (version_information_endpoint.md "Endpoint
class": ``identifier`` and ``url`` only), and one connection is between one CPO and one eMSP:
each side lists the endpoints of its own role. A node hosting a CPO party serves the CPO side
under ``/ocpi/2.1.1/cpo/``, one hosting an eMSP party the eMSP side under ``/ocpi/2.1.1/emsp/``;
the version details a caller reads list the side opposite to the caller's granted role
(``_server/v211/versions.py``).

``interface`` says which 2.2.1 interface the endpoint corresponds to, so the rules of who may
call it are those of :mod:`openroam._server.v221.modules`.
"""

from __future__ import annotations

from dataclasses import dataclass

from openroam.models.v221.types import Role
from openroam.models.v221.versions import InterfaceRole, ModuleID

__all__ = ["BASE", "MODULES", "ServedModule", "served_modules"]

BASE = "/ocpi/2.1.1"


@dataclass(frozen=True, slots=True)
class ServedModule:
    identifier: ModuleID
    #: the own-party role whose side this is (CPO or EMSP)
    side: Role
    #: the 2.2.1 interface with the same rules (who may call it, what it does)
    interface: InterfaceRole
    #: the path under /ocpi/2.1.1/
    path: str


def _cpo(module: ModuleID, interface: InterfaceRole) -> ServedModule:
    return ServedModule(module, Role.CPO, interface, f"cpo/{module}")


def _emsp(module: ModuleID, interface: InterfaceRole) -> ServedModule:
    return ServedModule(module, Role.EMSP, interface, f"emsp/{module}")


MODULES: tuple[ServedModule, ...] = (
    # The CPO side: its objects' Senders, the Tokens Receiver, the Commands Receiver.
    _cpo(ModuleID.LOCATIONS, InterfaceRole.SENDER),
    _cpo(ModuleID.TARIFFS, InterfaceRole.SENDER),
    _cpo(ModuleID.SESSIONS, InterfaceRole.SENDER),
    _cpo(ModuleID.CDRS, InterfaceRole.SENDER),
    _cpo(ModuleID.TOKENS, InterfaceRole.RECEIVER),
    _cpo(ModuleID.COMMANDS, InterfaceRole.RECEIVER),
    # The eMSP side: the CPO's objects' Receivers, the Tokens Sender (with real-time
    # authorization), and where command results arrive (each command's response_url).
    _emsp(ModuleID.LOCATIONS, InterfaceRole.RECEIVER),
    _emsp(ModuleID.TARIFFS, InterfaceRole.RECEIVER),
    _emsp(ModuleID.SESSIONS, InterfaceRole.RECEIVER),
    _emsp(ModuleID.CDRS, InterfaceRole.RECEIVER),
    _emsp(ModuleID.TOKENS, InterfaceRole.SENDER),
    _emsp(ModuleID.COMMANDS, InterfaceRole.SENDER),
)


def served_modules(side: Role) -> list[ServedModule]:
    """The endpoints of one side (``Role.CPO`` or ``Role.EMSP``); credentials is listed apart."""
    return [module for module in MODULES if module.side == side]
