"""The ``Authorization: Token …`` header (transport_and_format.asciidoc "Authorization header").

2.2.1 sends ``Token <Base64(UTF-8 token)>``; many 2.1.1 and 2.2 peers send the token raw. Both are
accepted: the Base64-decoded value is tried first, then the raw value. Tokens are compared as
hashes in the store (constant time), so a guess learns nothing from timing.

Which of the two matched is not ambiguous: a header value cannot both decode to a token and be
that token (Base64 text is longer than what it encodes). :func:`sent_raw` tells the credentials
module which form a partner used, so it is called back in that form.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, Request

from openroam._services.credentials import Caller, CredentialsService
from openroam.errors import Unauthorized

__all__ = [
    "AnyCaller",
    "RegisteredCaller",
    "authenticated_caller",
    "sent_raw",
    "token_candidates",
]


def token_candidates(header: str | None) -> list[str]:
    """The tokens an Authorization header may carry: decoded first, then raw."""
    if not header:
        return []
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "token" or not value:
        return []
    candidates = []
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    if decoded and decoded.isprintable():
        candidates.append(decoded)
    if value not in candidates:
        candidates.append(value)
    return candidates


def sent_raw(header: str | None, token: str) -> bool:
    """Whether the Authorization ``header`` carried ``token`` (the one it was authenticated
    with) as is, rather than Base64-encoded."""
    if not header:
        return False
    return header.strip().partition(" ")[2].strip() == token


def _service(request: Request) -> CredentialsService:
    service: CredentialsService = request.app.state.node.credentials
    return service


async def authenticated_caller(
    credentials: CredentialsService, authorization: str | None, *, registered: bool
) -> Caller:
    """The partner calling with this ``Authorization`` header; :class:`Unauthorized` if there is
    none, and — ``registered`` — if the token is only valid for registration."""
    candidates = token_candidates(authorization)
    if not candidates:
        raise Unauthorized("Missing or malformed Authorization header: expected 'Token <token>'")
    caller = await credentials.authenticate(candidates)
    if caller is None:
        raise Unauthorized("Unknown credentials token")
    return _registration_complete(caller) if registered else caller


def _registration_complete(caller: Caller) -> Caller:
    # transport_and_format.asciidoc: token A on any module other than credentials and versions
    # → HTTP 401.
    if caller.suspended:
        raise Unauthorized("This connection is suspended by the operator of this platform")
    if not caller.registered:
        raise Unauthorized("This token is only valid on the versions and credentials modules")
    return caller


async def _any_caller(request: Request) -> Caller:
    authorization = request.headers.get("authorization")
    caller = await authenticated_caller(_service(request), authorization, registered=False)
    request.state.caller = caller
    return caller


async def _registered_caller(caller: Annotated[Caller, Depends(_any_caller)]) -> Caller:
    return _registration_complete(caller)


AnyCaller = Annotated[Caller, Depends(_any_caller)]
"""A partner with any valid token, including an invitation token A (versions, credentials)."""

RegisteredCaller = Annotated[Caller, Depends(_registered_caller)]
"""A registered partner (functional modules)."""
