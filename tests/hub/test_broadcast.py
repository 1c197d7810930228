"""Broadcast Push on a Hub node (transport_and_format.asciidoc "Broadcast Push"; docs/hub.md
"Running a Hub"), on SQLite and PostgreSQL.

A Hub node (hosting only NL*HUB) with registered partners: CPOs, eMSPs, an OTHER party, each a
small real HTTP server recording what it is sent. A party pushes to the Hub's Receiver interface
(the Hub's app in-process); the Hub's push worker relays over real HTTP:

* a CPO's Location reaches every eMSP-like party (eMSP, OTHER) at the CPO's own ids, FROM the
  Hub and TO the receiving party; the pusher's answer comes FROM the Hub; the pusher and other
  CPOs get nothing;
* an eMSP's Token reaches the CPOs only, with its ``?type=``;
* OFFLINE and SUSPENDED partners get no rows (mod_hub_client_info "do not queue"); a withdrawn
  grant counts for nothing;
* a PATCH goes out with the fields it named; a DELETE of a Tariff is relayed, and one of an
  object pushed again meanwhile is not sent; the rows of one object go out in order;
* a party refusing one object holds back neither its other objects nor the other parties;
* what the Hub pulls from a party, when new or newer than its copy, is relayed as a PUT.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from openroam._delivery.pull import PullWorker
from openroam._delivery.push import PushSettings, PushWorker
from openroam._runtime import client_factory
from openroam._server.app import create_app
from openroam._services.broadcast import relay_of
from openroam._services.node import Node
from openroam._services.object_specs import SPECS
from openroam._services.platform import OwnParty, Platform
from openroam._store import outbox_admin
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.outbox_receivers import Relay
from openroam._store.records import Grant
from openroam._store.tables import Partner
from openroam.models.v221.credentials import CredentialsRole
from openroam.models.v221.locations import BusinessDetails
from openroam.models.v221.types import Role
from openroam.models.v221.versions import Endpoint, InterfaceRole, ModuleID
from tests.api.support import location, tariff, token
from tests.loopback import serving
from tests.server.support import token_header

HUB = ("NL", "HUB")
PUBLIC_URL = "https://hub.example.com"
HUB_PLATFORM = Platform(
    public_url=PUBLIC_URL, parties=(OwnParty(*HUB, Role.HUB, "openroam test Hub"),)
)
FAST = PushSettings(base_delay=0.01, max_delay=0.05, idle_sleep=0.01, max_refusals=2)
PREFIX = "/ocpi/2.2.1/receiver/"
SENDER_PREFIX = "/ocpi/2.2.1/sender/"
T1 = "2026-02-01T10:00:00Z"


@dataclass
class Sent:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Receiver:
    """A party's platform behind the Hub: records every request, keeps a copy of whole
    objects (PUT stores, PATCH merges, DELETE removes) and refuses the ids in ``refuse`` with
    OCPI 2001."""

    base_url: str = ""
    refuse: set[str] = field(default_factory=set)
    sent: list[Sent] = field(default_factory=list)
    copies: dict[str, Any] = field(default_factory=dict)
    #: module → the objects its Sender GET list serves (one page)
    listed: dict[str, list[Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def endpoint(self, module: str) -> str:
        return f"{self.base_url}{PREFIX}{module}"

    def answer(self, method: str, path: str, headers: dict[str, str], body: Any) -> int:
        key = path.removeprefix(PREFIX)
        with self.lock:
            self.sent.append(Sent(method, path, headers, body))
            if key.partition("?")[0].rsplit("/", 1)[-1] in self.refuse:
                return 2001
            route = key.partition("?")[0]
            if method == "PUT" and route.count("/") == 3:
                self.copies[key] = body
            elif method == "PATCH" and route.count("/") == 3:
                self.copies[key] = {**self.copies[key], **body}
            elif method == "DELETE":
                self.copies.pop(key, None)
        return 1000

    def requests(self) -> list[Sent]:
        with self.lock:
            return list(self.sent)

    def sender(self, module: str) -> str:
        return f"{self.base_url}{SENDER_PREFIX}{module}"


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            code = receiver.answer(self.command, self.path, headers, json.loads(raw or b"null"))
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            payload = json.dumps({"status_code": code, "timestamp": stamp}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_PUT = do_PATCH = do_DELETE = do_POST = _serve  # noqa: N815 (http.server names)

        def do_GET(self) -> None:
            # The Sender GET list, all in one page (no Link: the last page).
            module = self.path.partition("?")[0].removeprefix(SENDER_PREFIX)
            listed = receiver.listed.get(module, [])
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            envelope = {"data": listed, "status_code": 1000, "timestamp": stamp}
            payload = json.dumps(envelope).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("X-Total-Count", str(len(listed)))
            self.send_header("X-Limit", "100")
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


#: name → (its parties, the modules it has a Receiver endpoint for)
PARTNERS: dict[str, tuple[tuple[tuple[Role, str, str], ...], tuple[str, ...]]] = {
    "cpo1": (((Role.CPO, "NL", "CP1"),), ("tokens", "locations")),
    "cpo2": (((Role.CPO, "NL", "CP2"),), ("tokens", "locations")),
    "emsp1": (((Role.EMSP, "NL", "EM1"),), ("locations", "tariffs", "tokens")),
    "emsp2": (((Role.EMSP, "NL", "EM2"),), ("locations", "tariffs")),
    "other1": (((Role.OTHER, "NL", "OT1"),), ("locations", "tariffs", "tokens")),
    # one platform hosting a CPO and an eMSP (a party of each side)
    "both": (((Role.CPO, "NL", "CP3"), (Role.EMSP, "NL", "EM3")), ("locations", "tokens")),
}
EMSP_LIKE = {"emsp1": "EM1", "emsp2": "EM2", "other1": "OT1", "both": "EM3"}
#: name → the modules it offers a Sender interface for (the Hub pulls them)
SENDERS = {"cpo1": ("tariffs",)}


@pytest.fixture
def receivers() -> Iterator[dict[str, Receiver]]:
    """Every partner's platform, a real HTTP server each."""
    with ExitStack() as stack:
        found: dict[str, Receiver] = {}
        for name in PARTNERS:
            receiver = Receiver()
            receiver.base_url = stack.enter_context(serving(_handler(receiver)))
            found[name] = receiver
        yield found


