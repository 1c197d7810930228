"""Credentials module calls (credentials.asciidoc "Interfaces and endpoints")."""

from __future__ import annotations

from openroam.client._base import OcpiHttpClient
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
