"""Fixtures for backend API tests: a node (CPO and eMSP) on SQLite and PostgreSQL with the API
mounted as the runtime mounts it, a client holding the admin token, and registered partners."""

from __future__ import annotations

import functools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from openroam._api import api_router, include_api
from openroam._server.app import create_app
from openroam._services.credentials import Caller, PartnerApi
from openroam._services.node import Node
from openroam._services.platform import OwnParty, Platform
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.records import Grant
from openroam.models.v221.credentials import CredentialsRole
from openroam.models.v221.locations import BusinessDetails
from openroam.models.v221.types import Role
from openroam.models.v221.versions import Endpoint, InterfaceRole, ModuleID

ADMIN_TOKEN = "admin-token-for-tests"
BASE_URL = "https://node.example.com"
PLATFORM = Platform(
    public_url=BASE_URL,
    parties=(
        OwnParty("NL", "ORM", Role.CPO, "openroam test CPO"),
        OwnParty("NL", "ORM", Role.EMSP, "openroam test eMSP"),
    ),
)


def _no_partner_calls(token: str, encode_token: bool) -> PartnerApi:
    raise AssertionError("backend API tests make no calls to partners")


@pytest.fixture
def node(database: Database) -> Node:
    return Node.build(PLATFORM, database, _no_partner_calls)


@functools.cache
def _router(admin_token: str | None) -> APIRouter:
    # Building the router costs FastAPI a few hundred milliseconds; it holds no node state.
    return api_router(admin_token)


def api_app(node: Node, admin_token: str | None = ADMIN_TOKEN) -> FastAPI:
    """The node's app with the backend API mounted, as the runtime mounts it."""
    app = create_app(node)
    include_api(app, admin_token, _router(admin_token))
    return app


@pytest.fixture
def app(node: Node) -> FastAPI:
    return api_app(node)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the API sending the admin token."""
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as http:
        yield http


@pytest.fixture
async def anonymous(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the API without any Authorization header."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield http


RegisterPartner = Callable[..., Awaitable[Caller]]


@pytest.fixture
def register_partner(node: Node) -> RegisterPartner:
    """Store a registered partner (as after the credentials handshake) and return the Caller its
    OCPI requests would authenticate as."""

    async def register(
        name: str | None = None,
        roles: tuple[tuple[Role, str, str], ...] = ((Role.CPO, "DE", "PRT"),),
        endpoints: tuple[tuple[str, str], ...] = (("credentials", "SENDER"),),
        version: str = "2.2.1",
    ) -> Caller:
        name = name or f"partner-{uuid.uuid4().hex[:8]}"
        await node.credentials.invite(
            name,
            grants=[Grant(role, country_code, party_id) for role, country_code, party_id in roles],
        )
        token = f"token-c-{uuid.uuid4().hex}"
        async with node.db.session() as session, session.begin():
            invited = await repo.get_partner_by_name(session, name)
            assert invited is not None
            record = await repo.save_registration(
                session,
                invited.id,
                versions_url="https://partner.example.com/ocpi/versions",
                version=version,
                roles=[
                    CredentialsRole(
                        role=role,
                        business_details=BusinessDetails(name=f"{name} {role}"),
                        party_id=party_id,
                        country_code=country_code,
                    )
                    for role, country_code, party_id in roles
                ],
                endpoints=[
                    Endpoint(
                        identifier=ModuleID(identifier),
                        role=InterfaceRole(interface),
                        url=f"https://partner.example.com/ocpi/{version}/{identifier}",
                    )
                    for identifier, interface in endpoints
                ],
                incoming_token=token,
                outgoing_token=f"token-b-{uuid.uuid4().hex}",
            )
        return Caller(
            record.id,
            record.name,
            token,
            "C",
            str(record.status),
            tuple((str(r.role), r.country_code, r.party_id) for r in record.roles),
        )

    return register
