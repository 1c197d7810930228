"""Fixtures for the operations tests (``/health``, ``/ready``, ``/metrics``, log lines): a node on
SQLite and PostgreSQL with the backend API mounted as the runtime mounts it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from openroam._api import include_api
from openroam._server.app import create_app
from openroam._server.probes import MetricsAccess
from openroam._services.credentials import PartnerApi
from openroam._services.node import Node
from openroam._services.platform import OwnParty, Platform
from openroam._store.db import Database
from openroam.models.v221.types import Role

ADMIN_TOKEN = "admin-token-for-operations-tests"
BASE_URL = "https://node.example.com"
PLATFORM = Platform(
    public_url=BASE_URL, parties=(OwnParty("NL", "ORM", Role.CPO, "openroam test CPO"),)
)
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _no_partner_calls(token: str, encode_token: bool) -> PartnerApi:
    raise AssertionError("operations tests make no calls to partners")


def node_on(db: Database) -> Node:
    return Node.build(PLATFORM, db, _no_partner_calls)


def app_for(node: Node, metrics: MetricsAccess = "open") -> FastAPI:
    """The app as ``openroam serve`` builds it (_runtime.build_app), around ``node``."""
    app = create_app(node, metrics=metrics, admin_token=ADMIN_TOKEN)
    include_api(app, ADMIN_TOKEN)
    return app


@pytest.fixture
def node(database: Database) -> Node:
    return node_on(database)


@pytest.fixture
def app(node: Node) -> FastAPI:
    return app_for(node)


def client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http:
        yield http
