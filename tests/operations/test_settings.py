"""The operations settings: ``log_format`` and ``metrics``, from the file or ``OPENROAM_*``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from openroam._config import ConfigError, Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("OPENROAM_"):
            monkeypatch.delenv(name)


def test_defaults_text_logs_and_open_metrics() -> None:
    settings = Settings.load()
    assert (settings.log_format, settings.metrics) == ("text", "open")


def test_from_the_file_and_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "openroam.toml"
    config.write_text('log_format = "json"\nmetrics = "off"\n')
    assert (Settings.load(config).log_format, Settings.load(config).metrics) == ("json", "off")
    monkeypatch.setenv("OPENROAM_METRICS", "token")
    monkeypatch.setenv("OPENROAM_ADMIN_TOKEN", "an admin token")
    assert Settings.load(config).metrics == "token"


def test_metrics_behind_the_token_need_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROAM_METRICS", "token")
    with pytest.raises(ConfigError, match="needs admin_token"):
        Settings.load()


@pytest.mark.parametrize("name", ["OPENROAM_METRICS", "OPENROAM_LOG_FORMAT"])
def test_unknown_values_are_refused(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(name, "loud")
    with pytest.raises(ConfigError, match=name.removeprefix("OPENROAM_").lower()):
        Settings.load()


def test_serve_offers_the_log_format() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "openroam", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("OPENROAM_")}
        | {"COLUMNS": "200"},
    )
    assert "--log-format" in result.stdout
    assert "json" in result.stdout
