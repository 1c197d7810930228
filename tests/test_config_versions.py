"""The setting ``ocpi_versions``: which OCPI versions a node offers (version_information_endpoint.md
"Version information endpoint", 2.1.1; version_information_endpoint, 2.2.1)."""

from __future__ import annotations

import pytest

from openroam._config import ConfigError, Settings
from openroam._runtime import platform_from_settings


def test_both_versions_are_offered_by_default_newest_first() -> None:
    """version_information_endpoint.md "Version information endpoint": every version served."""
    settings = Settings.load()
    assert settings.ocpi_versions == ("2.2.1", "2.1.1")
    assert platform_from_settings(settings).versions == ("2.2.1", "2.1.1")


def test_one_version_may_be_offered_and_the_order_is_newest_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """version_information_endpoint.md "Version information endpoint" (2.1.1 only, or both)."""
    monkeypatch.setenv("OPENROAM_OCPI_VERSIONS", '["2.1.1"]')
    assert Settings.load().ocpi_versions == ("2.1.1",)
    monkeypatch.setenv("OPENROAM_OCPI_VERSIONS", '["2.1.1", "2.2.1"]')
    assert Settings.load().ocpi_versions == ("2.2.1", "2.1.1")


@pytest.mark.parametrize("value", ['["2.0"]', "[]", '["2.2.1", "2.2.1"]', '["2.3.0", "2.2.1"]'])
def test_other_versions_are_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """version_information_endpoint.md "VersionNumber enum": openroam serves 2.1.1 and 2.2.1."""
    monkeypatch.setenv("OPENROAM_OCPI_VERSIONS", value)
    with pytest.raises(ConfigError, match="ocpi_versions"):
        Settings.load()
