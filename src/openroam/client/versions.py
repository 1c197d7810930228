"""Versions module calls (version_information_endpoint.asciidoc) and version negotiation."""

from __future__ import annotations

from collections.abc import Iterable

from openroam.client.base import OcpiHttpClient
from openroam.models.common import fold_id
from openroam.models.v221.versions import (
    InterfaceRole,
    ModuleID,
    Version,
    VersionDetails,
)

__all__ = ["VersionsCalls", "choose_version", "endpoint_url", "version_key"]


class VersionsCalls(OcpiHttpClient):
    """GET the version information and version details endpoints."""

    async def get_versions(self, url: str) -> list[Version]:
        """Version information endpoint: every version the partner supports.

        Versions this platform does not know (a newer 2.3.0) are kept as plain strings by the
        model; :func:`choose_version` skips what ``ours`` does not list.
        """
        return (await self.send("GET", url)).parse(list[Version])

    async def get_version_details(self, url: str) -> VersionDetails:
        """Version details endpoint: the partner's endpoints of one version."""
        return (await self.send("GET", url)).parse(VersionDetails)


def version_key(version: str) -> tuple[int, ...] | None:
    """``"2.2.1"`` → ``(2, 2, 1)``; ``None`` for a string that is not a dotted number.

    Tuples order versions as numbers do, so ``2.2.1 > 2.2 > 2.1.1 > 2.0`` (as strings,
    ``"2.10" < "2.9"``).
    """
    parts = version.split(".")
    if not all(part.isdecimal() for part in parts):
        return None
    return tuple(int(part) for part in parts)


def choose_version(ours: Iterable[str], theirs: list[Version]) -> Version | None:
    """The partner's entry for the highest version both sides support, or ``None``.

    credentials.asciidoc registration sequence: the initiator picks the latest mutual version.
    ``None`` is what the caller reports as 3002 Unsupported version.
    """
    supported = {key for key in map(version_key, ours) if key is not None}
    best: tuple[tuple[int, ...], Version] | None = None
    for candidate in theirs:
        key = version_key(str(candidate.version))
        if key in supported and (best is None or key > best[0]):
            best = (key, candidate)
    return best[1] if best else None


def endpoint_url(
    details: VersionDetails, module: ModuleID | str, role: InterfaceRole | None = None
) -> str | None:
    """The URL of ``module``'s interface in ``role``, or ``None`` when the partner has none.

    ``role=None`` takes the first endpoint of the module in any role. For ``credentials`` the
    role is always ignored: the module is the same for every role and peers differ in what they
    publish (version_information_endpoint.asciidoc "Endpoint class" NOTE; DIGEST Appendix A18).
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
