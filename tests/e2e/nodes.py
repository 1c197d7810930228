"""Real openroam nodes for end-to-end tests: `python -m openroam serve` on a loopback port.

Each node is a separate process with its own database, configured only through ``OPENROAM_*``
environment variables, exactly as an operator would run it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Party:
    country_code: str
    party_id: str
    role: str
    name: str


@dataclass(frozen=True)
class NodeConfig:
    name: str
    port: int
    database_url: str
    parties: Sequence[Party]
    #: more OPENROAM_* settings, e.g. {"OPENROAM_ADMIN_TOKEN": "…"}
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def versions_url(self) -> str:
        return f"{self.base_url}/ocpi/versions"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPENROAM_")}
        env.update(
            OPENROAM_DATABASE_URL=self.database_url,
            OPENROAM_PUBLIC_URL=self.base_url,
            OPENROAM_HOST="127.0.0.1",
            OPENROAM_PORT=str(self.port),
            OPENROAM_PARTIES=json.dumps([party.__dict__ for party in self.parties]),
        )
        env.update(self.extra)
        return env

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``openroam <args>`` against this node's database and settings."""
        result = subprocess.run(
            [sys.executable, "-m", "openroam", *args],
            env=self.env() | {"COLUMNS": "200"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"openroam {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result


def _wait_until_serving(node: NodeConfig, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"node {node.name} exited:\n{log.read_text()}")
        try:
            # Without a token the node answers 401: that is enough to know it serves.
            httpx.get(node.versions_url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(
        f"node {node.name} did not start in {STARTUP_SECONDS}s:\n{log.read_text()}"
    )


@dataclass(frozen=True)
class Running:
    """The processes of :func:`running_together`, by node name."""

    processes: Mapping[str, subprocess.Popen[bytes]]

    def stop(self, node: NodeConfig) -> None:
        stop(self.processes[node.name])


@contextmanager
def running(node: NodeConfig, log_dir: Path) -> Iterator[NodeConfig]:
    """Start ``openroam serve`` for ``node`` and stop it afterwards."""
    with running_together((node,), log_dir):
        yield node


@contextmanager
def running_together(nodes: Sequence[NodeConfig], log_dir: Path) -> Iterator[Running]:
    """Start ``openroam serve`` for each of ``nodes`` and stop them afterwards.

    The processes are started together, then waited for one by one: each node's start-up
    (imports, migrations) overlaps the others'. ``.stop(node)`` ends one of them early (an
    outage; ``running(node, log_dir)`` starts it again).
    """
    with ExitStack() as stack:
        started = []
        for node in nodes:
            log = log_dir / f"{node.name}.log"
            output = stack.enter_context(log.open("wb"))
            process = subprocess.Popen(
                [sys.executable, "-m", "openroam", "serve"],
                env=node.env(),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
            started.append((node, process, log))
        stack.callback(_stop_all, [process for _, process, _ in started])
        for node, process, log in started:
            _wait_until_serving(node, process, log)
        yield Running({node.name: process for node, process, _ in started})


def _stop_all(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    # SIGTERM to all first: the nodes shut down together.
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a node's process: SIGTERM (a clean shutdown), SIGKILL if it is not gone in 10 s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


#: How long a test waits for something a node does in the background (a push, a pull).
WAIT_SECONDS = 45.0


def admin_api(node: NodeConfig, method: str, path: str, body: Any = None) -> httpx.Response:
    """``method /api/<path>`` on ``node``'s backend API with its admin token
    (``OPENROAM_ADMIN_TOKEN`` of its settings); fails the test unless it succeeded."""
    response = httpx.request(
        method,
        f"{node.base_url}/api/{path}",
        json=body,
        headers={"Authorization": f"Bearer {node.extra['OPENROAM_ADMIN_TOKEN']}"},
        timeout=10,
    )
    assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
    return response


def eventually(what: str, check: Callable[[], bool], seconds: float = WAIT_SECONDS) -> None:
    """Return once ``check()`` holds; fail the test, saying ``what``, if it does not within
    ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds:g}s: {what}")
