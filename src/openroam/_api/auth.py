"""The admin token of the backend API: ``Authorization: Bearer <OPENROAM_ADMIN_TOKEN>``.

Without a configured token the API is closed: every request is refused with 401 and a message
that says how to open it, so a node never serves its write API unauthenticated by accident.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from openroam.errors import Unauthorized

__all__ = ["admin_auth", "bearer"]

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="AdminToken",
    description="The node's admin token (setting admin_token, env OPENROAM_ADMIN_TOKEN).",
)

Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def admin_auth(admin_token: str | None) -> Callable[[Credentials], Awaitable[None]]:
    """A FastAPI dependency that admits only requests bearing ``admin_token``."""
    expected = admin_token.encode() if admin_token else None

    async def require_admin(credentials: Credentials) -> None:
        if expected is None:
            raise Unauthorized(
                "The backend API is disabled: no admin token is configured. "
                "Set OPENROAM_ADMIN_TOKEN (or admin_token in the config file) and restart."
            )
        if credentials is None:
            raise Unauthorized("Missing 'Authorization: Bearer <admin token>' header")
        # Constant time: the comparison must not tell how much of a guess was right.
        if not hmac.compare_digest(credentials.credentials.encode(), expected):
            raise Unauthorized("Wrong admin token")

    return require_admin
