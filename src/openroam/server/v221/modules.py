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


MODULES: tuple[ServedModule, ...] = (
    # credentials: the role value is irrelevant; advice is SENDER (version_information_endpoint
    # NOTE), and it is listed once.
    ServedModule(ModuleID.CREDENTIALS, InterfaceRole.SENDER, _ALL_ROLES, "credentials"),
)


def served_modules(roles: Iterable[Role]) -> list[ServedModule]:
    """The interfaces served for a platform hosting parties with these roles."""
    own = frozenset(roles)
    return [module for module in MODULES if module.for_roles & own]
