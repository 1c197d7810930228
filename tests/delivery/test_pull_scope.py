"""Which modules pull-sync pulls from whom (docs/hub.md "What a Hub holds"), against partners
whose Sender interfaces are small real HTTP servers offering every object module:

* a Hub node pulls from each party what that party owns (Locations and Tariffs from a CPO,
  Tokens from an eMSP), never Sessions or CDRs (a Hub routes them to the party they concern),
  and serves what it pulled in its GET All;
* a platform pulls what one of its own roles receives (a CPO Tokens; an eMSP Locations,
  Tariffs, Sessions and CDRs), from the owner or from a Hub (GET All via Hubs), so a CPO does
  not pull the other CPOs' Locations through a Hub;
* a due pull that is no longer in scope (scheduled before) is not made, and not scheduled
  again.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

import orjson
import pytest

from openroam._delivery.pull import PullSettings, PullWorker
from openroam._runtime import client_factory
from openroam._server.v221.modules import interface
from openroam._services.object_specs import SPECS
from openroam._services.partner_status import (
    READING_ROLES,
    PartnerStatusService,
    pulled_modules,
)
from openroam._services.platform import OwnParty, Platform
from openroam._services.roaming import RoamingService
from openroam._store import repositories as repo
from openroam._store import sync_state
from openroam._store.db import Database
from openroam._store.records import Grant
from openroam.models.v221.credentials import CredentialsRole
from openroam.models.v221.locations import BusinessDetails
from openroam.models.v221.types import Role
from openroam.models.v221.versions import Endpoint, InterfaceRole, ModuleID
from tests.api import support as objects
from tests.hub.getall_support import BASE, open_hub
from tests.loopback import serving

SETTINGS = PullSettings(interval=3600.0, retry_delay=30.0)
MODULES = ("locations", "tariffs", "tokens", "sessions", "cdrs")
Party = tuple[str, str]


@dataclass
class Senders:
    """What a partner's Sender interfaces serve (per module) and every request they got."""

    url: str = ""
    serve: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def modules(self) -> list[str]:
        """The modules whose lists were asked for, in order."""
        return [path.split("?")[0].rsplit("/", 1)[1] for path, _ in self.requests]