async def _register(db: Database, name: str, receiver: Receiver) -> int:
    """``name`` registered at the Hub (granted its parties) with its Receiver endpoints."""
    parties, modules = PARTNERS[name]
    async with db.session() as session, session.begin():
        invited = await repo.create_invitation(
            session, name, f"token-a-{name}", grants=[Grant(*party) for party in parties]
        )
        record = await repo.save_registration(
            session,
            invited.id,
            versions_url=f"{receiver.base_url}/ocpi/versions",
            version="2.2.1",
            roles=[
                CredentialsRole(
                    role=role,
                    business_details=BusinessDetails(name=name),
                    country_code=country_code,
                    party_id=party_id,
                )
                for role, country_code, party_id in parties
            ],
            endpoints=[
                *(
                    Endpoint(
                        identifier=ModuleID(module),
                        role=InterfaceRole.RECEIVER,
                        url=receiver.endpoint(module),
                    )
                    for module in modules
                ),
                *(
                    Endpoint(
                        identifier=ModuleID(module),
                        role=InterfaceRole.SENDER,
                        url=receiver.sender(module),
                    )
                    for module in SENDERS.get(name, ())
                ),
            ],
            incoming_token=f"token-c-{name}",
            outgoing_token=f"token-b-{name}",
        )
    return record.id


@dataclass
class Hub:
    node: Node
    http: httpx.AsyncClient
    ids: dict[str, int]
    worker: PushWorker

    async def push(
        self, name: str, method: str, path: str, body: Any = None, *, party: str = ""
    ) -> httpx.Response:
        """``name``'s request to the Hub's Receiver interface, sent TO the Hub (Broadcast
        Push) FROM ``party`` (default: its first)."""
        parties = PARTNERS[name][0]
        _, country_code, party_id = next((p for p in parties if p[2] == party), parties[0])
        headers = {
            **token_header(f"token-c-{name}"),
            "OCPI-from-country-code": country_code,
            "OCPI-from-party-id": party_id,
            "OCPI-to-country-code": HUB[0],
            "OCPI-to-party-id": HUB[1],
        }
        return await self.http.request(method, f"{PREFIX}{path}", json=body, headers=headers)

    async def pending(self) -> list[outbox_admin.DeliveryRow]:
        async with self.node.db.session() as session:
            return await outbox_admin.list_deliveries(session, states=["pending"])

    async def pending_for(self) -> set[str]:
        """The partners that have a pending row."""
        names = {partner_id: name for name, partner_id in self.ids.items()}
        return {names[row.partner_id] for row in await self.pending()}

    async def drain(self, seconds: float = 20) -> None:
        """Run the push worker until nothing is pending (or fail after ``seconds``)."""
        deadline = time.monotonic() + seconds
        while await self.pending():
            assert time.monotonic() < deadline, await self.pending()
            if not await self.worker.run_once():
                await asyncio.sleep(0.02)

    async def set_status(self, name: str, status: str | None) -> None:
        async with self.node.db.session() as session, session.begin():
            await session.execute(
                update(Partner).where(Partner.id == self.ids[name]).values(connection_status=status)
            )


