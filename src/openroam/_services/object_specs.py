"""What differs between the roaming object modules (Locations, Tariffs, Tokens, Sessions, CDRs).

transport_and_format.asciidoc "Client Owned Object Push": the owner PUTs and PATCHes objects to
``{endpoint}/{country_code}/{party_id}/{object_id}[/…]`` on the receiver; the receiver's partner may
pull them from the owner's Sender GET list. Each module differs in its id field, its sub-objects,
which methods it offers and which role owns it. CDRs are the exception to the push pattern: the
owner POSTs each new CDR to the receiver's endpoint, and a stored CDR never changes (mod_cdrs
"Push model", "Flow and Lifecycle").
"""

from __future__ import annotations

from dataclasses import dataclass

from openroam.models.common import OcpiModel
from openroam.models.v221.cdrs import CDR
from openroam.models.v221.locations import (
    EVSE,
    Connector,
    ConnectorPatch,
    EVSEPatch,
    Location,
    LocationPatch,
)
from openroam.models.v221.sessions import Session, SessionPatch
from openroam.models.v221.tariffs import Tariff
from openroam.models.v221.tokens import Token, TokenPatch
from openroam.models.v221.types import Role
from openroam.models.v221.versions import ModuleID

__all__ = ["CDRS", "LOCATIONS", "SESSIONS", "SPECS", "TARIFFS", "TOKENS", "Level", "ModuleSpec"]


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
    #: CDRs: POSTed once to the receiver's endpoint and never changed afterwards (mod_cdrs
    #: "Receiver Interface": PUT, PATCH and DELETE are n/a); the others are PUT at
    #: ``{endpoint}/{country_code}/{party_id}/{id}`` and may change
    posted: bool = False
    #: the longest object id (CDR ids have 39 characters, for a credit suffix)
    id_limit: int = 36
    #: the field naming the party an object concerns besides its owner (Sessions, CDRs:
    #: "cdr_token"); its objects are delivered to and readable by that party only
    #: (services.addressing)
    counterparty_field: str | None = None
    #: list fields a PATCH appends to instead of replacing (mod_sessions "PATCH Method":
    #: charging_periods)
    append_fields: tuple[str, ...] = ()
    #: the field whose value is kept (folded) in ``ocpi_objects.contract_id``, indexed: Tokens'
    #: "contract_id", which a 2.1.1 Session or CDR names by ``auth_id`` (mod_sessions.md 3.1)
    contract_field: str | None = None

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
    contract_field="contract_id",
)

CDRS = ModuleSpec(
    module=ModuleID.CDRS,
    levels=(Level(CDR, None, "id"),),
    owner_role=Role.CPO,
    receiver_role=Role.EMSP,
    allows_patch=False,
    allows_delete=False,
    posted=True,
    # mod_cdrs "CDR Object": id is CiString(39) so a Credit CDR can append to the original id.
    id_limit=39,
    counterparty_field="cdr_token",
)

SESSIONS = ModuleSpec(
    module=ModuleID.SESSIONS,
    levels=(Level(Session, SessionPatch, "id"),),
    owner_role=Role.CPO,
    receiver_role=Role.EMSP,
    allows_patch=True,
    # mod_sessions: Sessions are never deleted; they end COMPLETED or INVALID.
    allows_delete=False,
    counterparty_field="cdr_token",
    append_fields=("charging_periods",),
)

SPECS: dict[str, ModuleSpec] = {
    str(spec.module): spec for spec in (LOCATIONS, TARIFFS, TOKENS, SESSIONS, CDRS)
}
