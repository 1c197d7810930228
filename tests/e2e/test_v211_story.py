"""OCPI 2.1.1 beside 2.2.1 over real HTTP: the demo's story with partners of each version.

a) A CPO node offering 2.2.1 and 2.1.1 (the default), an eMSP node with the default settings and
   one offering only 2.1.1 (setting ``ocpi_versions``). Each registers with the CPO and gets the
   newest version both sides offer (version_information_endpoint.md; credentials.md 3.1
   "Registration"): 2.2.1 and 2.1.1. Both receive the same Locations and Tariffs, each in its
   version (what the 2.1.1 eMSP reads from the CPO's 2.1.1 Sender is valid by
   :mod:`openroam.models.v211`), start a session by command, receive the Session and the CDR the
   CPO priced, and their price audits say "ok".
b) The reverse: the eMSP node with the default settings also registers with a CPO node offering
   only 2.1.1, and the same story holds.

One set of four nodes serves the three connections, whose stories run at once (CI time); a
failure names its connection. The CPOs' charge points are the simulator, on each CPO's backend
API only. What 2.1.1 cannot carry is dropped from the CPO's originals before they are compared
with a 2.1.1 eMSP's copies: exactly the losses docs/versions.md names for this data (Connector
``max_electric_power``, PriceComponent ``vat``, ``total_cost.incl_vat``, AuthMethod ``COMMAND``
read as ``AUTH_REQUEST``, Token type ``APP_USER`` read as ``OTHER``), nothing more.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import sqlite3
import traceback
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import orjson
import pytest

from openroam._demo import sample
from openroam.models import v211
from openroam.simulator import BackendApi, Simulator, SimulatorSettings
from tests.e2e.nodes import NodeConfig, Party, admin_api, free_port, running_together
from tests.e2e.test_roaming import ADMIN, FAST

T = TypeVar("T")
JSON = dict[str, Any]
WAIT_SECONDS = 45.0
ONLY_211 = {"OPENROAM_OCPI_VERSIONS": '["2.1.1"]'}

CPO = Party(sample.CPO[0], sample.CPO[1], "CPO", sample.CPO[2])
EMSP = Party(sample.EMSP[0], sample.EMSP[1], "EMSP", sample.EMSP[2])
EMSP_211 = Party("DE", "OLD", "EMSP", "an eMSP speaking OCPI 2.1.1")
CPO_211 = Party("NL", "OLD", "CPO", "a CPO speaking OCPI 2.1.1")


@dataclass(frozen=True)
class Link:
    """One CPO-eMSP connection of the story, and where its driver charges."""

    cpo: NodeConfig
    emsp: NodeConfig
    #: the eMSP's name at the CPO, the CPO's at the eMSP
    emsp_name: str
    cpo_name: str
    version: str
    location_id: str
    evse_uid: str
    #: the driver's Token uid (one driver per link)
    driver_uid: str

    @property
    def emsp_party(self) -> Party:
        return self.emsp.parties[0]

    @property
    def driver(self) -> JSON:
        party, uid = self.emsp_party, self.driver_uid
        return sample.driver_token(uid) | {
            "country_code": party.country_code,
            "party_id": party.party_id,
            "contract_id": f"{party.country_code}-{party.party_id}-C{uid}",
        }


def _node(name: str, party: Party, tmp: Path, extra: dict[str, str] | None = None) -> NodeConfig:
    database = f"sqlite+aiosqlite:///{tmp / f'{name}.db'}"
    return NodeConfig(name, free_port(), database, [party], FAST | (extra or {}))


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[Sequence[NodeConfig]]:
    """One set of nodes for the module's story: started at once, stopped at the end."""
    found = [
        _node("cpo", CPO, tmp_path),
        _node("cpo211", CPO_211, tmp_path, ONLY_211),
        _node("emsp", EMSP, tmp_path),
        _node("emsp211", EMSP_211, tmp_path, ONLY_211),
    ]
    with running_together(found, tmp_path):
        yield found


# -- the operators' steps -------------------------------------------------------------------


def _admin(node: NodeConfig, method: str, path: str, body: Any = None) -> Any:
    return admin_api(node, method, path, body).json()["data"]


