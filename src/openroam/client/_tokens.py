"""Tokens module calls beyond the object sync: real-time authorization (mod_tokens.asciidoc
"Sender Interface", "POST Method")."""

from __future__ import annotations

from collections.abc import Mapping

from openroam.client._base import OcpiHttpClient
from openroam.client._urls import join_url
from openroam.models.v221.tokens import AuthorizationInfo, LocationReferences

__all__ = ["TokensCalls"]


class TokensCalls(OcpiHttpClient):
    """POST {tokens}/{token_uid}/authorize[?type=…] on an eMSP's Tokens Sender endpoint."""

    async def authorize_token(
        self,
        endpoint: str,
        uid: str,
        token_type: str,
        location: LocationReferences | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> AuthorizationInfo:
        """The eMSP's ``AuthorizationInfo``; an unknown Token raises ``UnknownToken`` (2004).

        The spec writes the URL ``{tokens_endpoint_url}{token_uid}/authorize`` (a missing ``/``,
        docs/spec-decisions.md "Endpoint URL templates without a slash"): :func:`join_url` puts
        exactly one slash in between.
        """
        url = join_url(endpoint, uid, "authorize")
        reply = await self.send(
            "POST",
            url,
            json_body=location,
            params={"type": token_type},
            headers=headers,
            timeout=timeout,
        )
        return reply.parse(AuthorizationInfo)
