"""The ``openroam`` command starts without the node's stack: ``--help`` of any command and the
commands that do not open a node import no web framework, database layer or HTTP client (each
command that needs them imports them when it runs)."""

from __future__ import annotations

import subprocess
import sys

#: What only a command that runs or opens a node (or the simulator, or the demo) may import.
HEAVY = (
    "sqlalchemy", "alembic", "aiosqlite", "fastapi", "starlette", "uvicorn", "httpx", "jinja2",
    "pydantic_settings", "openroam._config", "openroam._runtime", "openroam._store",
    "openroam._server", "openroam._api", "openroam._admin", "openroam._delivery",
    "openroam._demo", "openroam.simulator",
)  # fmt: skip

# Each command line in turn in one fresh interpreter; then the heavy modules it loaded.
_PROBE = """
import sys
from openroam._cli.main import app
for args in sys.argv[1:]:
    try:
        app(args.split(), prog_name="openroam")
    except SystemExit:
        pass
heavy = sys.stdin.read().split()
loaded = [m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy)]
print("LOADED", *sorted(loaded))
"""


def test_help_and_light_commands_load_no_server_or_storage_modules() -> None:
    commands = ["--help", "invite --help", "serve --help", "partners --help", "pull --help",
                "simulate --help", "demo --help", "deliveries --help", "db upgrade --help",
                "validate --help", "price --help"]  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *commands],
        input=" ".join(HEAVY),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "Usage: openroam invite" in result.stdout
    (loaded,) = [line for line in result.stdout.splitlines() if line.startswith("LOADED")]
    assert loaded.split()[1:] == []