def _register(link: Link) -> None:
    """``openroam invite`` at the CPO (here its backend API), ``openroam register`` at the
    eMSP, each granting the other exactly its party and role."""
    emsp, cpo = link.emsp_party, link.cpo.parties[0]
    grant = {"role": "EMSP", "country_code": emsp.country_code, "party_id": emsp.party_id}
    invitation = _admin(
        link.cpo, "POST", "invitations", {"name": link.emsp_name, "grants": [grant]}
    )
    registered = link.emsp.cli(
        "register", link.cpo.versions_url, "--token", invitation["token"],
        "--name", link.cpo_name, "--role", "CPO", "--party", f"{cpo.country_code}*{cpo.party_id}",
    ).stdout  # fmt: skip
    assert f"(OCPI {link.version})" in registered, registered
    # Both sides hold the connection at the agreed version.
    for node, partner in ((link.cpo, link.emsp_name), (link.emsp, link.cpo_name)):
        (record,) = [p for p in _admin(node, "GET", "partners") if p["name"] == partner]
        assert record["version"] == link.version, (node.name, record)


async def _eventually(what: str, check: Callable[[], Awaitable[T | None]]) -> T:
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while (found := await check()) is None:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {WAIT_SECONDS:.0f}s: {what}")
        await asyncio.sleep(0.2)
    return found


async def _publish(cpo: NodeConfig) -> None:
    """The demo's Locations and Tariffs, as the CPO's party's; the peak price starts hours after
    the session, which is priced at the off-peak element."""
    party = cpo.parties[0]
    owner = {"country_code": party.country_code, "party_id": party.party_id}
    api = BackendApi(cpo.base_url, ADMIN)
    try:
        peak_from = datetime.now(ZoneInfo(sample.TIME_ZONE)) + timedelta(hours=3)
        for tariff in sample.tariffs(peak_from.replace(second=0, microsecond=0)):
            await api.put_tariff(tariff | owner)
        for location in sample.locations():
            await api.put_location(location | owner)
    finally:
        await api.aclose()


# -- what 2.1.1 cannot carry, for this data (docs/versions.md) -----------------------------


def _as_211_copy(module: str, original: JSON) -> JSON:
    """The CPO's own 2.2.1 object as a 2.1.1 eMSP stores it: without what 2.1.1 cannot carry."""
    found = copy.deepcopy(original)
    if module == "locations":
        for evse in found.get("evses", []):
            for connector in evse["connectors"]:
                connector.pop("max_electric_power", None)  # 2.1.1 Connector has no power
    elif module == "tariffs":
        for element in found["elements"]:
            for component in element["price_components"]:
                component.pop("vat", None)  # a 2.1.1 price is excluding VAT
    return found


def _sorted(objects: list[JSON]) -> list[JSON]:
    return sorted(objects, key=lambda o: str(o["id"]))


