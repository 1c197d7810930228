"""Roaming through an openroam Hub over real HTTP: five nodes, every platform connected only to
the Hub (docs/hub.md; transport_and_format.asciidoc "Message Routing"; mod_hub_client_info).

One Hub node (party NL*HUB), two CPO nodes (NL*CP1, NL*CP2) and two eMSP nodes (DE*EM1, DE*EM2).
The Hub invites each platform with its grant (its backend API, as ``openroam invite`` does); each
platform runs ``openroam register`` with the Hub, granting it HUB. Then, step by step:

1. ``connected``: the Hub's HubClientInfo list names the four parties CONNECTED, and each
   platform holds the ClientInfo of the three others, CONNECTED (mod_hub_client_info).
2. ``trust``: FROM headers naming a party the caller does not hold are refused (2001), a TO
   naming a party nobody holds gets 4001, an unknown token 401; a platform refuses the Hub's
   FROM naming the platform's own party (2001).
3. ``broadcast``: both CPOs' Locations and Tariffs reach both eMSPs, byte-equal to the owners'
   (``last_updated`` untouched), and never the other CPO (transport_and_format "Broadcast Push").
4. ``get_all``: an eMSP's GET of the Hub's Locations Sender list, TO the Hub, pages both CPOs'
   Locations with an exact X-Total-Count and Links on the Hub (transport_and_format "GET All via
   Hub").
5. ``realtime``: a Token of eMSP 1 reaches both CPOs (not eMSP 2) and authorizes in real time at
   CPO 2, eMSP 1 deciding through the Hub (mod_tokens "Real-time authorization").
6. ``session``: START_SESSION from eMSP 2 at a Location of CPO 1, through the Hub; CPO 1's
   simulator charges; the Session and the CDR reach eMSP 2 and never eMSP 1.
7. ``offline``: CPO 2 stops; the Hub finds it silent (``hub_liveness_seconds``) and reports it
   OFFLINE to the others; a Token changed meanwhile is queued to nobody at CPO 2.
8. ``back``: CPO 2 restarts; it is CONNECTED again everywhere and holds the changed Token.

Settings are short (``hub_liveness_seconds`` 2, pulls every 3 s) so the story takes well under a
minute. A failed step is reported with the steps after it that did not depend on it, so one run
shows the state of the whole story.
"""

from __future__ import annotations

import asyncio
import base64
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import pytest

from openroam._demo import sample
from openroam.simulator import BackendApi, Simulator, SimulatorSettings
from tests.e2e.nodes import NodeConfig, Party, Running, free_port, running, running_together
from tests.e2e.test_roaming import ADMIN, FAST
from tests.e2e.test_v211_story import _token_sent_by

T = TypeVar("T")
JSON = dict[str, Any]
WAIT_SECONDS = 25.0

HUB = Party("NL", "HUB", "HUB", "openroam e2e Hub")
CPO1 = Party("NL", "CP1", "CPO", "CPO one")
CPO2 = Party("NL", "CP2", "CPO", "CPO two")
EMSP1 = Party("DE", "EM1", "EMSP", "eMSP one")
EMSP2 = Party("DE", "EM2", "EMSP", "eMSP two")
#: each platform's name at the Hub; the Hub is "hub" at every platform
NAMES = {CPO1: "cpo1", CPO2: "cpo2", EMSP1: "emsp1", EMSP2: "emsp2"}
SHORT = FAST | {
    "OPENROAM_HUB_LIVENESS_SECONDS": "2",
    "OPENROAM_HUB_FORWARD_TIMEOUT_SECONDS": "5",
    "OPENROAM_CLIENT_TIMEOUT_SECONDS": "5",
    "OPENROAM_CLIENT_RETRIES": "0",
}


@dataclass
class Five:
    hub: NodeConfig
    cpo1: NodeConfig
    cpo2: NodeConfig
    emsp1: NodeConfig
    emsp2: NodeConfig
    logs: Path
    processes: Running | None = None
    #: set by a step for later ones: the Tokens issued, by eMSP name
    tokens: dict[str, JSON] = field(default_factory=dict)

    @property
    def platforms(self) -> list[NodeConfig]:
        return [self.cpo1, self.cpo2, self.emsp1, self.emsp2]

    def api(self, node: NodeConfig) -> BackendApi:
        return BackendApi(node.base_url, ADMIN)