def _handler(senders: Senders) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            headers = {name.lower(): value for name, value in self.headers.items()}
            with senders.lock:
                senders.requests.append((self.path, headers))
            module = self.path.split("?")[0].rsplit("/", 1)[1]
            data = senders.serve.get(module, [])
            body = orjson.dumps(
                {"data": data, "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}
            )
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Total-Count", str(len(data)))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def senders() -> Iterator[Senders]:
    found = Senders()
    with serving(_handler(found)) as url:
        found.url = url
        yield found


@pytest.fixture
def other_senders() -> Iterator[Senders]:
    found = Senders()
    with serving(_handler(found)) as url:
        found.url = url
        yield found


async def _partner(
    database: Database, senders: Senders, roles: list[tuple[Role, Party]]
) -> repo.PartnerRecord:
    """A registered partner granted ``roles``, offering the Sender of every object module."""
    name = f"partner-{uuid.uuid4().hex[:6]}"
    async with database.session() as session, session.begin():
        invited = await repo.create_invitation(
            session, name, f"token-a-{name}", grants=[Grant(role, *party) for role, party in roles]
        )
        return await repo.save_registration(
            session,
            invited.id,
            versions_url=f"{senders.url}/ocpi/versions",
            version="2.2.1",
            roles=[
                CredentialsRole(
                    role=role,
                    business_details=BusinessDetails(name=name),
                    country_code=party[0],
                    party_id=party[1],
                )
                for role, party in roles
            ],
            endpoints=[
                Endpoint(
                    identifier=ModuleID(module),
                    role=InterfaceRole.SENDER,
                    url=f"{senders.url}/ocpi/2.2.1/{module}",
                )
                for module in MODULES
            ],
            incoming_token=f"token-c-{name}",
            outgoing_token=f"token-b-{name}",
        )


def _platform(*parties: tuple[Role, Party]) -> Platform:
    return Platform(
        "http://node.test", tuple(OwnParty(*party, role, f"our {role}") for role, party in parties)
    )


async def _run(database: Database, platform: Platform) -> PullWorker:
    worker = PullWorker(database, RoamingService(database, platform), client_factory(), SETTINGS)
    await worker.run_due()
    return worker


OUR_CPO = (Role.CPO, ("NL", "ORC"))
OUR_EMSP = (Role.EMSP, ("NL", "EMS"))
THE_HUB = (Role.HUB, ("NL", "HUB"))


async def test_a_cpo_pulls_only_tokens_through_a_hub(database: Database, senders: Senders) -> None:
    hub = await _partner(database, senders, [THE_HUB])

    await _run(database, _platform(OUR_CPO))

    assert senders.modules == ["tokens"]
    # GET All via Hubs: FROM our party, TO the Hub (transport_and_format.asciidoc).
    headers = senders.requests[0][1]
    assert (headers["ocpi-from-country-code"], headers["ocpi-from-party-id"]) == ("NL", "ORC")
    assert (headers["ocpi-to-country-code"], headers["ocpi-to-party-id"]) == ("NL", "HUB")
    status = await PartnerStatusService(database, _platform(OUR_CPO)).of(hub.name)
    assert {m.module for m in status.modules if m.pulled} == {"tokens"}


async def test_an_emsp_pulls_what_a_cpo_sends_through_a_hub(
    database: Database, senders: Senders
) -> None:
    await _partner(database, senders, [THE_HUB])

    await _run(database, _platform(OUR_EMSP))

    assert sorted(senders.modules) == sorted(["locations", "tariffs", "sessions", "cdrs"])


async def test_a_platform_pulls_from_the_owner_only_what_it_receives(
    database: Database, senders: Senders, other_senders: Senders
) -> None:
    # A CPO platform and another CPO: nothing to pull (a CPO does not read Locations).
    await _partner(database, senders, [(Role.CPO, ("DE", "CPA"))])
    # A CPO platform and an eMSP+CPO partner: its Tokens only (it owns them; we receive them).
    await _partner(database, other_senders, [(Role.CPO, ("DE", "CPB")), (Role.EMSP, ("DE", "EMB"))])

    await _run(database, _platform(OUR_CPO))

    assert senders.modules == []
    assert other_senders.modules == ["tokens"]


async def test_both_roles_pull_every_module_of_a_partner_with_both(
    database: Database, senders: Senders
) -> None:
    await _partner(database, senders, [(Role.CPO, ("DE", "CPA")), (Role.EMSP, ("DE", "EMA"))])

    await _run(database, _platform(OUR_CPO, OUR_EMSP))

    assert sorted(senders.modules) == sorted(MODULES)


async def test_a_hub_pulls_what_each_party_owns_and_serves_it(
    database: Database, senders: Senders, other_senders: Senders
) -> None:
    cpo_party, emsp_party = ("DE", "CPA"), ("BE", "EMA")
    pulled_location = objects.location("PULLED", *cpo_party)
    pulled_token = objects.token("T-PULLED", country_code=emsp_party[0], party_id=emsp_party[1])
    senders.serve["locations"] = [pulled_location]
    other_senders.serve["tokens"] = [pulled_token]
    await _partner(database, senders, [(Role.CPO, cpo_party)])
    await _partner(database, other_senders, [(Role.EMSP, emsp_party)])

    async with open_hub(database) as hub:
        worker = PullWorker(database, hub.node.roaming, client_factory(), SETTINGS)
        await worker.run_due()

        # Never Sessions or CDRs: a Hub routes them, it does not hold them.
        assert sorted(senders.modules) == ["locations", "tariffs"]
        assert other_senders.modules == ["tokens"]
        # FROM the Hub, TO the owner.
        headers = dict(senders.requests)["/ocpi/2.2.1/locations"]
        assert (headers["ocpi-from-country-code"], headers["ocpi-from-party-id"]) == ("NL", "HUB")
        assert (headers["ocpi-to-country-code"], headers["ocpi-to-party-id"]) == cpo_party

        # What the Hub pulled is in its GET All.
        reader = await hub.connect(Role.EMSP, ("NL", "EMR"))
        response = await hub.client.get(f"{BASE}/sender/locations", headers=reader.headers())
        assert response.json()["data"] == [pulled_location]
        cpo = await hub.connect(Role.CPO, ("NL", "CPR"))
        response = await hub.client.get(f"{BASE}/sender/tokens", headers=cpo.headers())
        assert response.json()["data"] == [pulled_token]


async def test_a_due_pull_out_of_scope_is_not_made_nor_scheduled_again(
    database: Database, senders: Senders
) -> None:
    """Pulls scheduled before the scope narrowed (every Sender a Hub offered): only Tokens are
    pulled by a CPO; the others wait unscheduled, their state kept for the operator."""
    hub = await _partner(database, senders, [THE_HUB])
    now = datetime.now(UTC)
    async with database.session() as session, session.begin():
        for module in MODULES:
            await sync_state.schedule_pull(session, hub.id, module, now)

    await _run(database, _platform(OUR_CPO))
    await _run(database, _platform(OUR_CPO))

    assert senders.modules == ["tokens"]
    async with database.session() as session:
        states = {s.module: s for s in await sync_state.list_sync_states(session, hub.id)}
    assert states["tokens"].next_pull_at is not None
    assert {m for m in MODULES if states[m].next_pull_at is None} == {
        "locations",
        "tariffs",
        "sessions",
        "cdrs",
    }

    # In scope again (the node also hosts an eMSP now): scheduled and pulled.
    await _run(database, _platform(OUR_CPO, OUR_EMSP))
    assert sorted(senders.modules[1:]) == sorted(["locations", "tariffs", "sessions", "cdrs"])


def _record(*roles: tuple[Role, Party]) -> repo.PartnerRecord:
    """A partner record with these roles offering every object module's Sender (no store)."""
    now = datetime.now(UTC)
    return repo.PartnerRecord(
        id=1,
        name="p",
        versions_url=None,
        version="2.2.1",
        status=repo.PartnerStatus.REGISTERED,
        outgoing_token="token",
        encode_token=True,
        created_at=now,
        updated_at=now,
        registered_at=now,
        roles=tuple(repo.PartnerRoleRecord(role, party[0], party[1], {}) for role, party in roles),
        endpoints=tuple(
            repo.EndpointRecord(module, InterfaceRole.SENDER, f"https://p/{module}")
            for module in MODULES
        ),
    )


@pytest.mark.parametrize(
    ("ours", "theirs", "pulled"),
    [
        ([THE_HUB], [(Role.CPO, ("DE", "CPA"))], ["locations", "tariffs"]),
        ([THE_HUB], [(Role.EMSP, ("DE", "EMA"))], ["tokens"]),
        ([THE_HUB], [(Role.NSP, ("DE", "NSA"))], []),
        ([OUR_CPO], [THE_HUB], ["tokens"]),
        ([OUR_EMSP], [THE_HUB], ["locations", "tariffs", "sessions", "cdrs"]),
        ([(Role.NSP, ("NL", "NSP"))], [THE_HUB], ["locations", "tariffs"]),
        ([OUR_EMSP], [(Role.EMSP, ("DE", "EMA"))], []),
        (
            [OUR_CPO, OUR_EMSP],
            [(Role.CPO, ("DE", "CPA"))],
            ["locations", "tariffs", "sessions", "cdrs"],
        ),
    ],
)
def test_pulled_modules(
    ours: list[tuple[Role, Party]], theirs: list[tuple[Role, Party]], pulled: list[str]
) -> None:
    record = _record(*theirs)
    assert pulled_modules(record, _platform(*ours)) == pulled
    # Without our parties known: every Sender the partner offers (as before).
    assert pulled_modules(record) == list(MODULES)


def test_reading_roles_are_the_sender_callers() -> None:
    """The pull scope and the Sender interfaces agree on who receives each module."""
    for module in SPECS:
        assert READING_ROLES[module] == interface(ModuleID(module), InterfaceRole.SENDER).callers