@pytest.fixture
async def hub(database: Database, receivers: dict[str, Receiver]) -> AsyncIterator[Hub]:
    node = Node.build(HUB_PLATFORM, database, lambda token, encode: None)  # type: ignore[arg-type,return-value]
    ids = {name: await _register(database, name, receiver) for name, receiver in receivers.items()}
    worker = PushWorker(database, client_factory(), FAST, node.events, platform=node.platform)
    transport = httpx.ASGITransport(app=create_app(node))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
        yield Hub(node, http, ids, worker)


def _routing(sent: Sent) -> tuple[tuple[str, str], tuple[str, str]]:
    """(FROM, TO) of a request the Hub sent."""
    h = sent.headers
    return (
        (h["ocpi-from-country-code"], h["ocpi-from-party-id"]),
        (h["ocpi-to-country-code"], h["ocpi-to-party-id"]),
    )


def _ok(response: httpx.Response, http_status: int = 200) -> None:
    assert response.status_code == http_status, response.text
    assert response.json()["status_code"] == 1000, response.text


async def test_a_cpo_location_reaches_every_emsp_like_party(
    hub: Hub, receivers: dict[str, Receiver]
) -> None:
    document = location("LOC1", "NL", "CP1")
    answer = await hub.push("cpo1", "PUT", "locations/NL/CP1/LOC1", document)
    _ok(answer, 201)
    # The Hub answers the broadcasting party FROM the Hub, TO it ("Party to Party Broadcast
    # Push": "Broadcast response | Hub to requesting platform | Requesting-party | Hub").
    assert (answer.headers["OCPI-from-country-code"], answer.headers["OCPI-from-party-id"]) == HUB
    assert (answer.headers["OCPI-to-country-code"], answer.headers["OCPI-to-party-id"]) == (
        "NL",
        "CP1",
    )
    # Queued in the transaction that stored it: every eMSP-like party, no CPO (nor the pusher).
    assert await hub.pending_for() == set(EMSP_LIKE)

    await hub.drain()
    for name, party_id in EMSP_LIKE.items():
        [sent] = receivers[name].requests()
        assert (sent.method, sent.path) == ("PUT", f"{PREFIX}locations/NL/CP1/LOC1")
        # "Hub to receiving platform | Receiving-party | Hub", with that party's token.
        assert _routing(sent) == (HUB, ("NL", party_id))
        assert sent.headers["authorization"] == token_header(f"token-b-{name}")["Authorization"]
        assert sent.headers["x-request-id"]
        assert sent.headers["x-correlation-id"]
        assert sent.body == document
    assert receivers["cpo1"].requests() == receivers["cpo2"].requests() == []


async def test_the_pushing_party_gets_nothing_back(
    hub: Hub, receivers: dict[str, Receiver]
) -> None:
    # "both" is an eMSP too, but its own CPO party's Location is not sent back to it.
    _ok(await hub.push("both", "PUT", "locations/NL/CP3/L3", location("L3", "NL", "CP3")), 201)
    assert await hub.pending_for() == {"emsp1", "emsp2", "other1"}
    await hub.drain()
    assert receivers["both"].requests() == []
    assert [s.path for s in receivers["other1"].requests()] == [f"{PREFIX}locations/NL/CP3/L3"]


async def test_tokens_of_an_emsp_reach_the_cpos_only(
    hub: Hub, receivers: dict[str, Receiver]
) -> None:
    document = token("U1", country_code="NL", party_id="EM1")
    _ok(await hub.push("emsp1", "PUT", "tokens/NL/EM1/U1?type=RFID", document), 201)
    # transport_and_format "Broadcast Push": "eMSP pushing information to all CPOs"; OTHER and
    # eMSPs do not get it, even with a Tokens Receiver endpoint.
    assert await hub.pending_for() == {"cpo1", "cpo2", "both"}
    await hub.drain()
    for name, party_id in {"cpo1": "CP1", "cpo2": "CP2", "both": "CP3"}.items():
        [sent] = receivers[name].requests()
        assert (sent.method, sent.path) == ("PUT", f"{PREFIX}tokens/NL/EM1/U1?type=RFID")
        assert _routing(sent) == (HUB, ("NL", party_id))
        assert sent.body == document
    assert receivers["other1"].requests() == receivers["emsp2"].requests() == []


