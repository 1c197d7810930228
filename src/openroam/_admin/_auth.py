"""Who may use the console, and the dependencies that make every page and action check it.

People log in with a name and a password: ``admin`` with the node's admin token, or a user of
``[console] users`` whose password matches its ``password_hash`` (scrypt, RFC 7914, from the
standard library; ``openroam console-password`` makes one). Pages (GET) of a visitor without a
session redirect to the login page; actions (POST) without a session, with a wrong or missing
CSRF token, or sent from another origin are refused with 403 and change nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl, quote, urlsplit

from fastapi import Depends, Request

from openroam._admin._session import COOKIE, Session, SessionSigner
from openroam._config import ConsoleUser

__all__ = [
    "ADMIN_USER",
    "ActionForm",
    "ConsoleAccess",
    "Denied",
    "Form",
    "LoginRequired",
    "Visitor",
    "access_of",
    "action_form",
    "hash_password",
    "read_form",
    "same_origin",
    "visitor",
]

#: The name that logs in with the admin token.
ADMIN_USER = "admin"

# scrypt's cost: 2^14 * 8 * 128 bytes = 16 MiB and ≈ 50 ms per check (OWASP's minimum).
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def hash_password(password: str, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt$hash`` of ``password`` (salt and hash Base64)."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    encoded = [base64.b64encode(part).decode() for part in (salt, digest)]
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${encoded[0]}${encoded[1]}"


def _password_matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        found = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=2**26,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found, expected)


class LoginRequired(Exception):
    """A page was asked for without a session: the visitor is sent to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Denied(Exception):
    """An action was refused (no session, wrong CSRF token, foreign origin): HTTP 403."""


class ConsoleAccess:
    """The console's login check and session signer, kept on ``app.state.console``."""

    def __init__(
        self,
        signer: SessionSigner,
        admin_token: str | None,
        users: Sequence[ConsoleUser] = (),
        *,
        secure_cookie: bool = False,
    ) -> None:
        self.signer = signer
        self._admin_token = admin_token
        self._users = {user.name: user.password_hash for user in users}
        self.secure_cookie = secure_cookie

    def check(self, name: str, password: str) -> bool:
        """Whether ``password`` is ``name``'s (constant time for the admin token)."""
        if not password:
            return False
        if name == ADMIN_USER and self._admin_token:
            return hmac.compare_digest(password.encode(), self._admin_token.encode())
        stored = self._users.get(name)
        return stored is not None and _password_matches(password, stored)

    def session_of(self, request: Request) -> Session | None:
        return self.signer.read(request.cookies.get(COOKIE))


def access_of(request: Request) -> ConsoleAccess:
    access: ConsoleAccess = request.app.state.console
    return access


@dataclass(frozen=True)
class Visitor:
    """The logged-in person looking at a page, with the CSRF token its forms carry."""

    session: Session
    csrf: str


async def visitor(request: Request) -> Visitor:
    """Dependency of every page: the logged-in visitor, else :class:`LoginRequired`."""
    access = access_of(request)
    session = access.session_of(request)
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(quote(target, safe="/?=&"))
    return Visitor(session, access.signer.csrf_token(session))


async def read_form(request: Request) -> dict[str, str]:
    """The fields of a form POST (``application/x-www-form-urlencoded``), last value wins."""
    body = await request.body()
    try:
        return dict(parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=200))
    except (UnicodeDecodeError, ValueError):
        return {}


def same_origin(request: Request) -> bool:
    # A browser sends Origin on every POST; a cross-site one names the other site.
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


@dataclass(frozen=True)
class ActionForm:
    """A checked action: who sent it and its form fields."""

    session: Session
    fields: dict[str, str]


async def action_form(request: Request) -> ActionForm:
    """Dependency of every action: a session, this session's CSRF token and our own origin,
    else :class:`Denied`."""
    access = access_of(request)
    session = access.session_of(request)
    if session is None:
        raise Denied("Log in first: this action needs a console session.")
    if not same_origin(request):
        raise Denied("This action came from another site.")
    fields = await read_form(request)
    if not access.signer.csrf_ok(session, fields.get("csrf")):
        raise Denied("The form's CSRF token is missing or wrong: reload the page and try again.")
    return ActionForm(session, fields)


Form = Annotated[ActionForm, Depends(action_form)]
