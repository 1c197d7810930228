"""Who may use the console, and the dependencies that make every page and action check it.

People log in with a name and a password: ``admin`` with the node's admin token, or a user of
``[console] users`` whose password matches its ``password_hash`` (scrypt, RFC 7914, from the
standard library; ``openroam console-password`` makes one). Failed logins are throttled
(``_throttle``). Pages (GET) of a visitor without a session redirect to the login page; actions
(POST) without a session, with a wrong or missing CSRF token, or sent from another origin are
refused with 403 and change nothing. Logging out ends the session in this process at once (its
cookie is refused from then on, until it would have expired anyway).
"""

from __future__ import annotations

import functools
import hmac
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl, quote, urlsplit

from fastapi import Depends, Request

from openroam._admin._passwords import hash_password, password_matches
from openroam._admin._session import COOKIE, Session, SessionSigner
from openroam._admin._throttle import LoginThrottle
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
    "read_form",
    "same_origin",
    "visitor",
]

#: The name that logs in with the admin token.
ADMIN_USER = "admin"

# The most logged-out sessions one process remembers until they expire.
_MAX_ENDED = 10_000


@functools.cache
def _unknown_user_hash() -> str:
    # Checked against when the name is unknown, so that an unknown name takes as long to refuse
    # as a known one with a wrong password (the time must not tell which names exist).
    return hash_password(secrets.token_urlsafe(16))


class LoginRequired(Exception):
    """A page was asked for without a session: the visitor is sent to the login page.
    ``ended``: the visitor had a session cookie, but it expired or was logged out."""

    def __init__(self, next_path: str, ended: bool = False) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.ended = ended


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
        public_origin: str | None = None,
        throttle: LoginThrottle | None = None,
    ) -> None:
        self.signer = signer
        self._admin_token = admin_token
        self._users = {user.name: user.password_hash for user in users}
        #: ``Secure`` on the cookie: the node's public URL is https (also set for a request
        #: that arrived over https)
        self.secure_cookie = secure_cookie
        #: the origin of the node's public URL (``https://host``), accepted besides the Host
        #: header's: behind a proxy, Host may name the node's own address
        self.public_origin = public_origin
        self.throttle = throttle or LoginThrottle()
        # nonce → expiry of the sessions logged out in this process (bounded: see end())
        self._ended: dict[str, float] = {}

    def check(self, name: str, password: str) -> bool:
        """Whether ``password`` is ``name``'s (constant time for the admin token)."""
        if not password:
            return False
        if name == ADMIN_USER and self._admin_token:
            return hmac.compare_digest(password.encode(), self._admin_token.encode())
        stored = self._users.get(name)
        if stored is None:
            password_matches(password, _unknown_user_hash())
            return False
        return password_matches(password, stored)

    def session_of(self, request: Request) -> Session | None:
        session = self.signer.read(request.cookies.get(COOKIE))
        if session is None or session.nonce in self._ended:
            return None
        return session

    def end(self, session: Session, now: float | None = None) -> None:
        """Log ``session`` out: this process refuses its cookie from now on. Kept until the
        session would have expired; at most ``_MAX_ENDED`` sessions are remembered (beyond,
        those expiring soonest are forgotten first)."""
        now = now if now is not None else time.time()
        self._ended = {n: e for n, e in self._ended.items() if e >= now}
        self._ended[session.nonce] = session.expires
        if len(self._ended) > _MAX_ENDED:
            by_expiry = sorted(self._ended.items(), key=lambda item: item[1])
            self._ended = dict(by_expiry[-_MAX_ENDED:])


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
        # Quoted whole (its ? & = too): it travels as one query value of the login page.
        raise LoginRequired(quote(target, safe="/"), ended=COOKIE in request.cookies)
    return Visitor(session, access.signer.csrf_token(session))


async def read_form(request: Request) -> dict[str, str]:
    """The fields of a form POST (``application/x-www-form-urlencoded``), last value wins."""
    body = await request.body()
    try:
        return dict(parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=200))
    except (UnicodeDecodeError, ValueError):
        return {}


def same_origin(request: Request) -> bool:
    """Whether a POST comes from the console's own pages. A browser sends ``Origin`` on every
    POST (a cross-site one names the other site, a sandboxed or privacy-redirected one says
    ``null``); a request without it is not from a browser's form of another site. Our origin
    is the Host the request was sent to, or the node's public URL."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    if origin == "null":
        return False
    if origin == access_of(request).public_origin:
        return True
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
