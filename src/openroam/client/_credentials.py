"""Credentials module calls (credentials.asciidoc "Interfaces and endpoints"; 2.1.1's flat
Credentials object: credentials.md 1 "Interfaces and endpoints", the ``*_v211`` calls)."""

from __future__ import annotations

from openroam.client._base import OcpiHttpClient
from openroam.models.v211 import credentials as v211
from openroam.models.v221.credentials import Credentials

__all__ = ["CredentialsCalls"]


class CredentialsCalls(OcpiHttpClient):
    """GET, POST, PUT and DELETE on a partner's credentials endpoint."""

    async def get_credentials(self, url: str, *, timeout: float | None = None) -> Credentials:
        """The credentials object to access the partner's platform."""
        return (await self.send("GET", url, timeout=timeout)).parse(Credentials)

    async def post_credentials(
        self, url: str, credentials: Credentials, *, timeout: float | None = None
    ) -> Credentials:
        """Register: give our credentials (token B); the answer holds the partner's (token C).

        A partner where we are already registered answers HTTP 405 (``MethodNotAllowed``).
        """
        return (await self.send("POST", url, json_body=credentials, timeout=timeout)).parse(
            Credentials
        )

    async def put_credentials(
        self, url: str, credentials: Credentials, *, timeout: float | None = None
    ) -> Credentials:
        """Update our credentials (new token, version or endpoints); the answer holds the
        partner's updated credentials with a new token for us."""
        return (await self.send("PUT", url, json_body=credentials, timeout=timeout)).parse(
            Credentials
        )

    async def delete_credentials(self, url: str, *, timeout: float | None = None) -> None:
        """Unregister: the partner's credentials to our platform are invalid from now on.

        The answer's ``data`` is not specified, so it is not read (transport_and_format.asciidoc
        "Response format" NOTE).
        """
        await self.send("DELETE", url, timeout=timeout)

    async def get_credentials_v211(
        self, url: str, *, timeout: float | None = None
    ) -> v211.Credentials:
        """OCPI 2.1.1 credentials GET (credentials.md 1.1): the partner's flat credentials."""
        return (await self.send("GET", url, timeout=timeout)).parse(v211.Credentials)

    async def post_credentials_v211(
        self, url: str, credentials: v211.Credentials, *, timeout: float | None = None
    ) -> v211.Credentials:
        """OCPI 2.1.1 registration (credentials.md 1.2): our flat credentials (token B) in,
        the partner's (token C) out."""
        reply = await self.send("POST", url, json_body=credentials, timeout=timeout)
        return reply.parse(v211.Credentials)

    async def put_credentials_v211(
        self, url: str, credentials: v211.Credentials, *, timeout: float | None = None
    ) -> v211.Credentials:
        """OCPI 2.1.1 update (credentials.md 1.3): moves the connection to 2.1.1 if it used
        another version; the answer holds a new token for us."""
        reply = await self.send("PUT", url, json_body=credentials, timeout=timeout)
        return reply.parse(v211.Credentials)
