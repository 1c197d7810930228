"""What this node is: its own parties and the OCPI versions it serves."""

from __future__ import annotations

from dataclasses import dataclass

from openroam.models.v221.credentials import CredentialsRole
from openroam.models.v221.locations import BusinessDetails
from openroam.models.v221.types import Role
from openroam.models.v221.versions import VersionNumber

__all__ = ["SUPPORTED_VERSIONS", "OwnParty", "Platform"]

#: The OCPI versions openroam can serve, newest first; a node offers these or some of them
#: (setting ``ocpi_versions``, :attr:`Platform.versions`).
SUPPORTED_VERSIONS: tuple[VersionNumber, ...] = (VersionNumber.V2_2_1, VersionNumber.V2_1_1)


@dataclass(frozen=True, slots=True)
class OwnParty:
    """A party this platform hosts (credentials.asciidoc "CredentialsRole")."""

    country_code: str
    party_id: str
    role: Role
    name: str
    website: str | None = None

    def credentials_role(self) -> CredentialsRole:
        return CredentialsRole(
            role=self.role,
            business_details=BusinessDetails(name=self.name, website=self.website),
            party_id=self.party_id,
            country_code=self.country_code,
        )


@dataclass(frozen=True, slots=True)
class Platform:
    """This node: where partners reach it and which parties it hosts."""

    public_url: str
    parties: tuple[OwnParty, ...]
    #: the OCPI versions this node offers, newest first (setting ``ocpi_versions``)
    versions: tuple[str, ...] = tuple(str(v) for v in SUPPORTED_VERSIONS)

    def offers(self, version: str) -> bool:
        return version in self.versions

    @property
    def versions_url(self) -> str:
        return f"{self.public_url.rstrip('/')}/ocpi/versions"

    def version_url(self, version: str) -> str:
        return f"{self.public_url.rstrip('/')}/ocpi/{version}"

    @property
    def hub_party(self) -> OwnParty | None:
        """The HUB party, when this node is a Hub (it then hosts no party of another role)."""
        return next((party for party in self.parties if party.role == Role.HUB), None)

    @property
    def is_hub(self) -> bool:
        return self.hub_party is not None

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(party.role for party in self.parties)

    def credentials_roles(self) -> list[CredentialsRole]:
        return [party.credentials_role() for party in self.parties]
