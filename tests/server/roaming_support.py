"""Set-up shared by the Locations, Tariffs and Tokens route tests (Sender and Receiver).

The server tests of one backend share one database (see ``conftest``), so every test gets a node
whose own parties have party ids no other test uses: our Sender lists (which hold the objects of
our own parties) then hold exactly what the test wrote, and partners, registered per test, are
new too. Registration is the real credentials handshake against the fake partner.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest

from openroam._server.app import create_app
from openroam._services.addressing import counterparty_of
from openroam._services.credentials import PartnerApi
from openroam._services.node import Node
from openroam._services.object_specs import SPECS
from openroam._services.platform import OwnParty, Platform
from openroam._services.token_contracts import contract_of
from openroam._store import object_repo as store
from openroam._store.db import Database
from openroam._store.records import Grant
from openroam.client import OcpiClient
from openroam.models.common import parse_datetime
from openroam.models.v221.types import Role
from tests.api import support as api_objects
from tests.server.conftest import PUBLIC_URL
from tests.server.support import (
    CREDENTIALS,
    FakePartner,
    partner_credentials,
    token_header,
    unique_party_id,
)

BASE = "/ocpi/2.2.1"
JSON = {"Content-Type": "application/json"}
Party = tuple[str, str]

#: For rules of the HTTP layer (parsing, authentication, methods, headers) that storage does not
#: affect: run them on the SQLite database only, to keep the suite fast.
SQLITE_ONLY = pytest.mark.parametrize("migrated_url", ["sqlite"], indirect=True)


def sender_url(module: str, *ids: str) -> str:
    return "/".join((f"{BASE}/sender/{module}", *ids))


def receiver_url(module: str, party: Party, *ids: str, type_: str | None = None) -> str:
    url = "/".join((f"{BASE}/receiver/{module}", *party, *ids))
    return url if type_ is None else f"{url}?type={type_}"


@dataclass
class Roaming:
    """A node with unique own parties, a client of its app, and one registered partner."""

    client: httpx.AsyncClient
    node: Node
    #: our own parties, by role
    cpo: Party
    emsp: Party
    #: the registered partner: its id, its CredentialsRoles (two CPO parties, one eMSP party)
    partner_id: int
    partner_cpo: Party
    partner_cpo2: Party
    partner_emsp: Party
    auth: dict[str, str] = field(default_factory=dict)

    async def register(self, roles: list[tuple[Role, Party]]) -> tuple[int, dict[str, str]]:
        """Register another partner with these roles; its id and Authorization header."""
        return await register(self.client, self.node, roles)

    async def get(self, url: str, auth: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
        return await self.client.get(url, headers=self.auth if auth is None else auth, **kw)

    async def put(self, url: str, body: Any, auth: dict[str, str] | None = None) -> httpx.Response:
        headers = (self.auth if auth is None else auth) | JSON
        return await self.client.put(url, content=orjson.dumps(body), headers=headers)

    async def patch(
        self, url: str, body: Any, auth: dict[str, str] | None = None
    ) -> httpx.Response:
        headers = (self.auth if auth is None else auth) | JSON
        return await self.client.patch(url, content=orjson.dumps(body), headers=headers)

    async def own_put(self, module: str, *bodies: dict[str, Any]) -> None:
        """Store our own objects, validated as the backend's writes are, in one transaction.

        Straight into the store rather than through ``RoamingService.own_put``, which also
        queues a delivery for every registered partner with a Receiver endpoint: the server
        tests of a backend share one database that holds every partner they registered, so
        each write would cost more the later a test runs (deliveries are tested in tests/api).
        """
        spec = SPECS[module]
        async with self.node.db.session() as session, session.begin():
            for body in bodies:
                document = spec.top.model.model_validate_json(orjson.dumps(body)).to_dict()
                await store.put_object(
                    session,
                    module=module,
                    origin=store.OWN,
                    country_code=document["country_code"],
                    party_id=document["party_id"],
                    object_id=document[spec.top.id_field],
                    object_type=document["type"] if spec.typed else "",
                    last_updated=parse_datetime(document["last_updated"]),
                    document=orjson.dumps(document),
                    counterparty=counterparty_of(spec, document),
                    contract_id=contract_of(spec, document),
                )


def location(party: Party, location_id: str = "LOC1", **changes: Any) -> dict[str, Any]:
    """A Location of ``party`` (mod_locations "Location object")."""
    return api_objects.location(location_id, *party, **changes)


def tariff(party: Party, tariff_id: str = "T1", **changes: Any) -> dict[str, Any]:
    """A Tariff of ``party`` (mod_tariffs "Tariff object")."""
    country_code, party_id = party
    return api_objects.tariff(tariff_id, country_code=country_code, party_id=party_id, **changes)


def session(party: Party, emsp: Party, session_id: str = "S1", **changes: Any) -> dict[str, Any]:
    """A Session of CPO ``party`` for a token of ``emsp`` (mod_sessions "Session object")."""
    country_code, party_id = party
    return api_objects.session(
        session_id, emsp=emsp, country_code=country_code, party_id=party_id, **changes
    )


def token(party: Party, uid: str = "012345678", **changes: Any) -> dict[str, Any]:
    """A Token of ``party`` (mod_tokens "Token object"), RFID unless ``type`` is given."""
    country_code, party_id = party
    return api_objects.token(uid, country_code=country_code, party_id=party_id, **changes)


def grants_of(roles: list[tuple[Role, Party]]) -> list[Grant]:
    return [Grant(role, country_code, party_id) for role, (country_code, party_id) in roles]


def _api_factory(partner: FakePartner) -> Any:
    def factory(token: str, encode_token: bool) -> PartnerApi:
        return OcpiClient(token, encode_token=encode_token, transport=partner.transport, timeout=5)

    return factory


def own_platform(*, cpo_parties: int = 1) -> Platform:
    """A platform hosting ``cpo_parties`` CPO parties and one eMSP party, all with new ids."""
    parties = [
        OwnParty("NL", unique_party_id(), Role.CPO, f"test CPO {n}") for n in range(cpo_parties)
    ]
    parties.append(OwnParty("NL", unique_party_id(), Role.EMSP, "test eMSP"))
    return Platform(public_url=PUBLIC_URL, parties=tuple(parties))


async def register(
    client: httpx.AsyncClient, node: Node, roles: list[tuple[Role, Party]]
) -> tuple[int, dict[str, str]]:
    """The credentials handshake of a new partner granted and registering these roles
    (credentials.asciidoc)."""
    name = f"partner-{uuid.uuid4().hex}"
    token_a = await node.credentials.invite(name, grants=grants_of(roles))
    body = partner_credentials(
        f"token-b-{uuid.uuid4().hex}",
        roles=[
            {
                "role": str(role),
                "business_details": {"name": f"{name} {role}"},
                "party_id": party_id,
                "country_code": country_code,
            }
            for role, (country_code, party_id) in roles
        ],
    )
    response = await client.post(CREDENTIALS, json=body, headers=token_header(token_a))
    assert response.status_code == 200, response.text
    assert response.json()["status_code"] == 1000, response.text
    caller = await node.credentials.authenticate([response.json()["data"]["token"]])
    assert caller is not None
    return caller.partner_id, token_header(response.json()["data"]["token"])


@asynccontextmanager
async def open_roaming(
    database: Database, partner: FakePartner, *, page_limit: int = 100, cpo_parties: int = 1
) -> AsyncIterator[Roaming]:
    """A :class:`Roaming` set-up on ``database`` (SQLite or PostgreSQL)."""
    platform = own_platform(cpo_parties=cpo_parties)
    node = Node.build(platform, database, _api_factory(partner), page_limit=page_limit)
    transport = httpx.ASGITransport(app=create_app(node))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
        cpo = next(p for p in platform.parties if p.role == Role.CPO)
        emsp = next(p for p in platform.parties if p.role == Role.EMSP)
        party, party2 = ("DE", unique_party_id()), ("DE", unique_party_id())
        roles = [(Role.CPO, party), (Role.EMSP, party), (Role.CPO, party2)]
        partner_id, auth = await register(client, node, roles)
        yield Roaming(
            client=client,
            node=node,
            cpo=(cpo.country_code, cpo.party_id),
            emsp=(emsp.country_code, emsp.party_id),
            partner_id=partner_id,
            partner_cpo=party,
            partner_cpo2=party2,
            partner_emsp=party,
            auth=auth,
        )
