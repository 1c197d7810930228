"""The console's session cookie and CSRF token.

A session is a signed, expiring cookie: ``<payload>.<signature>``, the payload the URL-safe
Base64 of ``{"u": name, "e": expiry, "n": nonce}`` and the signature its HMAC-SHA256 under the
console's secret. Nothing is stored server-side, so every process of a node that shares the
secret accepts it. The CSRF token of a session is the HMAC of its nonce under the same secret
(a different label): a page puts it in every form, and every action must send it back — a page
of another site can make a browser send the cookie (not with SameSite=Strict, but older
browsers), never read the token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import orjson

__all__ = ["COOKIE", "Session", "SessionSigner"]

#: The cookie's name.
COOKIE = "openroam_console"


@dataclass(frozen=True)
class Session:
    """A logged-in person."""

    user: str
    expires: float
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    """Issues and checks session cookies and CSRF tokens under one secret."""

    def __init__(self, secret: bytes, lifetime_seconds: float) -> None:
        self._secret = secret
        self.lifetime_seconds = lifetime_seconds

    def _mac(self, label: bytes, data: bytes) -> str:
        return _b64(hmac.new(self._secret, label + data, hashlib.sha256).digest())

    def issue(self, user: str, now: float | None = None) -> tuple[str, Session]:
        """A new session of ``user``: the cookie value and the session."""
        session = Session(
            user=user,
            expires=(now if now is not None else time.time()) + self.lifetime_seconds,
            nonce=secrets.token_urlsafe(16),
        )
        payload = _b64(orjson.dumps({"u": session.user, "e": session.expires, "n": session.nonce}))
        return f"{payload}.{self._mac(b'session:', payload.encode())}", session

    def read(self, cookie: str | None, now: float | None = None) -> Session | None:
        """The session of a cookie value; None when absent, forged, malformed or expired."""
        if not cookie or len(cookie) > 1000 or "." not in cookie:
            return None
        payload, _, signature = cookie.partition(".")
        expected = self._mac(b"session:", payload.encode())
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            return None
        try:
            data = orjson.loads(_unb64(payload))
            session = Session(user=str(data["u"]), expires=float(data["e"]), nonce=str(data["n"]))
        except (ValueError, KeyError, TypeError, orjson.JSONDecodeError):
            return None
        if session.expires < (now if now is not None else time.time()):
            return None
        return session

    def csrf_token(self, session: Session) -> str:
        """The token every form of this session carries (field ``csrf``)."""
        return self._mac(b"csrf:", session.nonce.encode())

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        """Whether ``token`` is this session's CSRF token (constant time)."""
        if not token:
            return False
        return hmac.compare_digest(token.encode(), self.csrf_token(session).encode())
