"""Console passwords, login throttling and logout (openroam._admin._passwords, _throttle,
_auth.ConsoleAccess), without a browser."""

from __future__ import annotations

import tomllib

import pytest
from pydantic import ValidationError
from starlette.requests import Request
from typer.testing import CliRunner

from openroam._admin._auth import ConsoleAccess
from openroam._admin._passwords import hash_password, password_matches
from openroam._admin._session import COOKIE, SessionSigner
from openroam._admin._throttle import LoginThrottle, ThrottleLimits
from openroam._cli.main import app as cli
from openroam._config import ConsoleUser


def test_a_password_matches_its_hash_only() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$16384$8$1$")
    assert password_matches("correct horse", stored)
    assert not password_matches("correct hors", stored)
    assert not password_matches("", stored)
    # A new salt each time: equal passwords do not show as equal hashes.
    assert hash_password("correct horse") != stored


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "plain text",
        "bcrypt$1$2$3$abc$def",
        "scrypt$x$8$1$AA==$AA==",
        "scrypt$16384$8$1$%%$AA==",
    ],
)
def test_a_malformed_hash_matches_nothing(stored: str) -> None:
    assert not password_matches("anything", stored)


def test_the_settings_refuse_a_plain_password_as_a_hash() -> None:
    ConsoleUser(name="ops", password_hash=hash_password("correct horse"))
    with pytest.raises(ValidationError):
        ConsoleUser(name="ops", password_hash="correct horse")


def _access(**users: str) -> ConsoleAccess:
    return ConsoleAccess(
        SessionSigner(b"s" * 32, 3600),
        "the-admin-token",
        [ConsoleUser(name=name, password_hash=hash_password(pw)) for name, pw in users.items()],
    )


def test_admin_logs_in_with_the_admin_token_and_users_with_their_password() -> None:
    access = _access(ops="correct horse")
    assert access.check("admin", "the-admin-token")
    assert not access.check("admin", "the-admin-toke")
    assert access.check("ops", "correct horse")
    assert not access.check("ops", "the-admin-token")
    assert not access.check("nobody", "correct horse")
    assert not access.check("ops", "")


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failed_logins_of_a_name_from_a_client_are_refused_for_a_while() -> None:
    clock = _Clock()
    throttle = LoginThrottle(ThrottleLimits(per_name=3, per_client=10, window_seconds=600), clock)
    for _ in range(3):
        assert throttle.retry_after("ops", "10.0.0.1") == 0
        throttle.failed("ops", "10.0.0.1")
        clock.now += 10
    # The first failure (at 1000) leaves the window at 1600.
    assert throttle.retry_after("ops", "10.0.0.1") == pytest.approx(1600 - clock.now)
    assert throttle.retry_after("OPS", "10.0.0.1") > 0  # names compared folded
    # Another client, or another name from this client, may still try.
    assert throttle.retry_after("ops", "10.0.0.2") == 0
    assert throttle.retry_after("admin", "10.0.0.1") == 0
    clock.now = 1600.5
    assert throttle.retry_after("ops", "10.0.0.1") == 0


def test_many_names_from_one_client_are_refused_too() -> None:
    clock = _Clock()
    throttle = LoginThrottle(ThrottleLimits(per_name=3, per_client=5, window_seconds=600), clock)
    for index in range(5):
        throttle.failed(f"user{index}", "10.0.0.1")
    assert throttle.retry_after("someone-new", "10.0.0.1") > 0
    assert throttle.retry_after("someone-new", "10.0.0.2") == 0


def test_a_successful_login_clears_its_names_failures() -> None:
    throttle = LoginThrottle(ThrottleLimits(per_name=2, per_client=10), _Clock())
    throttle.failed("ops", "10.0.0.1")
    throttle.succeeded("ops", "10.0.0.1")
    throttle.failed("ops", "10.0.0.1")
    assert throttle.retry_after("ops", "10.0.0.1") == 0


def test_the_throttle_tracks_a_bounded_number_of_keys() -> None:
    throttle = LoginThrottle(ThrottleLimits(per_name=1, per_client=1000, max_keys=50), _Clock())
    for index in range(500):
        throttle.failed(f"user{index}", f"10.0.{index // 250}.{index % 250}")
    assert len(throttle._failures) <= 50
    # The newest are kept.
    assert throttle.retry_after("user499", "10.0.1.249") > 0


def _request_with(cookie: str) -> Request:
    return Request({"type": "http", "headers": [(b"cookie", f"{COOKIE}={cookie}".encode())]})


def test_a_logged_out_session_is_refused_by_this_process() -> None:
    access = _access()
    cookie, session = access.signer.issue("admin")
    _, other = access.signer.issue("admin")
    assert access.session_of(_request_with(cookie)) == session
    access.end(session)
    assert access.session_of(_request_with(cookie)) is None
    # Only that session: another one of the same user goes on.
    assert access.session_of(_request_with(access.signer.issue("admin")[0])) is not None
    assert other.nonce not in access._ended


def test_logged_out_sessions_are_forgotten_when_they_expire() -> None:
    access = _access()
    _, old = access.signer.issue("admin", now=0)
    access.end(old, now=0)
    _, new = access.signer.issue("admin", now=10_000)
    access.end(new, now=10_000)
    assert old.nonce not in access._ended
    assert new.nonce in access._ended


def test_console_password_prints_an_entry_whose_hash_matches() -> None:
    result = CliRunner().invoke(
        cli, ["console-password", 'o"ps', "--stdin"], input="correct horse\n"
    )
    assert result.exit_code == 0, result.output
    entry = tomllib.loads(result.stdout)["console"]["users"][0]
    assert entry["name"] == 'o"ps'
    assert password_matches("correct horse", entry["password_hash"])
    assert "correct horse" not in result.stdout
    ConsoleUser(**entry)  # what the settings accept


def test_console_password_refuses_a_short_password() -> None:
    result = CliRunner().invoke(cli, ["console-password", "ops", "--stdin"], input="short\n")
    assert result.exit_code == 2
    assert "password_hash" not in result.stdout