async def test_offline_and_suspended_parties_get_no_rows(
    hub: Hub, receivers: dict[str, Receiver]
) -> None:
    # mod_hub_client_info "ConnectionStatus enum": OFFLINE and SUSPENDED "do not queue".
    await hub.set_status("emsp1", "CONNECTED")
    await hub.set_status("emsp2", "OFFLINE")
    await hub.set_status("other1", "SUSPENDED")
    # A withdrawn grant counts for nothing (docs/architecture.md "Partner grants").
    async with hub.node.db.session() as session, session.begin():
        await repo.set_grants(session, hub.ids["both"], [Grant(Role.CPO, "NL", "CP3")])
    _ok(await hub.push("cpo1", "PUT", "locations/NL/CP1/A", location("A", "NL", "CP1")), 201)
    assert await hub.pending_for() == {"emsp1"}
    await hub.drain()

    # Back: the next change is queued for it again.
    await hub.set_status("emsp2", "CONNECTED")
    changed = location("A", "NL", "CP1", name="A again", last_updated=T1)
    _ok(await hub.push("cpo1", "PUT", "locations/NL/CP1/A", changed))
    assert await hub.pending_for() == {"emsp1", "emsp2"}
    await hub.drain()
    assert [s.body["last_updated"] for s in receivers["emsp2"].requests()] == [T1]
    assert receivers["other1"].requests() == receivers["both"].requests() == []


async def test_a_patch_carries_the_fields_it_named(
    hub: Hub, receivers: dict[str, Receiver]
) -> None:
    _ok(await hub.push("cpo1", "PUT", "locations/NL/CP1/LOC1", location("LOC1", "NL", "CP1")), 201)
    await hub.drain()
    status = {"status": "CHARGING", "last_updated": T1}
    _ok(await hub.push("cpo1", "PATCH", "locations/NL/CP1/LOC1/E1", status))
    renamed = {"name": "Hub", "last_updated": T1}
    _ok(await hub.push("cpo1", "PATCH", "locations/NL/CP1/LOC1", renamed))
    await hub.drain()
    for name in EMSP_LIKE:
        sent = receivers[name].requests()
        assert [(s.method, s.path, s.body) for s in sent[1:]] == [
            ("PATCH", f"{PREFIX}locations/NL/CP1/LOC1/E1", status),
            ("PATCH", f"{PREFIX}locations/NL/CP1/LOC1", renamed),
        ]
        assert _routing(sent[1]) == (HUB, ("NL", EMSP_LIKE[name]))
    copy = receivers["emsp1"].copies["locations/NL/CP1/LOC1"]
    assert copy["name"] == "Hub"


async def test_deletes_are_relayed_in_order(hub: Hub, receivers: dict[str, Receiver]) -> None:
    def version(n: int) -> dict[str, Any]:
        return tariff("T1", party_id="CP1", last_updated=f"2026-02-0{n}T10:00:00Z")

    path = "tariffs/NL/CP1/T1"
    _ok(await hub.push("cpo1", "PUT", path, version(1)), 201)
    await hub.drain()
    # A change and the DELETE, queued together: the PUT finds nothing left to send, the DELETE
    # goes out after it.
    _ok(await hub.push("cpo1", "PUT", path, version(2)))
    _ok(await hub.push("cpo1", "DELETE", path))
    assert await hub.pending_for() == {"emsp1", "emsp2", "other1"}
    await hub.drain()
    for name in ("emsp1", "emsp2", "other1"):
        assert [s.method for s in receivers[name].requests()] == ["PUT", "DELETE"]
        assert _routing(receivers[name].requests()[1]) == (HUB, ("NL", EMSP_LIKE[name]))
        assert receivers[name].copies == {}

    # Pushed again, deleted and pushed again before the worker runs: the DELETE finds the
    # object again under the CPO's origin and is not sent; the last PUT carries the newest.
    _ok(await hub.push("cpo1", "PUT", path, version(3)), 201)
    _ok(await hub.push("cpo1", "DELETE", path))
    _ok(await hub.push("cpo1", "PUT", path, version(4)), 201)
    await hub.drain()
    for name in ("emsp1", "emsp2", "other1"):
        assert [s.method for s in receivers[name].requests()] == ["PUT", "DELETE", "PUT"]
        assert receivers[name].copies == {path: version(4)}


