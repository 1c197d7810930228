"""A Hub node for the GET All tests: its app, and partners registered with it as a Hub invites
them (granted their roles; docs/hub.md "Running a Hub").

Objects reach the Hub as they do in production: pushed by their owners to its Receiver
interface (``OCPI-to-*`` naming the Hub: a Broadcast Push, transport_and_format.asciidoc
"Broadcast Push"), or, for Sessions and CDRs, which a Hub routes and does not take in, written
to its store as a pull would.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from openroam._server.app import create_app
from openroam._services.addressing import counterparty_of
from openroam._services.credentials import PartnerApi
from openroam._services.node import Node
from openroam._services.object_specs import SPECS
from openroam._services.platform import OwnParty, Platform
from openroam._store import object_repo as store
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.records import Grant
from openroam.models.common import parse_datetime
from openroam.models.v221.credentials import CredentialsRole
from openroam.models.v221.locations import BusinessDetails
from openroam.models.v221.types import Role
from openroam.models.v221.versions import Endpoint, InterfaceRole, ModuleID
from tests.server.support import token_header

PUBLIC_URL = "https://hub.example.com"
BASE = "/ocpi/2.2.1"
HUB = ("NL", "HUB")
HUB_PLATFORM = Platform(PUBLIC_URL, (OwnParty(*HUB, Role.HUB, "openroam test Hub"),))
JSON = {"Content-Type": "application/json"}
Party = tuple[str, str]


def routing(from_party: Party, to_party: Party = HUB) -> dict[str, str]:
    """The routing headers of a request FROM a party TO another (the Hub by default)."""
    return {
        "OCPI-from-country-code": from_party[0],
        "OCPI-from-party-id": from_party[1],
        "OCPI-to-country-code": to_party[0],
        "OCPI-to-party-id": to_party[1],
    }


@dataclass
class Member:
    """A partner connected to the Hub: its id, party and request headers (token + routing)."""

    partner_id: int
    party: Party
    token: str

    def headers(self, to_party: Party = HUB) -> dict[str, str]:
        return token_header(self.token) | routing(self.party, to_party)


@dataclass
class HubNode:
    node: Node
    client: httpx.AsyncClient

    async def connect(self, role: Role, party: Party) -> Member:
        """A partner registered with the Hub in ``role`` for ``party`` (granted, as
        ``openroam invite NAME --role ROLE --party CC*PID``)."""
        name = f"{role.lower()}-{uuid.uuid4().hex[:8]}"
        await self.node.credentials.invite(name, grants=[Grant(role, *party)])
        token = f"token-c-{uuid.uuid4().hex}"
        async with self.node.db.session() as session, session.begin():
            invited = await repo.get_partner_by_name(session, name)
            assert invited is not None
            record = await repo.save_registration(
                session,
                invited.id,
                versions_url=f"https://{name}.example.com/ocpi/versions",
                version="2.2.1",
                roles=[
                    CredentialsRole(
                        role=role,
                        business_details=BusinessDetails(name=name),
                        country_code=party[0],
                        party_id=party[1],
                    )
                ],
                endpoints=[
                    Endpoint(
                        identifier=ModuleID.CREDENTIALS,
                        role=InterfaceRole.SENDER,
                        url=f"https://{name}.example.com/ocpi/2.2.1/credentials",
                    )
                ],
                incoming_token=token,
                outgoing_token=f"token-b-{uuid.uuid4().hex}",
            )
        return Member(record.id, party, token)

    async def push(self, member: Member, module: str, body: dict[str, Any]) -> None:
        """``member`` PUTs one of its objects to the Hub's Receiver interface."""
        spec = SPECS[module]
        url = f"{BASE}/receiver/{module}/{body['country_code']}/{body['party_id']}/"
        url += str(body[spec.top.id_field])
        if spec.typed:
            url += f"?type={body['type']}"
        response = await self.client.put(
            url, content=orjson.dumps(body), headers=member.headers() | JSON
        )
        assert response.status_code in (200, 201), response.text
        assert response.json()["status_code"] == 1000, response.text

    async def hold(self, origin: Member, module: str, body: dict[str, Any]) -> None:
        """Store ``body`` as held from ``origin`` (as a pull stores it), validated."""
        spec = SPECS[module]
        document = spec.top.model.model_validate_json(orjson.dumps(body)).to_dict()
        async with self.node.db.session() as session, session.begin():
            await store.put_object(
                session,
                module=module,
                origin=origin.partner_id,
                country_code=document["country_code"],
                party_id=document["party_id"],
                object_id=document[spec.top.id_field],
                object_type=document["type"] if spec.typed else "",
                last_updated=parse_datetime(document["last_updated"]),
                document=orjson.dumps(document),
                counterparty=counterparty_of(spec, document),
            )
        self.node.roaming.changed()

    async def stored(self, origin: Member, module: str, object_id: str, type_: str = "") -> bytes:
        """The document the Hub stores for ``origin``'s object."""
        async with self.node.db.session() as session:
            found = await store.get_object(
                session, module, origin.partner_id, *origin.party, object_id, type_
            )
        assert found is not None
        return found.document


@asynccontextmanager
async def open_hub(
    database: Database, platform: Platform = HUB_PLATFORM, page_limit: int = 100
) -> AsyncIterator[HubNode]:
    """A node hosting ``platform`` (a Hub by default) and a client of its app."""

    def no_calls(token: str, encode_token: bool) -> PartnerApi:
        raise AssertionError("the Hub calls no partner in these tests")

    node = Node.build(platform, database, no_calls, page_limit=page_limit)
    transport = httpx.ASGITransport(app=create_app(node))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
        yield HubNode(node, client)
