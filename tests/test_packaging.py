"""openroam as an installed package: declared dependencies, pinned installs, one version, and
library parts that import without the server stack."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import openroam

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]

# What a program that uses only the models, the tariff engine or the client must not pay for.
SERVER_STACK = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "asyncpg", "aiosqlite", "alembic")


def _names(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(line).name) for line in requirements}


def _top_level_imports(tree: Path) -> set[str]:
    found: set[str] = set()
    for path in tree.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def test_library_parts_import_without_the_server_stack() -> None:
    code = (
        "import sys, openroam.models, openroam.models.v221, openroam.pricing, openroam.client\n"
        f"loaded = sorted({{m.split('.')[0] for m in sys.modules}} & set({SERVER_STACK!r}))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert result.stdout.strip() == ""


def test_every_imported_distribution_is_declared() -> None:
    distributions = importlib.metadata.packages_distributions()
    imported = _top_level_imports(REPO / "src" / "openroam") - set(sys.stdlib_module_names)
    imported.discard("openroam")
    needed = {canonicalize_name(distributions[name][0]) for name in imported}
    declared = _names(PROJECT["dependencies"])
    assert needed - declared == set()


def test_constraints_pin_every_declared_dependency_exactly() -> None:
    pins: dict[str, str] = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not an exact pin: {line}"
            pins[canonicalize_name(name)] = version
    declared = _names(PROJECT["dependencies"]) | _names(PROJECT["optional-dependencies"]["dev"])
    assert declared - set(pins) == set()
    # The pins are what this environment runs: a venv that `make` built from them.
    for name in declared:
        requirement = next(
            Requirement(r)
            for r in [*PROJECT["dependencies"], *PROJECT["optional-dependencies"]["dev"]]
            if canonicalize_name(Requirement(r).name) == name
        )
        assert requirement.specifier.contains(pins[name]), (
            f"{name}=={pins[name]} is outside {requirement}"
        )


def test_version_is_written_once() -> None:
    assert "version" in PROJECT["dynamic"]
    assert "version" not in PROJECT
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "src/openroam/__init__.py"
    assert re.fullmatch(r"\d+\.\d+\.\d+", openroam.__version__)
    assert importlib.metadata.version("openroam") == openroam.__version__


def test_licence_and_type_marker_ship_with_the_package() -> None:
    assert PROJECT["license"] == "Apache-2.0"
    assert "Apache License" in (REPO / "LICENSE").read_text()
    assert (REPO / "src" / "openroam" / "py.typed").is_file()
