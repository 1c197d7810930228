"""HubClientInfo on a node connected to a Hub (mod_hub_client_info.asciidoc "Receiver Interface",
"Scenarios"), on SQLite and PostgreSQL:

* the Hub PUTs a party's ClientInfo and GETs it back; only a Hub may; the body must name the
  URL's party; an older update is acknowledged and ignored; no routing headers either way;
* a party the Hub reports OFFLINE, SUSPENDED or PLANNED gets no Session queued through it
  ("Do not queue Push messages"), and requests to it are refused before sending (409);
* a party that becomes CONNECTED again makes us pull from the Hub (resync);
* ``/api/partners/{hub}`` and ``openroam partners show`` list the parties behind the Hub.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from openroam._services import hub_clients
from openroam._services.credentials import Caller
from openroam._services.node import Node
from openroam._store import outbox_admin, sync_state
from openroam._store import repositories as repo
from openroam._store.db import Database, upgrade_async
from openroam._store.records import Grant
from openroam.errors import ClientError
from openroam.models.v221.credentials import CredentialsRole
from openroam.models.v221.hub_client_info import ClientInfo
from openroam.models.v221.locations import BusinessDetails
from openroam.models.v221.types import Role
from openroam.models.v221.versions import Endpoint, InterfaceRole, ModuleID
from tests.api.conftest import ADMIN_TOKEN, BASE_URL, PLATFORM, api_app
from tests.api.support import session
from tests.hub.test_client_info_hub import ROUTING, auth

HUB_ENDPOINTS = (
    ("credentials", "SENDER"),
    ("sessions", "RECEIVER"),
    ("locations", "SENDER"),
    ("hubclientinfo", "SENDER"),
)
URL = "/ocpi/2.2.1/receiver/hubclientinfo"


def info(status: str, last_updated: str, party: tuple[str, str] = ("NL", "EM1")) -> dict[str, Any]:
    return {
        "country_code": party[0],
        "party_id": party[1],
        "role": "EMSP",
        "status": status,
        "last_updated": last_updated,
    }


def _no_partner_calls(token: str, encode_token: bool) -> Any:
    raise AssertionError("no calls to partners here")


@pytest.fixture
def node(database: Database) -> Node:
    return Node.build(PLATFORM, database, _no_partner_calls)


@pytest.fixture
async def ocpi(node: Node) -> AsyncIterator[httpx.AsyncClient]:
    """OCPI requests (each with a partner's token)."""
    transport = httpx.ASGITransport(app=api_app(node))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield http


@pytest.fixture
async def client(node: Node) -> AsyncIterator[httpx.AsyncClient]:
    """The backend API, with the admin token."""
    transport = httpx.ASGITransport(app=api_app(node))
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as http:
        yield http


async def register(
    node: Node,
    name: str,
    roles: tuple[tuple[Role, str, str], ...],
    endpoints: tuple[tuple[str, str], ...] = (("credentials", "SENDER"),),
) -> Caller:
    """A partner invited with these grants and registered (as after the credentials
    handshake): the Caller its requests authenticate as."""
    await node.credentials.invite(name, grants=[Grant(*role) for role in roles])
    token = f"token-c-{name}-{id(node)}"
    async with node.db.session() as db_session, db_session.begin():
        invited = await repo.get_partner_by_name(db_session, name)
        assert invited is not None
        record = await repo.save_registration(
            db_session,
            invited.id,
            versions_url=f"https://{name}.example.com/ocpi/versions",
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
                    identifier=ModuleID(identifier),
                    role=InterfaceRole(interface),
                    url=f"https://{name}.example.com/ocpi/2.2.1/{identifier}",
                )
                for identifier, interface in endpoints
            ],
            incoming_token=token,
            outgoing_token=f"token-b-{name}",
        )
    roles_held = tuple((str(r.role), r.country_code, r.party_id) for r in record.roles)
    return Caller(record.id, record.name, token, "C", str(record.status), roles_held)


async def put(
    ocpi: httpx.AsyncClient, token: str, body: dict[str, Any], party: str = "NL/EM1"
) -> httpx.Response:
    return await ocpi.put(f"{URL}/{party}", json=body, headers=auth(token))


