"""Tokens module calls beyond the object sync: real-time authorization (mod_tokens.asciidoc
"Sender Interface", "POST Method")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openroam.client._base import OcpiHttpClient
from openroam.client._replies import OcpiReply
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
        reply = await self._authorize(endpoint, uid, token_type, location, headers, timeout)
        return reply.parse(AuthorizationInfo)

    async def authorize_token_data(
        self,
        endpoint: str,
        uid: str,
        token_type: str,
        body: bytes | None = None,
        *,
        timeout: float | None = None,
    ) -> Any:
        """The same POST with ``body`` as it is (JSON text of a LocationReferences, or none);
        the ``data`` of the answer as it came, for a caller that reads it in the partner's
        version (mod_tokens.md 2.2.2 "POST Method": ``{token_uid}/authorize?{type=token_type}``,
        a 2.1.1 AuthorizationInfo). An unknown Token raises the error of the answer's status."""
        reply = await self._authorize(endpoint, uid, token_type, body, None, timeout)
        return reply.envelope.data

    async def _authorize(
        self,
        endpoint: str,
        uid: str,
        token_type: str,
        body: LocationReferences | bytes | None,
        headers: Mapping[str, str] | None,
        timeout: float | None,
    ) -> OcpiReply:
        url = join_url(endpoint, uid, "authorize")
        return await self.send(
            "POST",
            url,
            json_body=body,
            params={"type": token_type},
            headers=headers,
            timeout=timeout,
        )
