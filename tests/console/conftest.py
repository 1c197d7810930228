"""Fixtures of the console's browser tests: a headless Chromium, a real node with the console
on a loopback port, and a logged-in page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.console.browser import ADMIN_TOKEN, launched, log_in
from tests.e2e.nodes import NodeConfig, Party, free_port, running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


def console_node_config(tmp_path: Path, name: str = "cpo", **extra: str) -> NodeConfig:
    """A CPO node (NL*CON) with the console on and the test admin token."""
    return NodeConfig(
        name=name,
        port=free_port(),
        database_url=f"sqlite+aiosqlite:///{tmp_path / name}.db",
        parties=[Party("NL", "CON", "CPO", "Console CPO")],
        extra={"OPENROAM_ADMIN_TOKEN": ADMIN_TOKEN, **extra},
    )


@pytest.fixture
def console_node(tmp_path: Path) -> Iterator[NodeConfig]:
    """A running node with the console (``openroam serve``, its own SQLite file)."""
    with running(console_node_config(tmp_path), tmp_path) as node:
        yield node


@pytest.fixture
def logged_in(page: Page, console_node: NodeConfig) -> Page:
    log_in(page, console_node)
    return page
