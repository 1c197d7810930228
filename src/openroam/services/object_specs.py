"""What differs between the client-owned object modules (Locations, Tariffs, Tokens).

transport_and_format.asciidoc "Client Owned Object Push": the owner PUTs and PATCHes objects to
``{endpoint}/{country_code}/{party_id}/{object_id}[/…]`` on the receiver; the receiver's partner may
pull them from the owner's Sender GET list. Each module differs in its id field, its sub-objects,
which methods it offers and which role owns it.
"""

from __future__ import annotations

from dataclasses import dataclass

from openroam.models.common import OcpiModel
from openroam.models.v221.locations import (
    EVSE,
    Connector,
    ConnectorPatch,
    EVSEPatch,
    Location,
    LocationPatch,
)
from openroam.models.v221.tariffs import Tariff
from openroam.models.v221.tokens import Token, TokenPatch
from openroam.models.v221.types import Role
from openroam.models.v221.versions import ModuleID

__all__ = ["LOCATIONS", "SPECS", "TARIFFS", "TOKENS", "Level", "ModuleSpec"]


@dataclass(frozen=True, slots=True)
class Level:
    """One level of an object tree: the Location itself, an EVSE, a Connector."""

    model: type[OcpiModel]
    patch_model: type[OcpiModel] | None
    #: the id field of this level ("id", "uid")
    id_field: str
    #: the list field of the parent holding objects of this level (None for the top level)
    list_field: str | None = None


@dataclass(frozen=True, slots=True)
class ModuleSpec:
    module: ModuleID
    #: the top level first, then the nested levels that have their own URLs
    levels: tuple[Level, ...]
    #: the role of the party that owns these objects ("Data owner" in each module chapter)
    owner_role: Role
    #: the role of a party that receives these objects (our role on the Receiver interface)
    receiver_role: Role
    allows_patch: bool
    allows_delete: bool
    #: Tokens are identified by uid *and* type (mod_tokens "Token object")
    typed: bool = False

    @property
    def top(self) -> Level:
        return self.levels[0]


LOCATIONS = ModuleSpec(
    module=ModuleID.LOCATIONS,
    levels=(
        Level(Location, LocationPatch, "id"),
        Level(EVSE, EVSEPatch, "uid", "evses"),
        Level(Connector, ConnectorPatch, "id", "connectors"),
    ),
    owner_role=Role.CPO,
    receiver_role=Role.EMSP,
    allows_patch=True,
    # mod_locations: no DELETE; an EVSE is removed with status REMOVED.
    allows_delete=False,
)

TARIFFS = ModuleSpec(
    module=ModuleID.TARIFFS,
    levels=(Level(Tariff, None, "id"),),
    owner_role=Role.CPO,
    receiver_role=Role.EMSP,
    # mod_tariffs: PATCH was removed in 2.2; all changes via PUT; DELETE removes a Tariff.
    allows_patch=False,
    allows_delete=True,
)

TOKENS = ModuleSpec(
    module=ModuleID.TOKENS,
    levels=(Level(Token, TokenPatch, "uid"),),
    owner_role=Role.EMSP,
    receiver_role=Role.CPO,
    allows_patch=True,
    # mod_tokens: tokens are never deleted; PATCH valid=false invalidates one.
    allows_delete=False,
    typed=True,
)

SPECS: dict[str, ModuleSpec] = {str(spec.module): spec for spec in (LOCATIONS, TARIFFS, TOKENS)}
