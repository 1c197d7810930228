"""Settings: defaults, TOML file, OPENROAM_* overrides and validation."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from openroam._config import ConfigError, PartyConfig, Settings
from openroam.models.v221.types import Role

TOML = """
database_url = "sqlite+aiosqlite:///./from-file.db"
public_url = "https://ocpi.example.com/"
port = 9000
page_limit = 50
admin_token = "file-admin"

[[parties]]
country_code = "NL"
party_id = "EXA"
role = "CPO"
name = "Example CPO"
website = "https://example.com"

[[parties]]
country_code = "NL"
party_id = "EXA"
role = "EMSP"
name = "Example eMSP"
"""


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No OPENROAM_* variable of the machine running the tests leaks in."""
    for name in list(os.environ):
        if name.upper().startswith("OPENROAM_"):
            monkeypatch.delenv(name)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "openroam.toml"
    path.write_text(text)
    return path


def test_defaults() -> None:
    settings = Settings.load()
    assert settings.database_url == "sqlite+aiosqlite:///./openroam.db"
    assert settings.public_url == "http://127.0.0.1:8080"
    assert (settings.host, settings.port, settings.page_limit) == ("127.0.0.1", 8080, 100)
    assert settings.admin_token is None
    assert settings.parties == ()


def test_load_from_toml(tmp_path: Path) -> None:
    settings = Settings.load(_write(tmp_path, TOML))
    assert settings.database_url == "sqlite+aiosqlite:///./from-file.db"
    assert settings.public_url == "https://ocpi.example.com"  # trailing slash dropped
    assert (settings.port, settings.page_limit) == (9000, 50)
    assert settings.admin_token is not None
    assert settings.admin_token.get_secret_value() == "file-admin"
    assert "file-admin" not in repr(settings)
    assert settings.parties == (
        PartyConfig(
            country_code="NL",
            party_id="EXA",
            role=Role.CPO,
            name="Example CPO",
            website="https://example.com",
        ),
        PartyConfig(country_code="NL", party_id="EXA", role=Role.EMSP, name="Example eMSP"),
    )
    assert settings.parties[0].business_details == {
        "name": "Example CPO",
        "website": "https://example.com",
    }
    assert settings.parties[1].business_details == {"name": "Example eMSP"}


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROAM_PORT", "9100")
    monkeypatch.setenv("OPENROAM_DATABASE_URL", "postgresql+asyncpg://db/openroam")
    parties = [{"country_code": "DE", "party_id": "ABC", "role": "HUB", "name": "A hub"}]
    monkeypatch.setenv("OPENROAM_PARTIES", json.dumps(parties))
    settings = Settings.load(_write(tmp_path, TOML))
    assert settings.port == 9100
    assert settings.database_url == "postgresql+asyncpg://db/openroam"
    assert settings.public_url == "https://ocpi.example.com"  # still from the file
    assert [(p.country_code, p.party_id, p.role) for p in settings.parties] == [
        ("DE", "ABC", Role.HUB)
    ]


def test_unrelated_openroam_variables_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROAM_TEST_POSTGRES_URL", "postgresql://x/y")
    assert Settings.load().port == 8080


def test_require_parties() -> None:
    with pytest.raises(ConfigError, match=r"no parties configured.*\[\[parties\]\]"):
        Settings.load().require_parties()


def test_require_parties_returns_them(tmp_path: Path) -> None:
    assert len(Settings.load(_write(tmp_path, TOML)).require_parties()) == 2


