"""The library surface: exactly the names in ``openroam.__all__`` (docs/architecture.md "What the
code has settled": Public surface)."""

from __future__ import annotations

import openroam
from openroam.models import v221


def test_public_names() -> None:
    assert sorted(openroam.__all__) == [
        "OcpiError",
        "OcpiModel",
        "OcpiResponse",
        "StatusCode",
        "__version__",
        "error_for_status_code",
        "fold_id",
        "v221",
    ]
    for name in openroam.__all__:
        assert hasattr(openroam, name)


def test_v221_exports_every_model_of_every_chapter() -> None:
    for name in (
        "Location",
        "EVSE",
        "Connector",
        "Session",
        "CDR",
        "Tariff",
        "Token",
        "Credentials",
        "VersionDetails",
        "ClientInfo",
        "StartSession",
        "ChargingProfile",
        "LocationPatch",
        "SessionPatch",
        "TokenPatch",
    ):
        assert name in v221.__all__
    for name in v221.__all__:
        assert getattr(v221, name).__module__.startswith("openroam.models")
