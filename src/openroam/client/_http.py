"""The partner client: every OCPI call openroam makes, on one ``httpx.AsyncClient``.

``OcpiClient`` is :class:`~openroam.client._base.OcpiHttpClient` (the generic ``request`` and
``send``) plus one small mixin per module. A new module adds a mixin with its typed calls and is
listed here.
"""

from __future__ import annotations

from openroam.client._charging_profiles import ChargingProfilesCalls
from openroam.client._commands import CommandCalls
from openroam.client._credentials import CredentialsCalls
from openroam.client._sessions import SessionsCalls
from openroam.client._tokens import TokensCalls
from openroam.client._versions import VersionsCalls

__all__ = ["OcpiClient"]


class OcpiClient(
    VersionsCalls,
    CredentialsCalls,
    SessionsCalls,
    CommandCalls,
    TokensCalls,
    ChargingProfilesCalls,
):
    """An OCPI client for one partner, authenticated with one credentials token.

    ::

        async with OcpiClient(token_a) as client:
            versions = await client.get_versions(versions_url)
            chosen = choose_version(["2.2.1"], versions)
            details = await client.get_version_details(chosen.url)
    """
