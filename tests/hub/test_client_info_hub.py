"""HubClientInfo on a Hub node (mod_hub_client_info.asciidoc "Push model", "Sender Interface";
docs/hub.md "Running a Hub"), on SQLite and PostgreSQL, with the connected parties' platforms as
small real HTTP servers (``tests/hub/clientinfo_partner.py``):

* each partner's ConnectionStatus follows its registration: invited → PLANNED, registered
  (credentials POST received, ``partners add``) → CONNECTED, unregistered → SUSPENDED;
* each change is PUT, as the party's ClientInfo, to every other registered party with a
  hubclientinfo Receiver (never back to the party itself), with ``last_updated`` = the time of
  the change and no routing headers (a Configuration module);
* a party that becomes CONNECTED gets the ClientInfo of every other party, and a pull from it
  is scheduled;
* ``GET /ocpi/2.2.1/sender/hubclientinfo`` lists every party, paginated, without routing
  headers; a node that is not a Hub does not serve it.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest

from openroam._delivery.push import PushSettings, PushWorker
from openroam._runtime import client_factory
from openroam._server.app import create_app
from openroam._services import hub_clients
from openroam._services.node import Node
from openroam._services.platform import OwnParty, Platform
from openroam._store import outbox_admin, sync_state
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.records import Grant
from openroam.models.v221.types import Role
from tests.hub.clientinfo_partner import Party, party_platform

HUB_URL = "https://hub.example.com"
HUB = Platform(public_url=HUB_URL, parties=(OwnParty("NL", "HUB", Role.HUB, "the Hub"),))
FAST = PushSettings(base_delay=0.01, max_delay=0.05, idle_sleep=0.01)
ROUTING = (
    "ocpi-from-country-code",
    "ocpi-from-party-id",
    "ocpi-to-country-code",
    "ocpi-to-party-id",
)


def hub_node(database: Database) -> Node:
    return Node.build(HUB, database, client_factory(), hub_liveness_seconds=60)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


@pytest.fixture
def emsp() -> Iterator[Party]:
    with party_platform(f"emsp-{uuid.uuid4().hex}", "EMSP", "NL", "EM1") as party:
        yield party


@pytest.fixture
def cpo() -> Iterator[Party]:
    with party_platform(f"cpo-{uuid.uuid4().hex}", "CPO", "NL", "CP1") as party:
        party.modules["locations"] = "SENDER"
        yield party


@pytest.fixture
async def hub(database: Database) -> Node:
    return hub_node(database)


@pytest.fixture
async def ocpi(hub: Node) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(hub))
    async with httpx.AsyncClient(transport=transport, base_url=HUB_URL) as http:
        yield http


async def push_all(hub: Node) -> None:
    """Send every due delivery (bounded)."""
    worker = PushWorker(hub.db, client_factory(), FAST, hub.events)
    for _ in range(20):
        if not await worker.run_once():
            return
    raise AssertionError("deliveries still due after 20 rounds")


async def partner(hub: Node, name: str) -> repo.PartnerRecord:
    async with hub.db.session() as session:
        found = await repo.get_partner_by_name(session, name)
    assert found is not None
    return found


async def pending(hub: Node) -> list[tuple[str, str]]:
    async with hub.db.session() as session:
        rows = await outbox_admin.list_deliveries(session, states=["pending"])
        names = {p.id: p.name for p in await repo.list_partners(session)}
    return sorted(
        (names[row.partner_id], row.path) for row in rows if row.module == "hubclientinfo"
    )


async def connect(hub: Node, party: Party, name: str, role: Role, cc: str, pid: str) -> str:
    """``openroam partners add`` with the party's token: its token to call the Hub."""
    connected = await hub.credentials.add_partner(
        name, party.versions_url, party.token, grants=[Grant(role, cc, pid)]
    )
    return connected.token