def _node(name: str, party: Party, tmp: Path) -> NodeConfig:
    database = f"sqlite+aiosqlite:///{tmp / f'{name}.db'}"
    return NodeConfig(name, free_port(), database, [party], SHORT)


@pytest.fixture
def five(tmp_path: Path) -> Iterator[Five]:
    nodes = Five(
        _node("hub", HUB, tmp_path),
        _node("cpo1", CPO1, tmp_path),
        _node("cpo2", CPO2, tmp_path),
        _node("emsp1", EMSP1, tmp_path),
        _node("emsp2", EMSP2, tmp_path),
        tmp_path,
    )
    with ExitStack() as stack:
        nodes.processes = stack.enter_context(
            running_together([nodes.hub, *nodes.platforms], tmp_path)
        )
        yield nodes


# -- helpers ---------------------------------------------------------------------------------


def _party(node: NodeConfig) -> Party:
    return node.parties[0]


def _flag(party: Party) -> str:
    """``CC*PID``, as ``--party`` takes it."""
    return f"{party.country_code}*{party.party_id}"


def _register_with_hub(hub: NodeConfig, platform: NodeConfig) -> None:
    """The Hub invites the platform with its grant; the platform registers, granting HUB."""
    party = _party(platform)
    grant = {"role": party.role, "country_code": party.country_code, "party_id": party.party_id}
    response = httpx.post(
        f"{hub.base_url}/api/invitations",
        json={"name": NAMES[party], "grants": [grant]},
        headers={"Authorization": f"Bearer {ADMIN}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    token = response.json()["data"]["token"]
    platform.cli(
        "register", hub.versions_url, "--token", token, "--name", "hub",
        "--role", "HUB", "--party", _flag(HUB),
    )  # fmt: skip


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


def _routing(from_party: Party | None, to_party: Party | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if from_party is not None:
        headers["OCPI-from-country-code"] = from_party.country_code
        headers["OCPI-from-party-id"] = from_party.party_id
    if to_party is not None:
        headers["OCPI-to-country-code"] = to_party.country_code
        headers["OCPI-to-party-id"] = to_party.party_id
    return headers


async def _eventually(what: str, check: Callable[[], Awaitable[T | None]]) -> T:
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while (found := await check()) is None:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {WAIT_SECONDS:.0f}s: {what}")
        await asyncio.sleep(0.2)
    return found


async def _held(api: BackendApi, module: str) -> list[JSON]:
    """What a platform holds from the Hub (every party behind it), by owner and id."""
    found: list[JSON] = await api.request("GET", f"partners/hub/{module}?limit=1000")
    return sorted(found, key=_key)


async def _own(api: BackendApi, module: str) -> list[JSON]:
    found: list[JSON] = await api.request("GET", f"{module}?limit=1000")
    return sorted(found, key=_key)


def _key(item: JSON) -> tuple[str, str, str]:
    return (item["country_code"], item["party_id"], str(item.get("id", item.get("uid"))))


def _locations(party: Party) -> list[JSON]:
    """The demo's Locations as ``party``'s, with ids of its own (so a Location id names one
    owner, as Open Routing of commands needs: docs/hub.md "What it routes, and how")."""
    found = []
    for location in sample.locations():
        location |= {"country_code": party.country_code, "party_id": party.party_id}
        location["id"] = f"{party.party_id}-{location['id']}"
        for evse in location["evses"]:
            evse["uid"] = f"{party.party_id}-{evse['uid']}"
            evse["evse_id"] = evse["evse_id"].replace("NL*ORC", _flag(party))
        found.append(location)
    return found


def _driver(party: Party, uid: str) -> JSON:
    return sample.driver_token(uid) | {
        "country_code": party.country_code,
        "party_id": party.party_id,
        "contract_id": f"{party.country_code}-{party.party_id}-C{uid}",
        "issuer": party.name,
    }


async def _publish(node: NodeConfig) -> None:
    party = _party(node)
    owner = {"country_code": party.country_code, "party_id": party.party_id}
    api = BackendApi(node.base_url, ADMIN)
    try:
        peak_from = datetime.now(ZoneInfo(sample.TIME_ZONE)) + timedelta(hours=3)
        for tariff in sample.tariffs(peak_from.replace(second=0, microsecond=0)):
            await api.put_tariff(tariff | owner)
        for location in _locations(party):
            await api.put_location(location)
    finally:
        await api.aclose()


async def _client_info(hub: NodeConfig, at: NodeConfig, about: Party) -> JSON | None:
    """The ClientInfo ``at`` holds about ``about`` (its HubClientInfo Receiver, asked with the
    Hub's token as the Hub would); None when it holds none."""
    token = _token_sent_by(hub, NAMES[_party(at)])
    url = f"{at.base_url}/ocpi/2.2.1/receiver/hubclientinfo/{about.country_code}/{about.party_id}"
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.get(url, headers=_auth(token))
    if response.status_code == 404:
        return None
    assert response.status_code == 200, (at.name, response.status_code, response.text)
    body = response.json()
    assert body["status_code"] == 1000, (at.name, body)
    info: JSON = body["data"]
    return info


async def _hub_list(five: Five) -> dict[str, str]:
    """The Hub's HubClientInfo Sender list as eMSP 1 reads it: status by ``CC*PID``."""
    token = _token_sent_by(five.emsp1, "hub")
    url = f"{five.hub.base_url}/ocpi/2.2.1/sender/hubclientinfo?limit=100"
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.get(url, headers=_auth(token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status_code"] == 1000, body
    assert "OCPI-from-party-id" not in response.headers  # a Configuration module
    return {f"{i['country_code']}*{i['party_id']}": i["status"] for i in body["data"]}


async def _statuses_everywhere(five: Five, about: Party, status: str) -> bool | None:
    """Whether the Hub and every other running platform say ``about`` is ``status``."""
    if (await _hub_list(five)).get(_flag(about)) != status:
        return None
    for node in five.platforms:
        if _party(node) == about or (node is five.cpo2 and not _running(five)):
            continue  # itself, or CPO 2 while it is stopped
        info = await _client_info(five.hub, node, about)
        if info is None or info["status"] != status:
            return None
        assert info["role"] == about.role, info
    return True


def _running(five: Five) -> bool:
    assert five.processes is not None
    return five.processes.processes["cpo2"].poll() is None


# -- the story -------------------------------------------------------------------------------


async def step_connected(five: Five) -> None:
    listed = await _eventually(
        "the four parties CONNECTED in the Hub's HubClientInfo list",
        lambda: _all_connected(five),
    )
    assert set(listed) - {_flag(HUB)} == {_flag(p) for p in NAMES}, listed
    for node in five.platforms:
        for other in NAMES:
            if other == _party(node):
                continue

            async def held(node: NodeConfig = node, other: Party = other) -> JSON | None:
                info = await _client_info(five.hub, node, other)
                return info if info is not None and info["status"] == "CONNECTED" else None

            info = await _eventually(f"{_flag(other)} CONNECTED at {node.name}", held)
            assert (info["country_code"], info["party_id"], info["role"]) == (
                other.country_code,
                other.party_id,
                other.role,
            )


async def _all_connected(five: Five) -> dict[str, str] | None:
    listed = await _hub_list(five)
    wanted = {_flag(p) for p in NAMES}
    if wanted <= set(listed) and all(listed[p] == "CONNECTED" for p in wanted):
        return listed
    return None


async def step_trust(five: Five) -> None:
    """The trust rules hold through the Hub (docs/security.md "Through a Hub")."""
    token = _token_sent_by(five.emsp1, "hub")
    url = f"{five.hub.base_url}/ocpi/2.2.1/sender/locations"
    async with httpx.AsyncClient(timeout=10) as client:
        # FROM a party eMSP 1 does not hold (eMSP 2's): 2001, HTTP 200, naming the header.
        spoofed = await client.get(url, headers=_auth(token) | _routing(EMSP2, HUB))
        assert spoofed.status_code == 200, spoofed.text
        assert spoofed.json()["status_code"] == 2001, spoofed.text
        assert "from" in spoofed.json()["status_message"].lower(), spoofed.text
        # TO a party nobody holds: 4001 Unknown receiver.
        nobody = Party("NL", "XXX", "CPO", "nobody")
        unknown = await client.get(
            f"{url}/NL/XXX/LOC1", headers=_auth(token) | _routing(EMSP1, nobody)
        )
        assert unknown.status_code == 200, unknown.text
        assert unknown.json()["status_code"] == 4001, unknown.text
        assert unknown.headers["OCPI-to-party-id"] == "EM1", unknown.headers
        # A token the Hub does not know: 401.
        stranger = await client.get(url, headers=_auth("not-a-token") | _routing(EMSP1, HUB))
        assert stranger.status_code == 401, stranger.text
        # A platform refuses the Hub speaking FROM the platform's own party.
        hub_token = _token_sent_by(five.hub, "emsp1")
        own = await client.get(
            f"{five.emsp1.base_url}/ocpi/2.2.1/sender/tokens",
            headers=_auth(hub_token) | _routing(EMSP1, EMSP1),
        )
        assert own.status_code == 200, own.text
        assert own.json()["status_code"] == 2001, own.text


async def step_broadcast(five: Five) -> None:
    await asyncio.gather(_publish(five.cpo1), _publish(five.cpo2))
    apis = {node.name: five.api(node) for node in five.platforms}
    try:
        for module in ("locations", "tariffs"):
            originals = sorted(
                [*await _own(apis["cpo1"], module), *await _own(apis["cpo2"], module)], key=_key
            )
            for emsp in (five.emsp1, five.emsp2):
                last: list[list[JSON]] = [[]]

                async def equal(
                    emsp: NodeConfig = emsp,
                    module: str = module,
                    last: list[list[JSON]] = last,
                    originals: list[JSON] = originals,
                ) -> bool | None:
                    last[0] = await _held(apis[emsp.name], module)
                    return True if last[0] == originals else None

                try:
                    await _eventually(f"both CPOs' {module} at {emsp.name}", equal)
                except AssertionError:
                    assert [_key(o) for o in last[0]] == [_key(o) for o in originals]
                    assert last[0] == originals  # the difference
            # A CPO's data reaches the eMSP-like roles only (transport_and_format "Broadcast
            # Push": the opposite role), and a CPO pulls no Locations or Tariffs.
            for cpo in (five.cpo1, five.cpo2):
                assert await _held(apis[cpo.name], module) == [], f"{module} at {cpo.name}"
    finally:
        for api in apis.values():
            await api.aclose()


async def step_get_all(five: Five) -> None:
    api = five.api(five.cpo1)
    api2 = five.api(five.cpo2)
    try:
        originals = {
            _key(o): o for o in [*await _own(api, "locations"), *await _own(api2, "locations")]
        }
    finally:
        await api.aclose()
        await api2.aclose()
    token = _token_sent_by(five.emsp1, "hub")
    url: str | None = f"{five.hub.base_url}/ocpi/2.2.1/sender/locations?limit=2"
    seen: list[JSON] = []
    pages = 0
    async with httpx.AsyncClient(timeout=10) as client:
        while url is not None and pages < 10:
            response = await client.get(url, headers=_auth(token) | _routing(EMSP1, HUB))
            pages += 1
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["status_code"] == 1000, body
            assert len(body["data"]) <= 2, body["data"]
            assert response.headers["X-Total-Count"] == str(len(originals)), response.headers
            # The server's page size, not the one asked for (transport_and_format "Paginated
            # Response": "X-Limit SHALL then still show the upper limit").
            assert response.headers["X-Limit"] == "100", response.headers
            # GET All is answered by the Hub itself, to the requester.
            assert response.headers["OCPI-from-party-id"] == "HUB", response.headers
            assert response.headers["OCPI-to-party-id"] == "EM1", response.headers
            seen.extend(body["data"])
            url = response.links.get("next", {}).get("url")
            if url is not None:
                assert url.startswith(five.hub.base_url + "/ocpi/2.2.1/sender/locations"), url
    assert pages == 3, pages
    assert len(seen) == len(originals), [_key(o) for o in seen]
    # Each exactly as its owner serves it (transport_and_format "Message Routing": the Hub never
    # changes last_updated), every one once.
    assert {_key(o): o for o in seen} == originals


async def step_realtime(five: Five) -> None:
    emsp1, emsp2 = five.api(five.emsp1), five.api(five.emsp2)
    cpo1, cpo2 = five.api(five.cpo1), five.api(five.cpo2)
    try:
        for node, api, uid in ((five.emsp1, emsp1, "EM1-0001"), (five.emsp2, emsp2, "EM2-0001")):
            token = _driver(_party(node), uid)
            path = f"tokens/{token['country_code']}/{token['party_id']}/{uid}?type=APP_USER"
            await api.request("PUT", path, token)
            five.tokens[node.name] = await api.request("GET", path)
        for cpo in (cpo1, cpo2):

            async def both(cpo: BackendApi = cpo) -> bool | None:
                held = {t["uid"]: t for t in await _held(cpo, "tokens")}
                wanted = {t["uid"]: t for t in five.tokens.values()}
                return True if held == wanted else None

            await _eventually("both eMSPs' Tokens at each CPO", both)
        # Tokens go to CPOs only (transport_and_format "Broadcast Push").
        assert await _held(emsp1, "tokens") == []
        assert await _held(emsp2, "tokens") == []

        location = _locations(CPO2)[0]
        asked = await cpo2.request(
            "POST",
            "authorize",
            {"token_uid": "EM1-0001", "type": "APP_USER", "location_id": location["id"],
             "evse_uids": [location["evses"][0]["uid"]]},
        )  # fmt: skip
        assert (asked["allowed"], asked["decided_by"]) == ("ALLOWED", "emsp"), asked
        assert asked["authorization_reference"], asked
        # eMSP 1 decided it: its event names the Hub as the caller and the same reference.
        events = await emsp1.events(0, ("token.authorization",))
        (event,) = [e["data"] for e in events["data"]]
        assert event["partner"] == "hub", event
        assert event["token_uid"] == "EM1-0001", event
        assert event["authorization_reference"] == asked["authorization_reference"], event
        assert (await emsp2.events(0, ("token.authorization",)))["data"] == []
    finally:
        for api in (emsp1, emsp2, cpo1, cpo2):
            await api.aclose()


async def step_session(five: Five) -> None:
    emsp1, emsp2, cpo1 = five.api(five.emsp1), five.api(five.emsp2), five.api(five.cpo1)
    simulated = BackendApi(five.cpo1.base_url, ADMIN)
    settings = SimulatorSettings(speed=600, interval=60)
    location = _locations(CPO1)[0]
    try:
        async with Simulator(simulated, settings, lambda line: None).running():

            async def command(kind: str, body: JSON) -> str:
                sent = await emsp2.request("POST", f"commands/{kind}?partner=hub", body)
                assert sent["response"]["result"] == "ACCEPTED", sent

                async def result() -> str | None:
                    found = await emsp2.request("GET", f"commands/{sent['id']}")
                    return found["result"]["result"] if found.get("result") else None

                return await _eventually(f"the result of {kind} at emsp2", result)

            token = five.tokens["emsp2"]
            start = {"token": token, "location_id": location["id"],
                     "evse_uid": location["evses"][0]["uid"], "connector_id": "1"}  # fmt: skip
            assert await command("START_SESSION", start) == "ACCEPTED"

            async def charging() -> JSON | None:
                found = [s for s in await _held(emsp2, "sessions") if float(s["kwh"]) > 0]
                return found[0] if found else None

            session = await _eventually("a Session charging at emsp2", charging)
            assert (session["country_code"], session["party_id"]) == ("NL", "CP1"), session
            assert session["location_id"] == location["id"], session
            assert session["cdr_token"]["uid"] == token["uid"], session
            assert session["auth_method"] == "COMMAND", session
            stop = {"session_id": session["id"]}
            assert await command("STOP_SESSION", stop) == "ACCEPTED"

            async def delivered() -> list[JSON] | None:
                return await _held(emsp2, "cdrs") or None

            (cdr,) = await _eventually("the CDR at emsp2", delivered)
        own = [c for c in await _own(cpo1, "cdrs") if c["id"] == cdr["id"]]
        assert own == [cdr], "the CDR reached eMSP 2 as CPO 1 priced it"
        assert float(cdr["total_cost"]["excl_vat"]) > 0, cdr
        # Sessions and CDRs are never broadcast (transport_and_format "Broadcast Push").
        assert await _held(emsp1, "sessions") == [], "a Session reached eMSP 1"
        assert await _held(emsp1, "cdrs") == [], "a CDR reached eMSP 1"
    finally:
        for api in (emsp1, emsp2, cpo1, simulated):
            await api.aclose()


async def step_offline(five: Five) -> None:
    assert five.processes is not None
    hub = five.api(five.hub)
    emsp1, cpo1 = five.api(five.emsp1), five.api(five.cpo1)
    try:
        before = await hub.request("GET", "deliveries?partner=cpo2&limit=1000")
        last_id = max((row["id"] for row in before), default=0)
        await asyncio.to_thread(five.processes.stop, five.cpo2)
        await _eventually(
            "CPO 2 OFFLINE at the Hub and the others",
            lambda: _statuses_everywhere(five, CPO2, "OFFLINE"),
        )
        # A change while CPO 2 is OFFLINE reaches CPO 1, and nothing is queued for CPO 2
        # (mod_hub_client_info "do not queue").
        token = five.tokens["emsp1"] | {"visual_number": "EM1 0001 (renewed)"}
        token.pop("last_updated", None)
        path = f"tokens/DE/EM1/{token['uid']}?type=APP_USER"
        await emsp1.request("PUT", path, token)
        five.tokens["emsp1"] = await emsp1.request("GET", path)

        async def at_cpo1() -> bool | None:
            held = [t for t in await _held(cpo1, "tokens") if t["uid"] == token["uid"]]
            return True if held == [five.tokens["emsp1"]] else None

        await _eventually("the renewed Token at CPO 1", at_cpo1)
        after = await hub.request("GET", "deliveries?partner=cpo2&limit=1000")
        queued = [row for row in after if row["id"] > last_id]
        assert queued == [], f"queued for OFFLINE CPO 2: {queued}"
        # The platforms show it among the parties behind their Hub (openroam partners show).
        shown = (await asyncio.to_thread(five.emsp1.cli, "partners", "show", "hub")).stdout
        (line,) = [row for row in shown.splitlines() if "CP2" in row]
        assert "OFFLINE" in line, shown
    finally:
        for api in (hub, emsp1, cpo1):
            await api.aclose()


async def step_back(five: Five) -> None:
    cpo2 = five.api(five.cpo2)
    restart = five.logs / "restart"
    restart.mkdir(exist_ok=True)
    try:
        with running(five.cpo2, restart):
            await _eventually(
                "CPO 2 CONNECTED again at the Hub and the others",
                lambda: _statuses_everywhere(five, CPO2, "CONNECTED"),
            )

            async def resynchronised() -> bool | None:
                held = {t["uid"]: t for t in await _held(cpo2, "tokens")}
                wanted = {t["uid"]: t for t in five.tokens.values()}
                return True if held == wanted else None

            await _eventually("the Token changed while it was down, at CPO 2", resynchronised)
    finally:
        await cpo2.aclose()


Step = Callable[[Five], Awaitable[None]]
#: name, step, the steps it needs (skipped when one of them failed)
STORY: Sequence[tuple[str, Step, tuple[str, ...]]] = (
    ("connected", step_connected, ()),
    ("trust", step_trust, ()),
    ("broadcast", step_broadcast, ()),
    ("get_all", step_get_all, ("broadcast",)),
    ("realtime", step_realtime, ()),
    ("session", step_session, ("broadcast", "realtime")),
    ("offline", step_offline, ("realtime",)),
    ("back", step_back, ("offline",)),
)


async def test_five_nodes_roam_through_one_hub(five: Five) -> None:
    await asyncio.gather(
        *(asyncio.to_thread(_register_with_hub, five.hub, node) for node in five.platforms)
    )
    outcome: dict[str, str] = {}
    took: dict[str, float] = {}
    for name, step, needs in STORY:
        missing = [n for n in needs if outcome.get(n) != "ok"]
        if missing:
            outcome[name] = f"not run (needs {', '.join(missing)})"
            continue
        started = time.monotonic()
        try:
            await step(five)
        except Exception as error:  # reported below with the other steps
            outcome[name] = _where(error)
        else:
            outcome[name] = "ok"
        took[name] = time.monotonic() - started
    report = "\n".join(
        f"{name}: {state} ({took.get(name, 0):.1f} s)" for name, state in outcome.items()
    )
    print(report)
    assert all(state == "ok" for state in outcome.values()), report


def _where(error: BaseException) -> str:
    """The failed line of a step in this file and what it said."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == __file__]
    line = f"line {frames[-1].lineno}: {frames[-1].line}" if frames else "?"
    return f"FAILED {line}\n    {type(error).__name__}: {error}"
