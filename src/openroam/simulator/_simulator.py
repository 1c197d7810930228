"""The charge-point simulator: it plays a CPO's charge point management system.

It reads the CPO's own Locations, follows the node's events (``GET /api/events``, the way a
backend that polls does) and carries out every ``command.received`` as a charge point would:

* START_SESSION: the EVSE must be free (or reserved for this Token); the result is reported
  first, then the Session is started (``auth_method`` COMMAND, the command's Token as
  ``cdr_token``, its ``authorization_reference``), the EVSE goes to CHARGING, and meter values
  follow the car's charging curve (:mod:`openroam.simulator._vehicle`);
* STOP_SESSION: the last meter value and the stop; openroam builds the CDR;
* RESERVE_NOW / CANCEL_RESERVATION: the EVSE is RESERVED until the expiry or the cancellation;
* UNLOCK_CONNECTOR: accepted unless a session is charging on that EVSE.

The result is reported before the charge point acts, so a command seen twice (after a restart
the events are read again) is carried out once: the second report is refused (409) and skipped.
Everything goes through the public backend API (:class:`~openroam.simulator._backend.BackendApi`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from openroam.simulator._backend import BackendApi, BackendError
from openroam.simulator._charge_points import FREE, ChargePoints, Evse, Reservation
from openroam.simulator._session import ChargingSession, SessionClock, format_time
from openroam.simulator._vehicle import Vehicle

__all__ = ["Simulator", "SimulatorSettings"]

log = logging.getLogger("openroam.simulator")
COMMAND_RECEIVED = "command.received"


@dataclass(frozen=True)
class SimulatorSettings:
    speed: float = 1.0
    """Simulated seconds per wall-clock second."""
    interval: float = 60.0
    """Simulated seconds between two meter values."""
    park_seconds: float = 1800.0
    """Simulated seconds a driver stays plugged in after the car is full; then the session ends."""
    poll_seconds: float = 0.5
    """Wall-clock seconds between two reads of the event list when it had nothing new."""
    vehicle: Callable[[], Vehicle] = field(default=Vehicle)
    """A new car for each session."""
    report_readings: bool = True
    """Report each meter value (kWh, power, cost so far), not only starts, statuses and stops."""


class Simulator:
    """See the module docstring. Use ``async with simulator.running():`` or ``await run(stop)``.

    ``report`` receives one line per thing the charge points do (default: the log).
    """

    def __init__(
        self,
        api: BackendApi,
        settings: SimulatorSettings | None = None,
        report: Callable[[str], None] | None = None,
    ) -> None:
        self.api = api
        self.settings = settings or SimulatorSettings()
        self.report = report or log.info
        self.charge_points = ChargePoints()
        self.sessions: dict[str, ChargingSession] = {}
        """Running sessions by Session id (upper case)."""
        self.completed: list[dict[str, Any]] = []
        """What each stop answered: ``{"session": …, "cdr": …}``."""
        self._after = 0
        self._expiries: set[asyncio.Task[None]] = set()

    async def load(self) -> None:
        """Read the own Locations: every EVSE becomes a simulated charge point."""
        self.charge_points.load(await self.api.locations())
        self.report(f"simulating {len(self.charge_points)} EVSEs")

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Simulator]:
        """Load, then follow commands in the background until the block ends."""
        await self.load()
        stop = asyncio.Event()
        task = asyncio.create_task(self.run(stop, load=False), name="openroam-simulator")
        try:
            yield self
        finally:
            stop.set()
            await task

    async def run(self, stop: asyncio.Event, load: bool = True) -> None:
        """Carry out commands until ``stop`` is set; then leave the sessions as they are."""
        if load:
            await self.load()
        try:
            while not stop.is_set():
                handled = await self.poll()
                if not handled:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), self.settings.poll_seconds)
        finally:
            for session in list(self.sessions.values()):
                await session.abandon()
            for task in self._expiries:
                task.cancel()

    async def poll(self) -> int:
        """Carry out the commands received since the last poll; how many there were."""
        try:
            page = await self.api.events(self._after, (COMMAND_RECEIVED,))
        except (httpx.TransportError, BackendError) as error:
            log.warning("cannot read events: %s", error)
            return 0
        for event in page["data"]:
            await self._carry_out(event["data"])
        self._after = int(page["next_after"])
        return len(page["data"])

    async def _carry_out(self, data: dict[str, Any]) -> None:
        deadline = datetime.strptime(data["deadline"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if deadline < datetime.now(UTC):
            return  # openroam answered FAILED for it already
        handler = getattr(self, f"_{data['type'].lower()}", None)
        location_id = data["command"].get("location_id")
        if location_id is not None and not self.charge_points.at(location_id):
            await self.load()  # a Location published after the simulator started
        try:
            if handler is None:
                await self._decide(data, "NOT_SUPPORTED", f"{data['type']} is not simulated")
            else:
                await handler(data, data["command"])
        except (httpx.TransportError, BackendError) as error:
            log.warning("command %s (%s) failed: %s", data["id"], data["type"], error)

    async def _decide(self, data: dict[str, Any], result: str, text: str = "") -> bool:
        """Report the result of a command; False when it was decided before (seen again)."""
        try:
            await self.api.report_command_result(data["id"], result, text)
        except BackendError as error:
            if error.status == 409:
                return False
            raise
        because = f" ({text})" if text else ""
        self.report(f"{data['type']} from {data['partner']}: {result}{because}")
        return True

    async def _set_status(self, evse: Evse, status: str) -> None:
        evse.status = status
        await self.api.set_evse_status(evse.party, evse.location_id, evse.uid, status)
        self.report(f"EVSE {evse.label}: {status}")

    # -- commands -------------------------------------------------------------------------

    async def _start_session(self, data: dict[str, Any], command: dict[str, Any]) -> None:
        token = command["token"]
        evse = self.charge_points.pick(
            command["location_id"], command.get("evse_uid"), token["uid"]
        )
        connector = evse.connector(command.get("connector_id")) if evse else None
        if evse is None or connector is None:
            await self._decide(data, "REJECTED", "no such EVSE or Connector")
            return
        refusal = evse.refusal_for(token["uid"])
        if refusal is not None:
            await self._decide(data, refusal)
            return
        if not await self._decide(data, "ACCEPTED"):
            return
        await self.start(
            evse, connector[0], token, "COMMAND", command.get("authorization_reference")
        )

    async def start(
        self,
        evse: Evse,
        connector_id: str,
        token: dict[str, Any],
        auth_method: str,
        authorization_reference: str | None = None,
    ) -> dict[str, Any]:
        """Start a session at ``evse`` for ``token`` (a Token or CdrToken): POST /api/sessions,
        the EVSE to CHARGING, meter values from now on. Answers the Session."""
        now = datetime.now(UTC).replace(microsecond=0)
        body: dict[str, Any] = {
            "country_code": evse.party[0],
            "party_id": evse.party[1],
            "location_id": evse.location_id,
            "evse_uid": evse.uid,
            "connector_id": connector_id,
            "auth_method": auth_method,
            "cdr_token": {
                "country_code": token["country_code"],
                "party_id": token["party_id"],
                "uid": token["uid"],
                "type": token["type"],
                "contract_id": token["contract_id"],
            },
            "start_date_time": format_time(now),
        }
        if authorization_reference:
            body["authorization_reference"] = authorization_reference
        session = await self.api.start_session(body)
        evse.reservation = None
        evse.session_id = str(session["id"])
        await self._set_status(evse, "CHARGING")
        loop = asyncio.get_running_loop()
        charging = ChargingSession(
            self.api,
            f"{evse.party[0]}/{evse.party[1]}/{session['id']}",
            SessionClock(now, self.settings.speed, loop.time()),
            self.settings.vehicle(),
            evse.connectors[connector_id],
            interval=self.settings.interval,
            park_seconds=self.settings.park_seconds,
            report=self.report if self.settings.report_readings else None,
            on_end=lambda ended: self._ended(evse, ended),
        )
        self.sessions[str(session["id"]).upper()] = charging
        charging.begin()
        self.report(f"session {session['id']} started at {evse.label} for token {token['uid']}")
        return session

    async def plug_in(
        self,
        location_id: str,
        evse_uid: str,
        token_uid: str,
        token_type: str = "RFID",
        connector_id: str | None = None,
    ) -> dict[str, Any] | None:
        """A driver plugs in and shows a card: real-time authorization (``POST /api/authorize``),
        then the session (``auth_method`` AUTH_REQUEST when the eMSP decided, else WHITELIST).
        Answers the Session, or None when the Token may not charge here."""
        evse = self.charge_points.get(location_id, evse_uid)
        connector = evse.connector(connector_id) if evse else None
        if evse is None or connector is None:
            raise LookupError(f"no EVSE {location_id}/{evse_uid} with that Connector")
        refusal = evse.refusal_for(token_uid)
        if refusal is not None:
            raise LookupError(f"EVSE {evse.label} cannot start a session: {refusal}")
        verdict = await self.api.authorize(
            {
                "token_uid": token_uid,
                "type": token_type,
                "location_id": evse.location_id,
                "evse_uids": [evse.uid],
            }
        )
        info = verdict.get("authorization_info")
        if verdict["allowed"] != "ALLOWED" or not info:
            self.report(
                f"token {token_uid} at {evse.label}: {verdict['allowed']} ({verdict['decided_by']})"
            )
            return None
        method = "AUTH_REQUEST" if verdict["decided_by"] == "emsp" else "WHITELIST"
        return await self.start(
            evse, connector[0], info["token"], method, verdict.get("authorization_reference")
        )

    async def unplug(self, session_id: str) -> dict[str, Any]:
        """The driver ends a session at the charge point; answers ``{"session", "cdr"}``."""
        running = self.sessions.get(session_id.upper())
        if running is None:
            raise LookupError(f"session {session_id} is not running here")
        return await running.stop()

    async def _ended(self, evse: Evse, ended: ChargingSession) -> None:
        assert ended.stopped is not None
        self.completed.append(ended.stopped)
        self.sessions.pop(str(ended.stopped["session"]["id"]).upper(), None)
        evse.session_id = None
        cdr = ended.stopped["cdr"]
        cost = cdr.get("total_cost", {}).get("excl_vat")
        self.report(
            f"session {ended.stopped['session']['id']} ended: {cdr['total_energy']} kWh, "
            f"CDR {cdr['id']} {cost} {cdr['currency']}"
        )
        await self._set_status(evse, FREE)

    async def _stop_session(self, data: dict[str, Any], command: dict[str, Any]) -> None:
        running = self.sessions.get(str(command["session_id"]).upper())
        if running is None:
            await self._decide(data, "REJECTED", "the session is not running here")
            return
        if await self._decide(data, "ACCEPTED"):
            await running.stop()

    async def _reserve_now(self, data: dict[str, Any], command: dict[str, Any]) -> None:
        token_uid = command["token"]["uid"]
        key = str(data["reservation_key"])
        evse = self.charge_points.reserved(key) or self.charge_points.pick(
            command["location_id"], command.get("evse_uid"), token_uid
        )
        if evse is None:
            await self._decide(data, "REJECTED", "no such EVSE")
            return
        refusal = (
            None if evse.reservation and evse.reservation.key == key else evse.refusal_for(None)
        )
        if refusal is not None:
            await self._decide(data, refusal)
            return
        if not await self._decide(data, "ACCEPTED"):
            return
        expiry = datetime.strptime(command["expiry_date"][:19], "%Y-%m-%dT%H:%M:%S")
        evse.reservation = Reservation(key, token_uid, expiry.replace(tzinfo=UTC))
        await self._set_status(evse, "RESERVED")
        task = asyncio.create_task(self._expire(evse, evse.reservation))
        self._expiries.add(task)
        task.add_done_callback(self._expiries.discard)

    async def _expire(self, evse: Evse, reservation: Reservation) -> None:
        # The expiry is wall-clock time: it is the eMSP's, not the session's simulated time.
        await asyncio.sleep(max(0.0, (reservation.expiry - datetime.now(UTC)).total_seconds()))
        if evse.reservation is reservation:
            evse.reservation = None
            self.report(f"reservation {reservation.key} at {evse.label} expired")
            await self._set_status(evse, FREE)

    async def _cancel_reservation(self, data: dict[str, Any], command: dict[str, Any]) -> None:
        evse = self.charge_points.reserved(str(data["reservation_key"]))
        if evse is None:
            await self._decide(data, "UNKNOWN_RESERVATION")
            return
        if await self._decide(data, "ACCEPTED"):
            evse.reservation = None
            await self._set_status(evse, FREE)

    async def _unlock_connector(self, data: dict[str, Any], command: dict[str, Any]) -> None:
        evse = self.charge_points.get(command["location_id"], command["evse_uid"])
        if evse is None or evse.connector(command["connector_id"]) is None:
            await self._decide(data, "REJECTED", "no such EVSE or Connector")
        elif evse.session_id is not None:
            await self._decide(data, "REJECTED", "a session is charging; stop it first")
        else:
            await self._decide(data, "ACCEPTED")
