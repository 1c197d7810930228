"""Fixtures for in-process server tests: a node on SQLite and on PostgreSQL, its ASGI app, an
``httpx.AsyncClient`` talking to it through ``ASGITransport``, and a fake partner platform.

Speed: creating and migrating a PostgreSQL database costs about a second, and a new engine per
test costs new connections, so each backend is created and migrated once per session
(``migrated_url``) and ``database`` (overriding the suite-wide fixture of the same name and
meaning) is one engine shared by the server tests of that backend. An engine belongs to one
event loop, so these tests and their async fixtures run in the session's loop. Tests stay
independent because every test invites its own partner, under a unique name, with fresh random
tokens.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from pytest_asyncio import is_async_test

from openroam._server.app import create_app
from openroam._services.credentials import PartnerApi
from openroam._services.node import Node
from openroam._services.platform import OwnParty, Platform
from openroam._store.db import Database, upgrade_async
from openroam._store.records import Grant
from openroam.client import OcpiClient
from openroam.models.v221.types import Role
from tests.conftest import _dsn, _postgres_admin_url
from tests.server.support import (
    CREDENTIALS,
    PARTNER_PARTY,
    FakePartner,
    partner_credentials,
    partner_party,
    token_header,
    unique_party_id,
)

HERE = Path(__file__).parent
PUBLIC_URL = "https://node.example.com"
PLATFORM = Platform(
    public_url=PUBLIC_URL,
    parties=(OwnParty("NL", "ORM", Role.CPO, "openroam test CPO", "https://cpo.example.com"),),
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the async tests of this directory in the session's event loop (see the docstring)."""
    marker = pytest.mark.asyncio(loop_scope="session")
    for item in items:
        if is_async_test(item) and HERE in item.path.parents:
            item.add_marker(marker, append=False)


async def _migrate(url: str) -> None:
    db = Database.connect(url)
    try:
        await upgrade_async(db)
    finally:
        await db.dispose()


@pytest_asyncio.fixture(scope="session", loop_scope="session", params=["sqlite", "postgresql"])
async def migrated_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A database migrated to head, shared by the server tests of one backend."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('server') / 'openroam.db'}"
        await _migrate(url)
        yield url
        return
    admin_url = await _postgres_admin_url()
    name = f"openroam_t_{uuid.uuid4().hex}"
    admin = await asyncpg.connect(_dsn(admin_url), timeout=5)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = _dsn(admin_url.set(drivername="postgresql+asyncpg", database=name))
            await _migrate(url)
            yield url
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def database(migrated_url: str) -> AsyncIterator[Database]:
    """A :class:`Database` on the migrated SQLite or PostgreSQL database of this session."""
    db = Database.connect(migrated_url)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture(autouse=True)
def fresh_partner_party() -> tuple[str, str]:
    """The party the test's partner is invited as: new for every test (see support)."""
    PARTNER_PARTY[:] = ["DE", unique_party_id()]
    return partner_party()


def partner_grants() -> list[Grant]:
    """What ``token_a`` invites a partner as: the eMSP party of ``partner_credentials``."""
    return [Grant(Role.EMSP, *partner_party())]


@pytest.fixture
def partner() -> FakePartner:
    return FakePartner()


@pytest.fixture
def node(database: Database, partner: FakePartner) -> Node:
    def api_factory(token: str, encode_token: bool) -> PartnerApi:
        # partner.transport is read at call time: a test may set it to None (real network).
        return OcpiClient(token, encode_token=encode_token, transport=partner.transport, timeout=5)

    return Node.build(PLATFORM, database, api_factory)


@pytest.fixture
def app(node: Node) -> FastAPI:
    return create_app(node)


@pytest_asyncio.fixture(loop_scope="session")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
        yield http


@pytest_asyncio.fixture(loop_scope="session")
async def token_a(node: Node) -> str:
    """A fresh invitation token A for a new partner (registration step 0)."""
    return await node.credentials.invite(f"partner-{uuid.uuid4().hex}", grants=partner_grants())


@dataclass(frozen=True)
class Registration:
    token_a: str
    token_b: str
    token_c: str


async def register(client: httpx.AsyncClient, token_a: str) -> Registration:
    """The partner POSTs its credentials with token A; the node answers with token C."""
    token_b = f"token-b-{uuid.uuid4().hex}"
    response = await client.post(
        CREDENTIALS, json=partner_credentials(token_b), headers=token_header(token_a)
    )
    assert response.status_code == 200, response.text
    assert response.json()["status_code"] == 1000, response.text
    return Registration(token_a, token_b, response.json()["data"]["token"])


@pytest_asyncio.fixture(loop_scope="session")
async def registered(client: httpx.AsyncClient, token_a: str) -> Registration:
    """A partner that completed registration with the node."""
    return await register(client, token_a)
