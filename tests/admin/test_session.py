"""The console's session cookie and CSRF token (openroam._admin._session)."""

from __future__ import annotations

import base64

import orjson
import pytest

from openroam._admin._session import SessionSigner

SECRET = b"k" * 32
NOW = 1_800_000_000.0


def _signer(secret: bytes = SECRET, hours: float = 12) -> SessionSigner:
    return SessionSigner(secret, hours * 3600)


def test_an_issued_cookie_reads_back_as_its_session() -> None:
    cookie, session = _signer().issue("ops", now=NOW)
    assert _signer().read(cookie, now=NOW + 60) == session
    assert session.user == "ops"
    assert session.expires == NOW + 12 * 3600


def test_a_cookie_signed_under_another_secret_is_refused() -> None:
    cookie, _ = _signer(b"another secret of 32 bytes......").issue("admin", now=NOW)
    assert _signer().read(cookie, now=NOW) is None


def test_an_expired_cookie_is_refused() -> None:
    cookie, session = _signer(hours=1).issue("ops", now=NOW)
    assert _signer(hours=1).read(cookie, now=session.expires - 1) is not None
    assert _signer(hours=1).read(cookie, now=session.expires + 1) is None


def _payload(cookie: str) -> dict[str, object]:
    part = cookie.partition(".")[0]
    data: dict[str, object] = orjson.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return data


def _encoded(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(data)).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "change",
    [
        {"u": "admin"},  # another user
        {"e": NOW + 10 * 365 * 86400},  # a longer life
        {"n": "someone-elses-nonce"},  # another session's CSRF token
    ],
)
def test_a_tampered_payload_under_the_old_signature_is_refused(change: dict[str, object]) -> None:
    cookie, _ = _signer().issue("ops", now=NOW)
    signature = cookie.partition(".")[2]
    forged = f"{_encoded(_payload(cookie) | change)}.{signature}"
    assert _signer().read(forged, now=NOW) is None


def test_a_tampered_signature_is_refused() -> None:
    cookie, _ = _signer().issue("ops", now=NOW)
    payload, _, signature = cookie.partition(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert _signer().read(f"{payload}.{flipped}", now=NOW) is None
    assert _signer().read(f"{payload}.", now=NOW) is None


@pytest.mark.parametrize(
    "cookie",
    [None, "", "no-dot", ".", "a.b", "!!!.???", "x" * 2000 + "." + "y", "é.é"],
)
def test_a_malformed_cookie_is_refused(cookie: str | None) -> None:
    assert _signer().read(cookie, now=NOW) is None


def test_a_signed_payload_that_is_not_a_session_is_refused() -> None:
    # Signed with the right key (as if the key had signed something else): still not a session.
    signer = _signer()
    payload = base64.urlsafe_b64encode(b"[1, 2]").rstrip(b"=").decode()
    signature = signer._mac(b"session:", payload.encode())
    assert signer.read(f"{payload}.{signature}", now=NOW) is None


def test_the_csrf_token_belongs_to_one_session() -> None:
    signer = _signer()
    _, mine = signer.issue("ops", now=NOW)
    _, other = signer.issue("ops", now=NOW)
    token = signer.csrf_token(mine)
    assert signer.csrf_ok(mine, token)
    assert not signer.csrf_ok(other, token)
    assert not signer.csrf_ok(mine, None)
    assert not signer.csrf_ok(mine, "")
    assert not signer.csrf_ok(mine, token[:-1])
    # Another secret makes other tokens for the same session.
    assert _signer(b"another secret of 32 bytes......").csrf_token(mine) != token


def test_the_csrf_token_is_not_the_cookies_signature() -> None:
    signer = _signer()
    cookie, session = signer.issue("ops", now=NOW)
    assert signer.csrf_token(session) not in cookie
