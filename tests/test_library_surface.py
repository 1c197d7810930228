"""The public surface: what the docs tell users to import comes from a documented module whose
``__all__`` names it, and every other module says it is internal by a leading underscore in its
dotted name (docs/architecture.md "Public surface")."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import openroam
from openroam.models import v221

REPO = Path(__file__).resolve().parents[1]

V221_CHAPTERS = [
    "cdrs",
    "charging_profiles",
    "commands",
    "credentials",
    "hub_client_info",
    "locations",
    "sessions",
    "tariffs",
    "tokens",
    "types",
    "versions",
]
# versions and credentials are added at integration (written on another branch).
V211_CHAPTERS = [
    "cdrs",
    "commands",
    "credentials",
    "locations",
    "sessions",
    "tariffs",
    "tokens",
    "types",
    "versions",
]
# Every module a user may import. The rest (openroam._store, openroam.pricing._engine, …) is
# internal and may change without notice.
PUBLIC_MODULES = {
    "openroam",
    "openroam.client",
    "openroam.errors",
    "openroam.models",
    "openroam.models.common",
    "openroam.models.v221",
    "openroam.node",
    "openroam.pricing",
    "openroam.simulator",
    *(f"openroam.models.v221.{chapter}" for chapter in V221_CHAPTERS),
    "openroam.models.v211",
    *(f"openroam.models.v211.{chapter}" for chapter in V211_CHAPTERS),
}


def _all_modules() -> set[str]:
    found = {"openroam"}
    for info in pkgutil.walk_packages(openroam.__path__, "openroam."):
        found.add(info.name)
    return found


def test_every_module_is_public_or_marked_internal() -> None:
    modules = _all_modules()
    unmarked = {
        name
        for name in modules
        if not any(part.startswith("_") for part in name.split("."))
        and "migrations" not in name.split(".")
    }
    assert unmarked == PUBLIC_MODULES


@pytest.mark.parametrize("name", sorted(PUBLIC_MODULES - {"openroam.models"}))
def test_public_module_lists_what_it_exports(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(exported) == len(set(exported)), "a name is listed twice"
    for attribute in exported:
        assert hasattr(module, attribute), f"{name}.__all__ names {attribute}, which is missing"


def test_top_level_names() -> None:
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


def test_node_names() -> None:
    import openroam.node

    assert sorted(openroam.node.__all__) == [
        "AuthorizationHook",
        "AuthorizationRequest",
        "Backend",
        "ChargingBackend",
        "CommandHandler",
        "Decision",
        "Event",
        "EventCallback",
        "EventType",
        "Listing",
        "Node",
        "PartnerInfo",
        "Posted",
        "ProfileHandler",
        "Receipt",
        "ReceivedRequest",
        "RequestView",
        "Settings",
        "StartRequest",
        "Stopped",
        "TokenRef",
        "Verdict",
        "WriteResult",
        "build_app",
        "open_node",
        "verify_signature",
    ]


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
    for chapter in V221_CHAPTERS:
        module = importlib.import_module(f"openroam.models.v221.{chapter}")
        classes = {name for name in module.__all__ if isinstance(getattr(module, name), type)}
        assert classes <= set(v221.__all__), chapter


_IMPORT = re.compile(r"^from (openroam[\w.]*) import ([\w, ]+)$", re.MULTILINE)


def _documented_imports() -> list[tuple[str, str, list[str]]]:
    """``from openroam… import …`` lines of the Python blocks in README.md and docs/."""
    found = []
    for page in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for block in re.findall(r"```python\n(.*?)```", page.read_text(), re.DOTALL):
            for module, names in _IMPORT.findall(block):
                found.append((page.name, module, [n.strip() for n in names.split(",")]))
    return found


def test_docs_import_only_public_names() -> None:
    imports = _documented_imports()
    assert {module for _, module, _ in imports} >= {"openroam.node", "openroam.pricing"}
    for page, module_name, names in imports:
        assert module_name in PUBLIC_MODULES, f"{page} imports from internal {module_name}"
        module = importlib.import_module(module_name)
        for name in names:
            assert name in module.__all__, f"{page}: {module_name} does not export {name}"
