"""The partner client: every OCPI call openroam makes, on one ``httpx.AsyncClient``.

``OcpiClient`` is :class:`~openroam.client.base.OcpiHttpClient` (the generic ``request`` and
``send``) plus one small mixin per module. A new module adds a mixin with its typed calls and is
listed here.
"""

from __future__ import annotations

from openroam.client.charging_profiles import ChargingProfilesCalls
from openroam.client.commands import CommandCalls
from openroam.client.credentials import CredentialsCalls
from openroam.client.sessions import SessionsCalls
from openroam.client.tokens import TokensCalls
from openroam.client.versions import VersionsCalls

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