@pytest.mark.parametrize(
    ("party", "where"),
    [
        ({"country_code": "NLD"}, "parties.0.country_code"),
        ({"country_code": "N1"}, "parties.0.country_code"),
        ({"party_id": "EX"}, "parties.0.party_id"),
        ({"party_id": "EXAM"}, "parties.0.party_id"),
        ({"role": "DRIVER"}, "parties.0.role"),
        ({"role": "cpo"}, "parties.0.role"),
        ({"name": ""}, "parties.0.name"),
        ({"colour": "blue"}, "parties.0.colour"),
    ],
)
def test_invalid_party_is_rejected(
    party: dict[str, str], where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = {"country_code": "NL", "party_id": "EXA", "role": "CPO", "name": "Example"}
    monkeypatch.setenv("OPENROAM_PARTIES", json.dumps([base | party]))
    with pytest.raises(ConfigError, match=rf"invalid settings(.|\n)*{where}:"):
        Settings.load()


def test_a_party_configured_twice_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    """credentials.asciidoc: (role, party_id, country_code) is unique, case-insensitively."""
    one = {"country_code": "NL", "party_id": "EXA", "role": "CPO", "name": "Example"}
    monkeypatch.setenv(
        "OPENROAM_PARTIES", json.dumps([one, one | {"country_code": "nl", "party_id": "exa"}])
    )
    with pytest.raises(ConfigError, match="NL/EXA/CPO is configured twice"):
        Settings.load()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("port = 0", "port:"),
        ("port = 'http'", "port:"),
        ("page_limit = 0", "page_limit:"),
        ("v211_time_zone = 'Mars/Olympus'", "not an IANA time zone"),
        ("public_url = 'ocpi.example.com'", "must start with http"),
        ("databse_url = 'typo'", "databse_url: Extra inputs are not permitted"),
        ("port = ", "not valid TOML"),
    ],
)
def test_invalid_file_is_rejected(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.load(_write(tmp_path, text))


def test_v211_time_zone(tmp_path: Path) -> None:
    """The time_zone of a Location a 2.1.1 partner sends without one: UTC unless set."""
    assert Settings.load().v211_time_zone == "UTC"
    loaded = Settings.load(_write(tmp_path, "v211_time_zone = 'Europe/Amsterdam'"))
    assert loaded.v211_time_zone == "Europe/Amsterdam"


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing\.toml does not exist"):
        Settings.load(tmp_path / "missing.toml")


def test_file_values_do_not_leak_into_later_loads(tmp_path: Path) -> None:
    Settings.load(_write(tmp_path, TOML))
    assert Settings.load().port == 8080


WEBHOOKS_TOML = """
[webhooks]
secret = "file-secret"
timeout = 5

[webhooks.urls]
"session.started" = "https://backend.example.com/sessions"
"*" = "https://backend.example.com/other"
"""


def test_webhooks_from_toml(tmp_path: Path) -> None:
    webhooks = Settings.load(_write(tmp_path, WEBHOOKS_TOML)).webhooks
    assert webhooks.secret is not None
    assert webhooks.secret.get_secret_value() == "file-secret"
    assert webhooks.timeout == 5
    assert webhooks.max_delay == 600
    assert webhooks.url_for("session.started") == "https://backend.example.com/sessions"
    assert webhooks.url_for("cdr.received") == "https://backend.example.com/other"


def test_webhooks_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROAM_WEBHOOKS__SECRET", "env-secret")
    monkeypatch.setenv("OPENROAM_WEBHOOKS__URLS", json.dumps({"cdr.price_mismatch": "http://b/x"}))
    webhooks = Settings.load().webhooks
    assert webhooks.url_for("cdr.price_mismatch") == "http://b/x"
    assert webhooks.url_for("session.started") is None  # kept for GET /api/events
    monkeypatch.setenv("OPENROAM_WEBHOOKS", json.dumps({"secret": "s", "urls": {"*": "http://c"}}))
    monkeypatch.delenv("OPENROAM_WEBHOOKS__SECRET")
    monkeypatch.delenv("OPENROAM_WEBHOOKS__URLS")
    assert Settings.load().webhooks.url_for("session.ended") == "http://c"


@pytest.mark.parametrize(
    ("webhooks", "message"),
    [
        ({"urls": {"session.started": "http://b"}}, "a secret is required"),
        ({"secret": "s", "urls": {"session.exploded": "http://b"}}, "not an event type"),
        ({"secret": "s", "urls": {"*": "ftp://b"}}, "must be an http:// or https:// URL"),
        ({"secret": "s", "colour": "red"}, "webhooks.colour"),
    ],
)
def test_invalid_webhooks_are_rejected(
    monkeypatch: pytest.MonkeyPatch, webhooks: dict[str, object], message: str
) -> None:
    monkeypatch.setenv("OPENROAM_WEBHOOKS", json.dumps(webhooks))
    with pytest.raises(ConfigError, match=message):
        Settings.load()
