"""Fixtures for the routing tests: a platform hosting two parties (CPO NL*ORC and eMSP NL*EMS)
on SQLite and PostgreSQL, its OCPI app in process, and partners registered with it — direct
partners and Hubs — whose endpoints are a small real HTTP server recording every request with
its headers (:mod:`tests.routing.recorder`)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI

from openroam._server.app import create_app
from openroam._services.credentials import Caller
from openroam._services.node import Node
from openroam._services.platform import OwnParty, Platform
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.records import Grant
from openroam.client import OcpiClient
from openroam.models.v221.credentials import CredentialsRole
from openroam.models.v221.locations import BusinessDetails
from openroam.models.v221.types import Role
from openroam.models.v221.versions import Endpoint, InterfaceRole, ModuleID
from tests.routing.recorder import Recorder, recorder

BASE_URL = "https://node.example.com"
CPO = ("NL", "ORC")
EMSP = ("NL", "EMS")
PLATFORM = Platform(
    public_url=BASE_URL,
    parties=(
        OwnParty(*CPO, Role.CPO, "openroam CPO"),
        OwnParty(*EMSP, Role.EMSP, "openroam eMSP"),
    ),
)
#: every interface of every functional module, as a partner (or a Hub) would offer them
ALL_ENDPOINTS: tuple[tuple[str, str], ...] = tuple(
    (module, side)
    for module in (
        "locations",
        "tariffs",
        "tokens",
        "sessions",
        "cdrs",
        "commands",
        "chargingprofiles",
    )
    for side in ("SENDER", "RECEIVER")
)


@pytest.fixture
def partner_server() -> Iterator[Recorder]:
    with recorder() as server:
        yield server


@pytest.fixture
def node(database: Database) -> Node:
    def api_factory(token: str, encode_token: bool) -> OcpiClient:
        return OcpiClient(token, encode_token=encode_token, timeout=5)

    return Node.build(
        PLATFORM,
        database,
        api_factory,
        command_api=api_factory,
        authorize_factory=api_factory,
        profiles_factory=api_factory,
    )


@pytest.fixture
def app(node: Node) -> FastAPI:
    return create_app(node)


@pytest.fixture
async def ocpi(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield http


Register = Callable[..., Awaitable[tuple[Caller, repo.PartnerRecord]]]


@pytest.fixture
def register(node: Node, partner_server: Recorder) -> Register:
    """Store a registered partner granted ``roles``, its endpoints on ``partner_server``; the
    Caller its requests authenticate as, and its record."""

    async def register(
        roles: tuple[tuple[Role, str, str], ...],
        endpoints: tuple[tuple[str, str], ...] = ALL_ENDPOINTS,
        name: str | None = None,
    ) -> tuple[Caller, repo.PartnerRecord]:
        name = name or f"partner-{uuid.uuid4().hex[:8]}"
        await node.credentials.invite(name, grants=[Grant(r, cc, pid) for r, cc, pid in roles])
        token = f"token-c-{uuid.uuid4().hex}"
        async with node.db.session() as session, session.begin():
            invited = await repo.get_partner_by_name(session, name)
            assert invited is not None
            record = await repo.save_registration(
                session,
                invited.id,
                versions_url=f"{partner_server.url}/ocpi/versions",
                version="2.2.1",
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
                        identifier=ModuleID(module),
                        role=InterfaceRole(side),
                        url=f"{partner_server.url}/{name}/{side.lower()}/{module}",
                    )
                    for module, side in endpoints
                ],
                incoming_token=token,
                outgoing_token=f"token-b-{uuid.uuid4().hex}",
            )
        caller = Caller(
            record.id,
            record.name,
            token,
            "C",
            str(record.status),
            tuple((str(r.role), r.country_code, r.party_id) for r in record.roles),
        )
        return caller, record

    return register


def auth(caller: Caller, **parties: tuple[str, str]) -> dict[str, str]:
    """The Authorization header of ``caller`` and routing headers: ``from_=(cc, pid)``,
    ``to=(cc, pid)``."""
    headers = {"Authorization": f"Token {caller.token}"}
    if "from_" in parties:
        headers["OCPI-from-country-code"], headers["OCPI-from-party-id"] = parties["from_"]
    if "to" in parties:
        headers["OCPI-to-country-code"], headers["OCPI-to-party-id"] = parties["to"]
    return headers
