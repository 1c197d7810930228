"""Two openroam nodes in one process for the demo, each a real HTTP server on loopback.

Each node is configured as an operator would configure ``openroam serve`` (its own SQLite file,
parties, admin token) and served by uvicorn with its workers (push, pull, webhooks, commands).
Both run in the demo's event loop; the demo's own Ctrl-C handling stops them, so uvicorn is kept
from installing signal handlers of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from openroam._admin import console_enabled
from openroam._config import PartyConfig, Settings
from openroam._runtime import build_app
from openroam._services.node import Node

__all__ = ["DemoNode", "node_settings", "serving"]

STARTUP_SECONDS = 30.0


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the demo handles Ctrl-C for both servers


@dataclass(frozen=True)
class DemoNode:
    name: str
    settings: Settings
    node: Node

    @property
    def base_url(self) -> str:
        return self.settings.public_url.rstrip("/")

    @property
    def admin_token(self) -> str:
        assert self.settings.admin_token is not None
        return self.settings.admin_token.get_secret_value()

    @property
    def console_url(self) -> str | None:
        """The operator console's address (None when the settings turned it off)."""
        return f"{self.base_url}/admin" if console_enabled(self.settings) else None


def node_settings(
    directory: Path,
    name: str,
    port: int,
    party: tuple[str, str, str],
    role: str,
    ocpi_versions: tuple[str, ...] = ("2.2.1", "2.1.1"),
) -> Settings:
    """An operator's settings for one demo node; ``ocpi_versions``: the OCPI versions it offers
    partners (a registration agrees on the newest both sides offer)."""
    country_code, party_id, label = party
    return Settings(
        database_url=f"sqlite+aiosqlite:///{directory / f'{name}.db'}",
        public_url=f"http://127.0.0.1:{port}",
        host="127.0.0.1",
        port=port,
        admin_token=secrets.token_urlsafe(24),
        parties=[PartyConfig(country_code=country_code, party_id=party_id, role=role, name=label)],
        ocpi_versions=ocpi_versions,
        # Short retry and pull periods: the demo converges in seconds, with the production code.
        push_max_delay=2.0,
        pull_interval=30.0,
    )


@contextlib.asynccontextmanager
async def serving(name: str, settings: Settings, log_level: str) -> AsyncIterator[DemoNode]:
    """Serve a node until the block ends."""
    app = build_app(settings)
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level=log_level, lifespan="on"
    )
    server = _Server(config)

    async def serve() -> None:
        # uvicorn exits the process when it cannot start (a port in use): here only the node.
        with contextlib.suppress(SystemExit):
            await server.serve()

    task = asyncio.create_task(serve(), name=f"openroam-demo-{name}")
    try:
        deadline = asyncio.get_running_loop().time() + STARTUP_SECONDS
        while not server.started:
            if task.done():
                # uvicorn logged why (e.g. the port is taken) and exited.
                raise RuntimeError(
                    f"the {name} node could not start on {settings.host}:{settings.port} "
                    "(is the port in use? choose others with --cpo-port and --emsp-port)"
                )
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"the {name} node did not start in {STARTUP_SECONDS:.0f} s")
            await asyncio.sleep(0.05)
        yield DemoNode(name, settings, app.state.node)
    finally:
        server.should_exit = True
        await asyncio.gather(task, return_exceptions=True)
