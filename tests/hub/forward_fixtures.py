"""Fixtures of the Hub forwarding tests (``pytest_plugins`` of ``test_forward*.py`` and
``test_relay*.py``): a Hub node, a client of its OCPI server, and parties behind it on real HTTP
servers (``forward_support``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio

from openroam._server.app import create_app
from openroam._services.node import Node
from openroam._store.db import Database
from openroam.client import OcpiClient
from openroam.client._forward import Forwarder
from openroam.models.v221.types import Role
from tests.hub.forward_support import (
    FORWARD_TIMEOUT,
    HUB_PLATFORM,
    HUB_URL,
    Party,
    Target,
    connect,
    running_target,
)


@pytest.fixture
def hub_node(database: Database) -> Node:
    forwarder = Forwarder()

    def api_factory(token: str, encode_token: bool) -> OcpiClient:
        return OcpiClient(token, encode_token=encode_token, timeout=2)

    return Node.build(
        HUB_PLATFORM,
        database,
        api_factory,
        forwarder=forwarder,
        hub_forward_timeout=FORWARD_TIMEOUT,
    )


@pytest_asyncio.fixture
async def hub(hub_node: Node) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the Hub's OCPI server (in process)."""
    transport = httpx.ASGITransport(app=create_app(hub_node))
    async with httpx.AsyncClient(transport=transport, base_url=HUB_URL) as client:
        yield client
    forwarder = hub_node.hub_routing.forwarder if hub_node.hub_routing else None
    if isinstance(forwarder, Forwarder):
        await forwarder.aclose()


@pytest.fixture
def cpo_site() -> Iterator[Target]:
    with running_target() as target:
        yield target


@pytest.fixture
def emsp_site() -> Iterator[Target]:
    with running_target() as target:
        yield target


@pytest.fixture
def emsp2_site() -> Iterator[Target]:
    with running_target() as target:
        yield target


@pytest_asyncio.fixture
async def cpo(hub_node: Node, cpo_site: Target) -> Party:
    return await connect(hub_node, "cpo1", ((Role.CPO, "NL", "CP1"),), cpo_site.url)


@pytest_asyncio.fixture
async def emsp(hub_node: Node, emsp_site: Target) -> Party:
    return await connect(hub_node, "emsp1", ((Role.EMSP, "NL", "EM1"),), emsp_site.url)


@pytest_asyncio.fixture
async def emsp2(hub_node: Node, emsp2_site: Target) -> Party:
    return await connect(hub_node, "emsp2", ((Role.EMSP, "DE", "EM2"),), emsp2_site.url)
