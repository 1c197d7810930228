"""An operator's actions on a partner connection (``_services/partner_actions.py``), on SQLite and
PostgreSQL, with the push worker and a fake partner (a small real HTTP server): a suspended
partner is sent nothing and its calls are refused; resumed, its held delivery goes out at once;
"pull now" makes the modules we pull from a partner due; a Hub tells the other parties a
suspended partner is OFFLINE."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from openroam._delivery.push import PushSettings, PushWorker
from openroam._runtime import client_factory
from openroam._server.auth import authenticated_caller
from openroam._services.node import Node
from openroam._services.partner_actions import PartnerActions
from openroam._store import outbox_admin, sync_state
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam.errors import MethodNotAllowed, NotFound, Unauthorized
from openroam.models.v221.types import Role
from tests.api.support import tariff
from tests.delivery import test_push_order
from tests.delivery.fake_partner import FakePartner
from tests.hub.clientinfo_partner import Party, party_platform
from tests.hub.test_client_info_hub import connect, hub_node, pending, push_all
from tests.hub.test_client_info_hub import partner as hub_partner
from tests.services.test_partner_status import _partner as sender_partner

# The push tests' fixtures: a node with a fake partner registered, and its backend API.
partner, node, api = test_push_order.partner, test_push_order.node, test_push_order.api

# A suspended partner's deliveries are held for the longest back-off: long enough here that a
# busy machine never sees one due again within the test.
SETTINGS = PushSettings(base_delay=0.01, max_delay=600, idle_sleep=0.01, max_refusals=1)


def _actions(node: Node) -> PartnerActions:
    return PartnerActions(node.db, node.platform, node.credentials)


async def _rows(node: Node, state: str) -> list[outbox_admin.DeliveryRow]:
    async with node.db.session() as session:
        return await outbox_admin.list_deliveries(session, states=[state])


async def _status(node: Node, name: str) -> str:
    async with node.db.session() as session:
        record = await repo.get_partner_by_name(session, name)
    assert record is not None
    return str(record.status)


def _header(token: str) -> str:
    return "Token " + base64.b64encode(token.encode()).decode()


async def test_a_suspended_partner_is_sent_nothing_and_refused_until_resumed(
    node: Node, api: httpx.AsyncClient, partner: FakePartner
) -> None:
    actions = _actions(node)
    worker = PushWorker(node.db, client_factory(), SETTINGS, node.events)
    assert (await api.put("/api/tariffs/NL/ORM/T1", json=tariff("T1"))).status_code == 201
    caller = await authenticated_caller(node.credentials, _header("token-c-fake"), registered=True)
    assert caller.partner_name == "fake"

    await actions.suspend("fake", by="a test")
    assert await _status(node, "fake") == "suspended"
    # Its calls are refused at once (this process forgot the token it had trusted).
    with pytest.raises(Unauthorized, match="suspended by the operator"):
        await authenticated_caller(node.credentials, _header("token-c-fake"), registered=True)
    # The worker takes the due delivery and holds it: nothing reaches the partner.
    assert await worker.run_once() == 1
    assert partner.received == []
    (held,) = await _rows(node, "pending")
    assert held.next_attempt_at > datetime.now(UTC)
    assert await worker.run_once() == 0
    # Changes made meanwhile are queued for it and held too: nothing it is owed is lost.
    assert (await api.put("/api/tariffs/NL/ORM/T2", json=tariff("T2"))).status_code == 201
    pending = await _rows(node, "pending")
    assert pending[0].id == held.id
    assert len(pending) == 2
    assert await worker.run_once() == 1  # the new row, taken and held as well
    assert partner.received == []
    with pytest.raises(MethodNotAllowed):
        await actions.suspend("fake")
    with pytest.raises(MethodNotAllowed, match="suspended"):
        await actions.pull_now("fake")

    await actions.resume("fake", by="a test")
    assert await _status(node, "fake") == "registered"
    assert await worker.run_once() == 2
    assert set(partner.copy_of("tariffs")) == {"NL/ORM/T1", "NL/ORM/T2"}
    assert await _rows(node, "pending") == []
    caller = await authenticated_caller(node.credentials, _header("token-c-fake"), registered=True)
    assert caller.partner_name == "fake"
    with pytest.raises(MethodNotAllowed, match="not suspended"):
        await actions.resume("fake")


async def test_pull_now_makes_the_modules_we_pull_due(node: Node) -> None:
    actions = _actions(node)
    # A CPO and eMSP offering the Sender of its Locations and Tokens (not of its Tariffs).
    acme = await sender_partner(node.db, "acme", "ACM", senders=("locations", "tokens"))
    assert await actions.pull_now("acme") == ["locations", "tokens"]
    async with node.db.session() as session:
        states = await sync_state.list_sync_states(session, acme)
    assert [state.module for state in states] == ["locations", "tokens"]
    for state in states:
        assert state.next_pull_at is not None
        assert state.next_pull_at <= datetime.now(UTC)
    assert await actions.pull_now("acme", "tokens") == ["tokens"]
    with pytest.raises(MethodNotAllowed, match="tariffs is not pulled"):
        await actions.pull_now("acme", "tariffs")
    with pytest.raises(NotFound):
        await actions.pull_now("nobody")
    # A partner that offers no Sender: nothing to pull, nothing scheduled.
    assert await actions.pull_now("fake") == []


@pytest.fixture
def emsp_platform() -> Iterator[Party]:
    with party_platform(f"emsp-{uuid.uuid4().hex}", "EMSP", "NL", "EM1") as party:
        yield party


@pytest.fixture
def cpo_platform() -> Iterator[Party]:
    with party_platform(f"cpo-{uuid.uuid4().hex}", "CPO", "NL", "CP1") as party:
        yield party


async def test_a_hub_tells_the_other_parties_a_suspended_partner_is_offline(
    database: Database, emsp_platform: Party, cpo_platform: Party
) -> None:
    # mod_hub_client_info "ConnectionStatus enum": OFFLINE, "No connection exists"; CONNECTED
    # again once resumed.
    hub = hub_node(database)
    await connect(hub, emsp_platform, "emsp1", Role.EMSP, "NL", "EM1")
    await connect(hub, cpo_platform, "cpo1", Role.CPO, "NL", "CP1")
    await push_all(hub)
    assert emsp_platform.client_infos()["NL/CP1"]["status"] == "CONNECTED"

    await _actions(hub).suspend("cpo1")
    assert (await hub_partner(hub, "cpo1")).connection_status == "OFFLINE"
    assert await pending(hub) == [("emsp1", "NL/CP1")]
    await push_all(hub)
    assert emsp_platform.client_infos()["NL/CP1"]["status"] == "OFFLINE"

    await _actions(hub).resume("cpo1")
    assert (await hub_partner(hub, "cpo1")).connection_status == "CONNECTED"
    await push_all(hub)
    assert emsp_platform.client_infos()["NL/CP1"]["status"] == "CONNECTED"