def _token_sent_by(node: NodeConfig, partner: str) -> str:
    """The token ``node`` calls ``partner`` with (from its database: the test's look inside)."""
    path = node.database_url.removeprefix("sqlite+aiosqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as db:
        row = db.execute(
            "SELECT outgoing_token FROM partners WHERE name = ?", (partner,)
        ).fetchone()
    assert row is not None, (node.name, partner)
    assert row[0], (node.name, partner)
    return str(row[0])


V211_MODELS: dict[str, type[v211.Location] | type[v211.Tariff]] = {
    "locations": v211.Location,
    "tariffs": v211.Tariff,
}


class Story:
    """One connection's story, seen through the eMSP's backend API."""

    def __init__(self, link: Link) -> None:
        self.link = link
        self.cpo = BackendApi(link.cpo.base_url, ADMIN)
        self.emsp = BackendApi(link.emsp.base_url, ADMIN)

    async def aclose(self) -> None:
        await self.cpo.aclose()
        await self.emsp.aclose()

    async def play(self) -> None:
        for module in ("locations", "tariffs"):
            await self.same_objects(module)
            if self.link.version == "2.1.1":
                await self.valid_v211_sender_page(module)
        token = await self.issue_token()
        session = await self.start_session(token)
        await self.stop_session(session)

    # -- Locations and Tariffs ------------------------------------------------------------

    async def same_objects(self, module: str) -> None:
        """The eMSP's copies equal the CPO's originals (less what 2.1.1 cannot carry). Both are
        read again at each try: EVSE statuses change while the other connections charge."""
        path = f"partners/{self.link.cpo_name}/{module}?limit=1000"
        last: list[list[JSON]] = [[], []]

        async def equal() -> bool | None:
            own = _sorted(await self.cpo.request("GET", f"{module}?limit=1000"))
            if self.link.version == "2.1.1":
                own = [_as_211_copy(module, item) for item in own]
            held = _sorted(await self.emsp.request("GET", path))
            last[:] = [own, held]
            return True if own and held == own else None

        try:
            await _eventually(f"{module} at {self.link.emsp.name} equal to the CPO's", equal)
        except AssertionError:
            own, held = last
            assert own, f"the CPO published no {module}"
            assert held == own  # the difference

    async def valid_v211_sender_page(self, module: str) -> None:
        """The CPO's 2.1.1 Sender page as the 2.1.1 eMSP reads it (mod_locations.md 2.1.1,
        mod_tariffs.md 2.1.1: GET the list), each object valid by the 2.1.1 models."""
        token = _token_sent_by(self.link.emsp, self.link.cpo_name)
        url = f"{self.link.cpo.base_url}/ocpi/2.1.1/cpo/{module}"
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(url, headers={"Authorization": f"Token {token}"})
        assert response.status_code == 200, response.text
        page = orjson.loads(response.content)
        assert page["status_code"] == 1000, page
        model = V211_MODELS[module]
        objects = [model.model_validate_json(orjson.dumps(item)) for item in page["data"]]
        own = await self.cpo.request("GET", f"{module}?limit=1000")
        assert sorted(o.id for o in objects) == sorted(o["id"] for o in own)
        assert response.headers["X-Total-Count"] == str(len(own))

    # -- the driver's session -------------------------------------------------------------

    async def issue_token(self) -> JSON:
        token = self.link.driver
        path = f"tokens/{token['country_code']}/{token['party_id']}/{token['uid']}?type=APP_USER"
        await self.emsp.request("PUT", path, token)
        stored: JSON = await self.emsp.request("GET", path)

        async def at_cpo() -> JSON | None:
            found = await self.cpo.request("GET", f"partners/{self.link.emsp_name}/tokens")
            return next((t for t in found if t["uid"] == token["uid"]), None)

        copy_at_cpo = await _eventually(f"the Token of {self.link.emsp.name} at the CPO", at_cpo)
        assert copy_at_cpo["contract_id"] == token["contract_id"]
        # 2.1.1 TokenType has RFID and OTHER only (mod_tokens.md 4.3).
        assert copy_at_cpo["type"] == ("OTHER" if self.link.version == "2.1.1" else "APP_USER")
        return stored

    async def command(self, kind: str, body: JSON) -> str:
        sent = await self.emsp.request(
            "POST", f"commands/{kind}?partner={self.link.cpo_name}", body
        )
        assert sent["response"]["result"] == "ACCEPTED", sent

        async def result() -> str | None:
            found = await self.emsp.request("GET", f"commands/{sent['id']}")
            return found["result"]["result"] if found.get("result") else None

        return await _eventually(f"the result of {kind} from {self.link.emsp.name}", result)

    async def start_session(self, token: JSON) -> JSON:
        start = {"token": token, "location_id": self.link.location_id,
                 "evse_uid": self.link.evse_uid, "connector_id": "1"}  # fmt: skip
        assert await self.command("START_SESSION", start) == "ACCEPTED"
        path = f"partners/{self.link.cpo_name}/sessions"

        async def charging() -> JSON | None:
            found = [s for s in await self.emsp.request("GET", path) if float(s["kwh"]) > 0]
            return found[0] if found else None

        session = await _eventually(f"a Session charging at {self.link.emsp.name}", charging)
        assert (session["location_id"], session["evse_uid"]) == (
            self.link.location_id,
            self.link.evse_uid,
        )
        assert session["status"] == "ACTIVE"
        # 2.1.1 names the Token by auth_id; the eMSP knows its own Token (docs/versions.md).
        assert session["cdr_token"]["uid"] == token["uid"], session["cdr_token"]
        assert session["cdr_token"]["contract_id"] == token["contract_id"], session["cdr_token"]
        # 2.1.1 AuthMethod has no COMMAND (mod_cdrs.md 4.1): a command's session is AUTH_REQUEST.
        command = "AUTH_REQUEST" if self.link.version == "2.1.1" else "COMMAND"
        assert session["auth_method"] == command
        return session

    async def stop_session(self, session: JSON) -> None:
        assert await self.command("STOP_SESSION", {"session_id": session["id"]}) == "ACCEPTED"
        path = f"partners/{self.link.cpo_name}/cdrs"

        async def delivered() -> list[JSON] | None:
            return await self.emsp.request("GET", path) or None

        (cdr,) = await _eventually(f"the CDR at {self.link.emsp.name}", delivered)
        own = [c for c in await self.cpo.request("GET", "cdrs?limit=1000") if c["id"] == cdr["id"]]
        assert len(own) == 1, f"CDR {cdr['id']} is not the CPO's"
        (original,) = own
        assert float(cdr["total_energy"]) > 0
        assert float(cdr["total_cost"]["excl_vat"]) > 0
        # The price arrives exactly as the CPO computed it, in both versions.
        assert cdr["total_energy"] == original["total_energy"]
        assert cdr["total_cost"]["excl_vat"] == original["total_cost"]["excl_vat"]
        if self.link.version == "2.2.1":
            assert cdr == original
        else:
            assert "incl_vat" not in cdr["total_cost"]  # 2.1.1's total_cost excludes VAT
            assert cdr["cdr_token"]["contract_id"] == session["cdr_token"]["contract_id"]

        async def audited() -> JSON | None:
            events = await self.emsp.events(0, ("cdr.received",))
            found = [e for e in events["data"] if e["data"]["cdr"]["id"] == cdr["id"]]
            return found[0]["data"]["audit"] if found else None

        audit = await _eventually(f"the audit of {cdr['id']} at {self.link.emsp.name}", audited)
        assert audit["status"] == "ok", audit


async def _simulated(cpo: NodeConfig, stories: Sequence[Story]) -> list[BaseException | None]:
    """The stories of one CPO's links at once, the simulator as its charge points."""
    cpo_api = BackendApi(cpo.base_url, ADMIN)
    settings = SimulatorSettings(speed=600, interval=60)
    try:
        async with Simulator(cpo_api, settings, lambda line: None).running():
            done = await asyncio.gather(*(s.play() for s in stories), return_exceptions=True)
    finally:
        await cpo_api.aclose()
    return list(done)


async def test_221_and_211_partners_live_the_same_story(nodes: Sequence[NodeConfig]) -> None:
    """a) the CPO with a 2.2.1 and a 2.1.1-only eMSP; b) an eMSP with a 2.1.1-only CPO."""
    cpo, cpo_211, emsp, emsp_211 = nodes
    links = [
        Link(cpo, emsp, "emsp", "cpo", "2.2.1", "UTR-CS", "UTR-CS-1", "MSP0001"),
        Link(cpo, emsp_211, "emsp211", "cpo", "2.1.1", "AMS-ZD", "AMS-ZD-1", "OLD0001"),
        Link(cpo_211, emsp, "emsp", "cpo211", "2.1.1", "UTR-CS", "UTR-CS-1", "MSP0002"),
    ]
    await asyncio.gather(_publish(cpo), _publish(cpo_211))
    for link in links:
        await asyncio.to_thread(_register, link)
    stories = [Story(link) for link in links]
    try:
        at_cpo, at_cpo_211 = await asyncio.gather(
            _simulated(cpo, stories[:2]), _simulated(cpo_211, stories[2:])
        )
        outcomes = [*at_cpo, *at_cpo_211]
    finally:
        for story in stories:
            await story.aclose()
    failed = [
        f"{link.cpo.name} -> {link.emsp.name} (OCPI {link.version}): {_where(outcome)}"
        for link, outcome in zip(links, outcomes, strict=True)
        if outcome is not None
    ]
    assert not failed, "\n".join(failed)


def _where(error: BaseException) -> str:
    """The failed assertion of a story: its line in this file and what it said."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == __file__]
    line = f"line {frames[-1].lineno}: {frames[-1].line}" if frames else "?"
    return f"{line}\n    {type(error).__name__}: {error}"
