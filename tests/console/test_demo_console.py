"""``make run`` (``openroam demo``) prints each demo node's console and a login that works;
``openroam serve`` prints the console's address."""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.console.browser import ADMIN_TOKEN
from tests.console.conftest import console_node_config
from tests.e2e.nodes import free_port, running

_LOGIN = re.compile(
    r"console of the (CPO|eMSP) +node: (http://127\.0\.0\.1:\d+/admin) +"
    r"\(name admin, password (\S+)\)"
)


def _lines_until(process: subprocess.Popen[str], count: int, seconds: float) -> list[str]:
    """The first ``count`` console lines the demo prints, within ``seconds``."""
    assert process.stdout is not None
    found: list[str] = []
    output: list[str] = []
    deadline = time.monotonic() + seconds
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while len(found) < count and time.monotonic() < deadline:
            if not selector.select(timeout=max(deadline - time.monotonic(), 0)):
                continue
            line = process.stdout.readline()
            if not line:
                break
            output.append(line)
            if _LOGIN.search(line):
                found.append(line)
    assert len(found) == count, "".join(output)
    return found


def test_the_demo_prints_a_console_login_per_node(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENROAM_")}
    command = [
        sys.executable, "-m", "openroam", "demo", "--exit", "--speed", "240",
        "--cpo-port", str(free_port()), "--emsp-port", str(free_port()), "--dir", str(tmp_path),
    ]  # fmt: skip
    with subprocess.Popen(
        command,
        env=env | {"COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        try:
            _check_the_printed_logins(_lines_until(process, 2, seconds=60))
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


def _check_the_printed_logins(lines: list[str]) -> None:
    logins = [_LOGIN.search(line) for line in lines]
    assert {m.group(1) for m in logins if m} == {"CPO", "eMSP"}
    for found in logins:
        assert found is not None
        url, password = found.group(2), found.group(3)
        answer = httpx.post(
            f"{url}/login",
            data={"name": "admin", "password": password, "next": "/admin/health"},
            headers={"Origin": url.removesuffix("/admin")},
            timeout=30,
        )
        assert answer.status_code == 303, f"the printed login of {url} does not work"


def test_serve_prints_the_console_address(tmp_path: Path) -> None:
    config = console_node_config(tmp_path, "printed")
    with running(config, tmp_path) as node:
        log = (tmp_path / "printed.log").read_text()
    assert f"operator console: {node.base_url}/admin (log in: admin with the admin token)" in log
    assert ADMIN_TOKEN not in log