async def test_the_hub_puts_and_gets_client_info(ocpi: httpx.AsyncClient, node: Node) -> None:
    hub = await register(node, "hub", roles=((Role.HUB, "NL", "HUB"),), endpoints=HUB_ENDPOINTS)
    connected = info("CONNECTED", "2026-03-01T10:00:00Z")
    answer = await put(ocpi, hub.token, connected)
    assert (answer.status_code, answer.json()["status_code"]) == (200, 1000), answer.text
    assert "data" not in answer.json()
    assert not any(name in answer.headers for name in ROUTING)

    got = await ocpi.get(f"{URL}/nl/em1", headers=auth(hub.token))
    assert got.json()["data"] == connected
    assert not any(name in got.headers for name in ROUTING)

    # An older ClientInfo (a late retry) is acknowledged and ignored.
    late = await put(ocpi, hub.token, info("OFFLINE", "2026-03-01T09:00:00Z"))
    assert late.json()["status_code"] == 1000
    got = await ocpi.get(f"{URL}/NL/EM1", headers=auth(hub.token))
    assert got.json()["data"]["status"] == "CONNECTED"

    # The body names the URL's party.
    other = await put(ocpi, hub.token, info("OFFLINE", "2026-03-02T00:00:00Z"), "NL/XYZ")
    assert (other.status_code, other.json()["status_code"]) == (200, 2001)
    assert "NL*XYZ" in other.json()["status_message"]
    assert not any(name in other.headers for name in ROUTING)
    invalid = await put(ocpi, hub.token, {"country_code": "NL", "party_id": "EM1"})
    assert invalid.json()["status_code"] == 2001

    unknown = await ocpi.get(f"{URL}/DE/ABC", headers=auth(hub.token))
    assert (unknown.status_code, unknown.json()["status_code"]) == (404, 2000)

    # Only a Hub may call it (the Receiver is the Hub's to push to).
    cpo = await register(node, "cpo", roles=((Role.CPO, "DE", "CPO"),))
    refused = await put(ocpi, cpo.token, info("OFFLINE", "2026-03-02T00:00:00Z"))
    assert (refused.status_code, refused.json()["status_code"]) == (404, 2000)
    assert (await ocpi.get(f"{URL}/NL/EM1", headers=auth(cpo.token))).status_code == 404
    # The Sender is a Hub's, not ours.
    sender = await ocpi.get("/ocpi/2.2.1/sender/hubclientinfo", headers=auth(hub.token))
    assert (sender.status_code, sender.json()["status_code"]) == (404, 2000)


async def _queued(node: Node) -> list[str]:
    """The Session deliveries queued since the last call (then set aside)."""
    async with node.db.session() as db_session, db_session.begin():
        rows = await outbox_admin.list_deliveries(db_session, states=["pending"])
        for row in rows:
            await outbox_admin.skip_delivery(db_session, row.id, now=datetime.now(UTC), note="seen")
    return [row.path for row in rows if row.module == "sessions"]


async def test_nothing_is_queued_for_a_party_the_hub_reports_unreachable(
    ocpi: httpx.AsyncClient,
    client: httpx.AsyncClient,
    node: Node,
) -> None:
    hub = await register(node, "hub", roles=((Role.HUB, "NL", "HUB"),), endpoints=HUB_ENDPOINTS)
    # A party the Hub said nothing of: the Hub still routes (it may not implement the module).
    await client.put("/api/sessions/NL/ORM/S0", json=session("S0", emsp=("NL", "EM1")))
    assert await _queued(node) == ["NL/ORM/S0"]

    await put(ocpi, hub.token, info("CONNECTED", "2026-03-01T10:00:00Z"))
    await client.put("/api/sessions/NL/ORM/S1", json=session("S1", emsp=("NL", "EM1")))
    assert await _queued(node) == ["NL/ORM/S1"]

    for hour, status in ((11, "OFFLINE"), (12, "SUSPENDED"), (13, "PLANNED")):
        await put(ocpi, hub.token, info(status, f"2026-03-01T{hour}:00:00Z"))
        sid = f"S{hour}"
        await client.put(f"/api/sessions/NL/ORM/{sid}", json=session(sid, emsp=("nl", "em1")))
        assert await _queued(node) == [], status
        # Another party behind the same Hub is not affected.
        other = f"O{hour}"
        await client.put(f"/api/sessions/NL/ORM/{other}", json=session(other, emsp=("NL", "EM2")))
        assert await _queued(node) == [f"NL/ORM/{other}"]

        # Commands and charging profile requests to it are refused before sending.
        record = await _partner(node, "hub")
        async with node.db.session() as db_session:
            with pytest.raises(ClientError) as refused:
                await hub_clients.check_reachable(db_session, record, ("NL", "EM1"))
            await hub_clients.check_reachable(db_session, record, ("NL", "EM2"))
            await hub_clients.check_reachable(db_session, record, None)
        assert refused.value.http_status == 409
        assert f"NL*EM1 is {status} at Hub 'hub'" in refused.value.message

    # CONNECTED again: queued again, and a pull from the Hub is due now (resync).
    async with node.db.session() as db_session, db_session.begin():
        await sync_state.schedule_pull(
            db_session, hub.partner_id, "locations", datetime(2099, 1, 1, tzinfo=UTC)
        )
    await put(ocpi, hub.token, info("CONNECTED", "2026-03-01T14:00:00Z"))
    async with node.db.session() as db_session:
        state = await sync_state.get_sync_state(db_session, hub.partner_id, "locations")
    assert state is not None
    assert state.next_pull_at is not None
    assert state.next_pull_at <= datetime.now(UTC)
    await client.put("/api/sessions/NL/ORM/S2", json=session("S2", emsp=("NL", "EM1")))
    assert await _queued(node) == ["NL/ORM/S2"]
    await hub_clients.ensure_reachable(node.db, await _partner(node, "hub"), ("NL", "EM1"))


