"""Headless Chromium for the console's browser tests (Debian's ``chromium``, driven by
Playwright without a browser download: ``executable_path``).

Outside CI a machine without chromium skips these tests (``apt-get install chromium
chromium-driver``); with ``CI=true`` a missing browser fails them (``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.e2e.nodes import NodeConfig

#: The admin token of every console test node; ``admin`` logs in with it.
ADMIN_TOKEN = "console-admin-token-for-tests"

# The flags of a browser on a machine with no network beyond loopback: without the
# background-networking ones Chromium keeps trying Google's hosts.
_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    """The Chromium to drive: ``OPENROAM_CHROMIUM``, else chromium on PATH."""
    found = os.environ.get("OPENROAM_CHROMIUM") or shutil.which("chromium")
    if found:
        return found
    message = "no chromium on this machine (apt-get install chromium chromium-driver)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def launched() -> Iterator[Browser]:
    path = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(page: Page, node: NodeConfig, user: str = "admin", password: str = ADMIN_TOKEN) -> None:
    """Log in to ``node``'s console in ``page`` and wait for the first page after it."""
    page.goto(f"{node.base_url}/admin/login")
    page.fill("#name", user)
    page.fill("#password", password)
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"{node.base_url}/admin/**")


def screenshot_path(name: str, default_dir: Path) -> Path:
    """Where a screenshot goes: ``OPENROAM_SCREENSHOTS`` (e.g. docs/images, for README) or a
    test's own directory."""
    folder = Path(os.environ.get("OPENROAM_SCREENSHOTS") or default_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name