async def test_status_follows_registration_and_each_change_is_put_to_the_others(
    hub: Node, ocpi: httpx.AsyncClient, emsp: Party, cpo: Party
) -> None:
    await connect(hub, emsp, "emsp1", Role.EMSP, "NL", "EM1")
    emsp1 = await partner(hub, "emsp1")
    assert emsp1.connection_status == "CONNECTED"
    assert emsp1.last_seen_at is not None
    assert emsp1.connection_status_at is not None

    # Invited: PLANNED ("Connection to this party is planned, but has never been connected").
    token_a = await hub.credentials.invite("cpo1", grants=[Grant(Role.CPO, "NL", "CP1")])
    planned = await partner(hub, "cpo1")
    assert planned.connection_status == "PLANNED"
    assert await pending(hub) == [("emsp1", "NL/CP1")]
    await push_all(hub)
    [put] = emsp.requests("PUT", "/hubclientinfo/")
    assert put.path == "/ocpi/2.2.1/hubclientinfo/NL/CP1"
    assert put.body == {
        "party_id": "CP1",
        "country_code": "NL",
        "role": "CPO",
        "status": "PLANNED",
        "last_updated": f"{planned.connection_status_at:%Y-%m-%dT%H:%M:%SZ}",
    }
    # A Configuration module: no routing headers.
    assert not any(name in put.headers for name in ROUTING)

    # The CPO registers (credentials POST with token A): CONNECTED, told to the eMSP; the CPO
    # gets the eMSP's ClientInfo, and a pull from it is due now.
    credentials = {"token": cpo.token, "url": cpo.versions_url, "roles": cpo.roles}
    answer = await ocpi.post("/ocpi/2.2.1/credentials", json=credentials, headers=auth(token_a))
    assert answer.json()["status_code"] == 1000, answer.text
    cpo1 = await partner(hub, "cpo1")
    assert cpo1.connection_status == "CONNECTED"
    assert await pending(hub) == [("cpo1", "NL/EM1"), ("emsp1", "NL/CP1")]
    async with hub.db.session() as session:
        state = await sync_state.get_sync_state(session, cpo1.id, "locations")
    assert state is not None
    assert state.next_pull_at is not None
    assert state.next_pull_at <= datetime.now(UTC)
    await push_all(hub)
    assert emsp.client_infos()["NL/CP1"]["status"] == "CONNECTED"
    assert cpo.client_infos() == {
        "NL/EM1": {
            "party_id": "EM1",
            "country_code": "NL",
            "role": "EMSP",
            "status": "CONNECTED",
            "last_updated": emsp1.connection_status_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    }
    # Never a party's own ClientInfo back to it.
    assert "NL/EM1" not in emsp.client_infos()

    # The CPO unregisters (credentials DELETE): SUSPENDED, never deleted.
    new_token = answer.json()["data"]["token"]
    gone = await ocpi.delete("/ocpi/2.2.1/credentials", headers=auth(new_token))
    assert gone.json()["status_code"] == 1000, gone.text
    assert (await partner(hub, "cpo1")).connection_status == "SUSPENDED"
    assert await pending(hub) == [("emsp1", "NL/CP1")]
    await push_all(hub)
    assert emsp.client_infos()["NL/CP1"]["status"] == "SUSPENDED"
    assert len(cpo.requests("PUT", "/hubclientinfo/")) == 1  # a SUSPENDED party is told nothing


async def test_changes_coalesce_into_one_pending_put_with_the_current_status(
    hub: Node, emsp: Party
) -> None:
    await connect(hub, emsp, "emsp1", Role.EMSP, "NL", "EM1")
    await hub.credentials.invite("cpo1", grants=[Grant(Role.CPO, "NL", "CP1")])
    cpo1 = await partner(hub, "cpo1")
    async with hub.db.session() as session, session.begin():
        await repo.unregister(session, cpo1.id)
        await hub_clients.record_connection(session, HUB, cpo1.id, "SUSPENDED")
    assert await pending(hub) == [("emsp1", "NL/CP1")]
    await push_all(hub)
    [put] = emsp.requests("PUT", "/hubclientinfo/")
    assert put.body["status"] == "SUSPENDED"


async def test_hub_sender_lists_every_party_paginated_without_routing_headers(
    hub: Node, ocpi: httpx.AsyncClient, emsp: Party, cpo: Party
) -> None:
    """mod_hub_client_info "Sender Interface": the list of ClientInfo objects, paginated
    (transport_and_format "Pagination"); date_from inclusive, date_to exclusive."""
    emsp_token = await connect(hub, emsp, "emsp1", Role.EMSP, "NL", "EM1")
    await connect(hub, cpo, "cpo1", Role.CPO, "NL", "CP1")
    await hub.credentials.invite("cpo2", grants=[Grant(Role.CPO, "DE", "CP2")])

    answer = await ocpi.get("/ocpi/2.2.1/sender/hubclientinfo", headers=auth(emsp_token))
    assert answer.status_code == 200
    body = answer.json()
    assert body["status_code"] == 1000
    assert [(i["country_code"], i["party_id"], i["role"], i["status"]) for i in body["data"]] == [
        ("NL", "EM1", "EMSP", "CONNECTED"),
        ("NL", "CP1", "CPO", "CONNECTED"),
        ("DE", "CP2", "CPO", "PLANNED"),
    ]
    assert answer.headers["X-Total-Count"] == "3"
    assert not any(name in answer.headers for name in ROUTING)

    first = await ocpi.get(
        "/ocpi/2.2.1/sender/hubclientinfo", params={"limit": 2}, headers=auth(emsp_token)
    )
    assert [i["party_id"] for i in first.json()["data"]] == ["EM1", "CP1"]
    assert first.headers["X-Total-Count"] == "3"
    link = first.headers["Link"]
    assert link == f'<{HUB_URL}/ocpi/2.2.1/sender/hubclientinfo?offset=2&limit=2>; rel="next"'
    second = await ocpi.get(link[1:].partition(">")[0], headers=auth(emsp_token))
    assert [i["party_id"] for i in second.json()["data"]] == ["CP2"]
    assert "Link" not in second.headers

    planned_at = second.json()["data"][0]["last_updated"]
    since = await ocpi.get(
        "/ocpi/2.2.1/sender/hubclientinfo",
        params={"date_from": planned_at},
        headers=auth(emsp_token),
    )
    assert "CP2" in [i["party_id"] for i in since.json()["data"]]
    before = await ocpi.get(
        "/ocpi/2.2.1/sender/hubclientinfo",
        params={"date_to": "2000-01-01T00:00:00Z"},
        headers=auth(emsp_token),
    )
    assert before.json()["data"] == []
    assert before.headers["X-Total-Count"] == "0"

    # Unknown token: 401; errors carry no routing headers either.
    refused = await ocpi.get("/ocpi/2.2.1/sender/hubclientinfo", headers=auth("nobody"))
    assert refused.status_code == 401
    assert not any(name in refused.headers for name in ROUTING)
    # The Receiver interface is not a Hub's.
    receiver = await ocpi.get("/ocpi/2.2.1/receiver/hubclientinfo/NL/CP1", headers=auth(emsp_token))
    assert receiver.status_code == 404
    assert receiver.json()["status_code"] == 2000


async def test_version_details_list_the_hub_sender(
    hub: Node, ocpi: httpx.AsyncClient, emsp: Party
) -> None:
    token = await connect(hub, emsp, "emsp1", Role.EMSP, "NL", "EM1")
    details = (await ocpi.get("/ocpi/2.2.1", headers=auth(token))).json()["data"]
    assert {
        "identifier": "hubclientinfo",
        "role": "SENDER",
        "url": f"{HUB_URL}/ocpi/2.2.1/sender/hubclientinfo",
    } in details["endpoints"]