async def test_a_direct_partner_is_never_refused_by_what_a_hub_says(
    ocpi: httpx.AsyncClient,
    client: httpx.AsyncClient,
    node: Node,
) -> None:
    hub = await register(node, "hub", roles=((Role.HUB, "NL", "HUB"),), endpoints=HUB_ENDPOINTS)
    direct = await register(
        node, "emsp", roles=((Role.EMSP, "NL", "EM1"),), endpoints=(("sessions", "RECEIVER"),)
    )
    await put(ocpi, hub.token, info("OFFLINE", "2026-03-01T10:00:00Z"))
    await client.put("/api/sessions/NL/ORM/S1", json=session("S1", emsp=("NL", "EM1")))
    async with node.db.session() as db_session:
        rows = await outbox_admin.list_deliveries(db_session, states=["pending"])
        await hub_clients.check_reachable(db_session, await _partner(node, "emsp"), ("NL", "EM1"))
    assert [(row.partner_id, row.path) for row in rows] == [(direct.partner_id, "NL/ORM/S1")]


async def _partner(node: Node, name: str) -> repo.PartnerRecord:
    async with node.db.session() as db_session:
        found = await repo.get_partner_by_name(db_session, name)
    assert found is not None
    return found


async def test_the_partner_view_lists_the_parties_behind_a_hub(
    ocpi: httpx.AsyncClient, client: httpx.AsyncClient, node: Node
) -> None:
    hub = await register(node, "hub", roles=((Role.HUB, "NL", "HUB"),), endpoints=HUB_ENDPOINTS)
    await register(node, "cpo", roles=((Role.CPO, "DE", "CPO"),))
    await put(ocpi, hub.token, info("CONNECTED", "2026-03-01T10:00:00Z"))
    await put(ocpi, hub.token, info("OFFLINE", "2026-03-01T11:00:00Z", ("DE", "EM2")), "DE/EM2")

    view = (await client.get("/api/partners/hub")).json()["data"]
    parties = [(p["country_code"], p["party_id"], p["role"], p["status"]) for p in view["parties"]]
    assert parties == [("DE", "EM2", "EMSP", "OFFLINE"), ("NL", "EM1", "EMSP", "CONNECTED")]
    assert view["parties"][1]["last_updated"] == "2026-03-01T10:00:00Z"
    assert view["connection"] is None  # not a Hub node
    assert (await client.get("/api/partners/cpo")).json()["data"]["parties"] is None


async def test_partners_show_lists_the_parties_behind_a_hub(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'openroam.db'}"
    db = Database.connect(url)
    try:
        await upgrade_async(db)
        node = Node.build(PLATFORM, db, _no_partner_calls)
        hub = await register(node, "hub", ((Role.HUB, "NL", "HUB"),), HUB_ENDPOINTS)
        offline = ClientInfo.model_validate_json(
            json.dumps(info("OFFLINE", "2026-03-01T10:00:00Z"))
        )
        await node.hub_clients.put(hub.partner_id, "NL", "EM1", offline)
    finally:
        await db.dispose()
    parties = [
        {
            "country_code": p.country_code,
            "party_id": p.party_id,
            "role": str(p.role),
            "name": p.name,
        }
        for p in PLATFORM.parties
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENROAM_")} | {
        "OPENROAM_DATABASE_URL": url,
        "OPENROAM_PUBLIC_URL": BASE_URL,
        "OPENROAM_PARTIES": json.dumps(parties),
        "COLUMNS": "200",
    }
    shown = subprocess.run(
        [sys.executable, "-m", "openroam", "partners", "show", "hub"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert "parties behind" in shown.stdout
    line = next(line for line in shown.stdout.splitlines() if "NL*EM1" in line)
    assert "EMSP" in line
    assert "OFFLINE" in line
    assert "2026-03-01T10:00:00Z" in line