async def test_a_refusal_holds_back_no_one(hub: Hub, receivers: dict[str, Receiver]) -> None:
    receivers["emsp1"].refuse.add("BAD")
    for location_id in ("BAD", "GOOD"):
        document = location(location_id, "NL", "CP1")
        _ok(await hub.push("cpo1", "PUT", f"locations/NL/CP1/{location_id}", document), 201)
    await hub.drain()
    assert set(receivers["emsp1"].copies) == {"locations/NL/CP1/GOOD"}
    for name in ("emsp2", "other1", "both"):
        assert set(receivers[name].copies) == {"locations/NL/CP1/BAD", "locations/NL/CP1/GOOD"}
    async with hub.node.db.session() as session:
        failed = await outbox_admin.list_deliveries(session, states=["failed"])
    assert [(row.partner_id, row.path, row.refusals) for row in failed] == [
        (hub.ids["emsp1"], "NL/CP1/BAD", FAST.max_refusals)
    ]


async def test_what_the_hub_pulls_new_or_newer_is_relayed(
    hub: Hub, receivers: dict[str, Receiver]
) -> None:
    # Objects a party changed while it could not push (or before it connected) reach the
    # others through the Hub's pull (resync), as PUTs at the owner's ids, FROM the Hub.
    def version(tariff_id: str, n: int) -> dict[str, Any]:
        return tariff(tariff_id, party_id="CP1", last_updated=f"2026-02-0{n}T10:00:00Z")

    receivers["cpo1"].listed["tariffs"] = [version("T1", 1), version("T2", 1)]
    pull = PullWorker(hub.node.db, hub.node.roaming, client_factory())
    async with hub.node.db.session() as session:
        cpo1 = await repo.get_partner(session, hub.ids["cpo1"])
    assert cpo1 is not None
    assert (await pull.pull(cpo1, "tariffs", full=True)).stored == 2
    assert await hub.pending_for() == {"emsp1", "emsp2", "other1"}
    await hub.drain()
    for name in ("emsp1", "emsp2", "other1"):
        sent = receivers[name].requests()
        assert [(s.method, s.path) for s in sent] == [
            ("PUT", f"{PREFIX}tariffs/NL/CP1/T1"),
            ("PUT", f"{PREFIX}tariffs/NL/CP1/T2"),
        ]
        assert {_routing(s) for s in sent} == {(HUB, ("NL", EMSP_LIKE[name]))}

    # Pulled again: only what is newer than the Hub's copy is sent (T2), and a copy the CPO
    # pushed meanwhile (T1, newer than the listed one) is neither replaced nor sent again.
    _ok(await hub.push("cpo1", "PUT", "tariffs/NL/CP1/T1", version("T1", 5)))
    await hub.drain()
    receivers["cpo1"].listed["tariffs"] = [version("T1", 2), version("T2", 3)]
    assert (await pull.pull(cpo1, "tariffs", full=True)).stored == 1
    await hub.drain()
    for name in ("emsp1", "emsp2", "other1"):
        assert receivers[name].copies == {
            "tariffs/NL/CP1/T1": version("T1", 5),
            "tariffs/NL/CP1/T2": version("T2", 3),
        }
        assert len(receivers[name].requests()) == 4


def test_only_locations_tariffs_and_tokens_are_broadcast() -> None:
    # Sessions and CDRs concern one party (transport_and_format "Broadcast Push"): never
    # relayed; and only a Hub node relays.
    for module in ("sessions", "cdrs"):
        assert relay_of(HUB_PLATFORM, SPECS[module], 7) is None
    not_a_hub = Platform(public_url=PUBLIC_URL, parties=(OwnParty("NL", "ORM", Role.EMSP, "x"),))
    assert relay_of(not_a_hub, SPECS["locations"], 7) is None
    # eMSP data to CPOs only; CPO data to every eMSP-like role ("Other" included).
    assert relay_of(HUB_PLATFORM, SPECS["tokens"], 7) == Relay(7, ("CPO",))
    assert relay_of(HUB_PLATFORM, SPECS["tariffs"], 7) == Relay(
        7, ("EMSP", "NSP", "NAP", "OTHER", "SCSP")
    )
