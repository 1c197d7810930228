"""Versions module calls (version_information_endpoint.asciidoc; 2.1.1:
version_information_endpoint.md) and version negotiation."""

from __future__ import annotations

from openroam.client._base import OcpiHttpClient
from openroam.models.common import fold_id
from openroam.models.v211 import versions as v211
from openroam.models.v221.versions import (
    InterfaceRole,
    ModuleID,
    Version,
    VersionDetails,
    choose_version,
    version_key,
)

__all__ = ["VersionsCalls", "choose_version", "endpoint_url", "version_key"]


class VersionsCalls(OcpiHttpClient):
    """GET the version information and version details endpoints."""

    async def get_versions(self, url: str, *, timeout: float | None = None) -> list[Version]:
        """Version information endpoint: every version the partner supports.

        Versions this platform does not know (a newer 2.3.0) are kept as plain strings by the
        model; :func:`choose_version` skips what ``ours`` does not list.
        """
        return (await self.send("GET", url, timeout=timeout)).parse(list[Version])

    async def get_version_details(
        self, url: str, *, timeout: float | None = None
    ) -> VersionDetails:
        """Version details endpoint: the partner's endpoints of one version."""
        return (await self.send("GET", url, timeout=timeout)).parse(VersionDetails)

    async def get_version_details_v211(
        self, url: str, *, timeout: float | None = None
    ) -> v211.VersionDetails:
        """OCPI 2.1.1 version details (version_information_endpoint.md "Version details
        endpoint"): endpoints ``{identifier, url}`` without a role."""
        return (await self.send("GET", url, timeout=timeout)).parse(v211.VersionDetails)


def endpoint_url(
    details: VersionDetails, module: ModuleID | str, role: InterfaceRole | None = None
) -> str | None:
    """The URL of ``module``'s interface in ``role``, or ``None`` when the partner has none.

    ``role=None`` takes the first endpoint of the module in any role. For ``credentials`` the
    role is always ignored: the module is the same for every role and peers differ in what they
    publish (version_information_endpoint.asciidoc "Endpoint class" NOTE; docs/spec-decisions.md
    "Role of the credentials endpoint").
    Module ids are compared case-insensitively (custom ids are CiStrings).
    """
    wanted = fold_id(str(module))
    if wanted == fold_id(ModuleID.CREDENTIALS):
        role = None
    for endpoint in details.endpoints:
        if fold_id(str(endpoint.identifier)) != wanted:
            continue
        if role is None or endpoint.role == role:
            return endpoint.url
    return None
