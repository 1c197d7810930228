"""The demo's scripted story between a CPO node and an eMSP node, so that a newcomer sees all of
it working.

Each step uses what a party really uses: the CPO's and the eMSP's backend APIs over HTTP, the
operator's registration (``openroam invite`` / ``openroam register``), and OCPI between the
nodes. The CPO's charge points are the simulator, which sees only the CPO's backend API.

1. The CPO's backend publishes Locations and Tariffs.
2. The eMSP registers with the CPO (credentials handshake).
3. The eMSP pulls the CPO's Locations and Tariffs.
4. The eMSP issues a driver's Token; it is pushed to the CPO.
5. The driver's app starts a session: START_SESSION from the eMSP, carried out by the simulator.
6. Meter values cross the Tariff's peak hour: the eMSP sees the Session and a new period.
7. The driver stops: STOP_SESSION; the CPO builds the CDR, prices it, POSTs it to the eMSP, and
   the eMSP's audit recomputes the price with the Tariff it pulled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from openroam._demo import sample
from openroam._demo.nodes import DemoNode
from openroam._services.credentials import parse_grant
from openroam.simulator import BackendApi

__all__ = ["Story", "StoryFailed"]

T = TypeVar("T")
JSON = dict[str, Any]
WAIT_SECONDS = 60.0
CPO_NAME, EMSP_NAME = "cpo", "emsp"


class StoryFailed(RuntimeError):
    """A step did not happen in time; the message says which."""


async def eventually(what: str, check: Callable[[], Awaitable[T | None]]) -> T:
    """``check()`` until it answers something; StoryFailed after :data:`WAIT_SECONDS`."""
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while True:
        found = await check()
        if found is not None:
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise StoryFailed(f"not within {WAIT_SECONDS:.0f} s: {what}")
        await asyncio.sleep(0.2)


@dataclass
class Story:
    """The story; ``say(step, text)`` prints. ``speed`` is the simulator's."""

    cpo: DemoNode
    emsp: DemoNode
    say: Callable[[str, str], None]
    speed: float
    session: JSON = field(default_factory=dict)
    cdr: JSON = field(default_factory=dict)
    audit: JSON = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cpo_api = BackendApi(self.cpo.base_url, self.cpo.admin_token)
        self.emsp_api = BackendApi(self.emsp.base_url, self.emsp.admin_token)
        self._events_after = 0

    async def aclose(self) -> None:
        await self.cpo_api.aclose()
        await self.emsp_api.aclose()

    async def publish_and_register(self) -> None:
        """Steps 1-4."""
        self._peak_from = await self.publish()
        await self.register()
        await self.pull()
        self._token = await self.issue_token()

    async def play_session(self) -> None:
        """Steps 5-7; the simulator must be running at the CPO."""
        await self.charge(self._token, self._peak_from)

    # -- 1-4: data and registration ---------------------------------------------------------

    async def publish(self) -> datetime:
        # The peak starts 5 to 10 minutes (rounded to 5) from now in the Locations' time zone:
        # soon enough in simulated time that the session crosses it.
        local = datetime.now(ZoneInfo(sample.TIME_ZONE)).replace(second=0, microsecond=0)
        later = local + timedelta(minutes=5)
        peak_from = later + timedelta(minutes=(-later.minute) % 5)
        for tariff in sample.tariffs(peak_from):
            await self.cpo_api.put_tariff(tariff)
            self.say("1", f"CPO backend: PUT /api/tariffs/NL/ORC/{tariff['id']}")
        self.say("1", f"  {sample.AC_TARIFF}: 0.30 EUR/kWh, 0.45 from {peak_from:%H:%M} local")
        for location in sample.locations():
            await self.cpo_api.put_location(location)
            evses = len(location["evses"])
            self.say(
                "1", f"CPO backend: PUT /api/locations/NL/ORC/{location['id']} ({evses} EVSEs)"
            )
        return peak_from

    async def register(self) -> None:
        # Each operator grants the other exactly the party and role it expects it to be.
        emsp_cc, emsp_pid, _ = sample.EMSP
        cpo_cc, cpo_pid, _ = sample.CPO
        emsp_grant = parse_grant("EMSP", f"{emsp_cc}*{emsp_pid}")
        cpo_grant = parse_grant("CPO", f"{cpo_cc}*{cpo_pid}")
        token_a = await self.cpo.node.credentials.invite(EMSP_NAME, grants=[emsp_grant])
        self.say(
            "2",
            f"CPO operator: openroam invite {EMSP_NAME} --role EMSP --party {emsp_cc}*{emsp_pid}"
            " → token A",
        )
        versions = f"{self.cpo.base_url}/ocpi/versions"
        record = await self.emsp.node.credentials.register_with(
            CPO_NAME, versions, token_a, grants=[cpo_grant]
        )
        self.say(
            "2",
            f"eMSP operator: openroam register {versions} --token … --role CPO "
            f"--party {cpo_cc}*{cpo_pid} → OCPI {record.version}",
        )
        self.say(
            "2", "  (versions, details, POST credentials; each side now holds the other's token)"
        )

    async def pull(self) -> None:
        wanted = (len(sample.locations()), len(sample.tariffs(self._peak_from)))

        async def pulled() -> tuple[int, int] | None:
            locations = await self.emsp_api.request("GET", f"partners/{CPO_NAME}/locations")
            tariffs = await self.emsp_api.request("GET", f"partners/{CPO_NAME}/tariffs")
            held = (len(locations), len(tariffs))
            return held if held == wanted else None

        locations, tariffs = await eventually("the eMSP pulls the CPO's data", pulled)
        self.say("3", f"eMSP pulled {locations} Locations and {tariffs} Tariffs from the CPO")
        self.say("3", f"  GET {self.emsp.base_url}/api/partners/{CPO_NAME}/locations")

    async def issue_token(self) -> JSON:
        token = sample.driver_token()
        owner = f"{token['country_code']}/{token['party_id']}"
        path = f"tokens/{owner}/{token['uid']}?type={token['type']}"
        await self.emsp_api.request("PUT", path, token)
        self.say("4", f"eMSP backend: PUT /api/{path}")

        async def at_cpo() -> JSON | None:
            found: list[JSON] = await self.cpo_api.request("GET", f"partners/{EMSP_NAME}/tokens")
            return next((t for t in found if t["uid"] == token["uid"]), None)

        await eventually("the Token reaches the CPO", at_cpo)
        self.say(
            "4", f"  pushed to the CPO: GET {self.cpo.base_url}/api/partners/{EMSP_NAME}/tokens"
        )
        stored: JSON = await self.emsp_api.request("GET", path)
        return stored

    # -- 5-7: the session -------------------------------------------------------------------

    async def command(self, kind: str, body: JSON) -> JSON:
        """Send a command from the eMSP and wait for its CommandResult."""
        sent: JSON = await self.emsp_api.request(
            "POST", f"commands/{kind}?partner={CPO_NAME}", body
        )
        response = sent.get("response") or {}
        self.say("5" if kind == "START_SESSION" else "7",
                 f"eMSP → CPO: {kind}: response {response.get('result')}"
                 f" (timeout {response.get('timeout')} s)")  # fmt: skip

        async def decided() -> JSON | None:
            found: JSON = await self.emsp_api.request("GET", f"commands/{sent['id']}")
            return found if found.get("result") else None

        done = await eventually(f"the result of {kind}", decided)
        result = done["result"]["result"]
        self.say("5" if kind == "START_SESSION" else "7", f"CPO → eMSP: {kind} result {result}")
        if result != "ACCEPTED":
            raise StoryFailed(f"{kind} was not accepted: {done['result']}")
        return done

    async def next_event(self, *types: str) -> JSON:
        async def found() -> JSON | None:
            page = await self.emsp_api.events(self._events_after, types)
            if not page["data"]:
                return None
            event: JSON = page["data"][0]
            self._events_after = int(event["position"])
            return event

        return await eventually(f"an event {' or '.join(types)} at the eMSP", found)

    async def charge(self, token: JSON, peak_from: datetime) -> None:
        location = sample.locations()[0]
        evse = location["evses"][0]
        await self.command(
            "START_SESSION",
            {"token": token, "location_id": location["id"], "evse_uid": evse["uid"],
             "connector_id": "1"},
        )  # fmt: skip
        started = (await self.next_event("session.started"))["data"]["session"]
        session_path = f"{started['country_code']}/{started['party_id']}/{started['id']}"
        self.say(
            "5", f"eMSP received Session {started['id']} at {location['name']} ({evse['uid']})"
        )
        self.say("5", f"  GET {self.emsp.base_url}/api/partners/{CPO_NAME}/sessions/{session_path}")
        session = await self._until_after_peak(started, peak_from)
        await self.command("STOP_SESSION", {"session_id": session["id"]})
        await self._cdr(session_path)

    async def _until_after_peak(self, session: JSON, peak_from: datetime) -> JSON:
        """Follow the eMSP's copy of the Session until it has charged a while at the peak price."""
        periods_seen = 0
        peak_seen_at: float | None = None
        loop = asyncio.get_running_loop()
        # Ten simulated minutes at the peak price, then the driver stops.
        linger = 600 / self.speed
        while peak_seen_at is None or loop.time() - peak_seen_at < linger:
            session = (await self.next_event("session.updated"))["data"]["session"]
            periods = session.get("charging_periods") or []
            for period in periods[periods_seen:]:
                starts = _local(period["start_date_time"])
                self.say("6", f"eMSP: period from {starts} closed, {_dimensions(period)}")
            periods_seen = len(periods)
            cost = (session.get("total_cost") or {}).get("excl_vat")
            self.say("6", f"eMSP: Session at {session['kwh']} kWh, {cost} EUR excl. VAT")
            if peak_seen_at is None and periods:
                peak_seen_at = loop.time()
                self.say(
                    "6", f"  the price changed at {peak_from:%H:%M}: a new ChargingPeriod began"
                )
        self.session = session
        return session

    async def _cdr(self, session_path: str) -> None:
        event = await self.next_event("cdr.received")
        self.cdr, self.audit = event["data"]["cdr"], event["data"]["audit"]
        cost = self.cdr["total_cost"]
        energy, excl, incl = self.cdr["total_energy"], cost["excl_vat"], cost.get("incl_vat")
        # An OCPI 2.1.1 CDR has total_cost "excluding VAT" only (mod_cdrs.md 3.1 CDR Object).
        vat = f"{incl} incl. VAT" if incl is not None else "no VAT named"
        self.say("7", f"eMSP received CDR {self.cdr['id']}: {energy} kWh, {excl} EUR excl. VAT, "
                      f"{vat}")  # fmt: skip
        for period in self.cdr["charging_periods"]:
            self.say("7", f"  from {_local(period['start_date_time'])}: {_dimensions(period)}")
        self.say("7", f"eMSP price audit with the Tariff it pulled: {self.audit['status']}")
        cdr_path = f"{session_path.rsplit('/', 1)[0]}/{self.cdr['id']}"
        self.say("7", f"  GET {self.emsp.base_url}/api/partners/{CPO_NAME}/cdrs/{cdr_path}")


def _dimensions(period: JSON) -> str:
    parts = [f"{d['type']} {d['volume']}" for d in period.get("dimensions", [])]
    return ", ".join(parts) + f" (tariff {period.get('tariff_id', '-')})"


def _local(moment: str) -> str:
    """A DateTime as HH:MM in the Locations' time zone (what the Tariff's hours mean)."""
    return f"{datetime.fromisoformat(moment).astimezone(ZoneInfo(sample.TIME_ZONE)):%H:%M}"
