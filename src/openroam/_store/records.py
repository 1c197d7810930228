"""The frozen records repositories return, and the inputs they accept.

Services get these instead of ORM objects, so nothing they hold can lazy-load. Token names
follow the registration sequence (credentials.asciidoc "Registration"): A is the invitation
token, and "C" means *the credentials token the partner calls us with now* (their C when they
registered with us, our B when we registered with them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from openroam._store.tables import Partner, PartnerStatus
from openroam.models.common import fold_id
from openroam.models.v221.types import Role

__all__ = [
    "EndpointInput",
    "EndpointRecord",
    "Grant",
    "GrantChangeRecord",
    "HasToDict",
    "OwnPartyData",
    "PartnerExists",
    "PartnerNotFound",
    "PartnerRecord",
    "PartnerRoleRecord",
    "RoleInput",
    "TokenKind",
    "business_details_dict",
    "hash_token",
    "to_record",
]

TokenKind = Literal["A", "C"]
"""``"A"``: an invitation token; ``"C"``: the credentials token the partner uses now."""


class PartnerNotFound(LookupError):
    """No partner with the given id."""


class PartnerExists(ValueError):
    """The name belongs to a partner that is registered or suspended."""


def hash_token(token: str) -> str:
    """The SHA-256 hex digest under which a token we only verify is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class OwnPartyData:
    """A party this platform hosts."""

    country_code: str
    party_id: str
    role: Role
    business_details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PartnerRoleRecord:
    """A role the partner declared (credentials.asciidoc "CredentialsRole class")."""

    role: Role
    country_code: str
    party_id: str
    business_details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Grant:
    """A role the operator allows a partner to register as, for one party."""

    role: Role
    country_code: str
    party_id: str

    def key(self) -> tuple[str, str, str]:
        """(role, folded country_code, folded party_id): how grants and claims are compared."""
        return str(self.role), fold_id(self.country_code), fold_id(self.party_id)

    def party_key(self) -> tuple[str, str]:
        return fold_id(self.country_code), fold_id(self.party_id)

    def to_dict(self) -> dict[str, str]:
        return {
            "role": str(self.role),
            "country_code": self.country_code,
            "party_id": self.party_id,
        }

    def __str__(self) -> str:
        return f"{self.role} {self.country_code}*{self.party_id}"


@dataclass(frozen=True, slots=True)
class GrantChangeRecord:
    """One recorded change of a partner's grants."""

    changed_at: datetime
    #: "invite", "register", "add" (`partners add`), "grant" (an operator's change) or "migration"
    reason: str
    old: tuple[dict[str, str], ...]
    new: tuple[dict[str, str], ...]


@dataclass(frozen=True, slots=True)
class EndpointRecord:
    """One endpoint of the partner's version details (versions.asciidoc "Endpoint class")."""

    identifier: str
    role: str
    url: str


@dataclass(frozen=True, slots=True)
class PartnerRecord:
    """One connection with a partner platform, as services see it."""

    id: int
    name: str
    versions_url: str | None
    version: str | None
    status: PartnerStatus
    outgoing_token: str | None
    encode_token: bool
    #: the roles the partner registered that are granted to it: the ones that count
    roles: tuple[PartnerRoleRecord, ...]
    endpoints: tuple[EndpointRecord, ...]
    created_at: datetime
    updated_at: datetime
    registered_at: datetime | None
    #: what the operator allows the partner to be
    grants: tuple[Grant, ...] = ()
    #: every role the partner registered, granted or not (a grant withdrawn after registration
    #: leaves its role here, but not in ``roles``)
    declared_roles: tuple[PartnerRoleRecord, ...] = ()
    #: the operator chose ``encode_token`` (``--raw-token``); otherwise the partner's
    #: credentials calls set it to the encoding they carried
    encode_token_fixed: bool = False

    @property
    def token_encoding(self) -> str:
        """How our token is sent to the partner: ``"base64"`` (OCPI 2.2.1) or ``"raw"``."""
        return "base64" if self.encode_token else "raw"

    #: how its objects are read: "strict" (default) or "lenient" (_store/deviations.py)
    reading_policy: str = "strict"
    #: Hub nodes (mod_hub_client_info): when the partner was last heard from, its
    #: ConnectionStatus as reported in ClientInfo (None before one was set), and since when
    last_seen_at: datetime | None = None
    connection_status: str | None = None
    connection_status_at: datetime | None = None


class HasToDict(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


class RoleInput(Protocol):
    """A declared role: a ``CredentialsRole`` model or a :class:`PartnerRoleRecord`."""

    @property
    def role(self) -> str: ...
    @property
    def country_code(self) -> str: ...
    @property
    def party_id(self) -> str: ...
    @property
    def business_details(self) -> HasToDict | Mapping[str, Any]: ...


class EndpointInput(Protocol):
    """An endpoint: a versions ``Endpoint`` model or an :class:`EndpointRecord`."""

    @property
    def identifier(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def url(self) -> str: ...


def business_details_dict(value: HasToDict | Mapping[str, Any]) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else value.to_dict()


def _granted(role: PartnerRoleRecord, grants: tuple[Grant, ...]) -> bool:
    claim = (str(role.role), fold_id(role.country_code), fold_id(role.party_id))
    return any(grant.key() == claim for grant in grants)


def to_record(partner: Partner) -> PartnerRecord:
    """The record of a partner whose roles, endpoints and grants are loaded."""
    declared = tuple(
        PartnerRoleRecord(Role(r.role), r.country_code, r.party_id, r.business_details)
        for r in partner.roles
    )
    grants = tuple(Grant(Role(g.role), g.country_code, g.party_id) for g in partner.grants)
    return PartnerRecord(
        id=partner.id,
        name=partner.name,
        versions_url=partner.versions_url,
        version=partner.version,
        status=partner.status,
        outgoing_token=partner.outgoing_token,
        encode_token=partner.encode_token,
        roles=tuple(role for role in declared if _granted(role, grants)),
        endpoints=tuple(EndpointRecord(e.identifier, e.role, e.url) for e in partner.endpoints),
        created_at=partner.created_at,
        updated_at=partner.updated_at,
        registered_at=partner.registered_at,
        grants=grants,
        declared_roles=declared,
        encode_token_fixed=partner.encode_token_fixed,
        reading_policy=partner.reading_policy,
        last_seen_at=partner.last_seen_at,
        connection_status=partner.connection_status,
        connection_status_at=partner.connection_status_at,
    )
