"""The simulator's behaviour against a recorded backend API (httpx.MockTransport).

The end-to-end test with real nodes is tests/e2e/test_simulator.py; here the backend API is an
in-memory double so the timing-sensitive parts (replays, parking, outages) are exact.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from openroam._demo import sample
from openroam.simulator import BackendApi, Simulator, SimulatorSettings, Vehicle


class Backend:
    """Answers the backend API calls the simulator makes, and records them."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.decided: dict[str, str] = {}
        self.calls: list[tuple[str, str, Any]] = []
        self.fail_meter_values = 0

    def command(self, kind: str, command: dict[str, Any], deadline: timedelta) -> None:
        position = len(self.events) + 1
        data = {
            "id": f"C{position}", "type": kind, "partner": "emsp", "command": command,
            "deadline": (datetime.now(UTC) + deadline).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }  # fmt: skip
        self.events.append({"position": position, "data": data})

    def of(self, method: str, suffix: str) -> list[Any]:
        return [body for m, path, body in self.calls if m == method and path.endswith(suffix)]

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/")
        body = json.loads(request.content) if request.content else None
        self.calls.append((request.method, path, body))
        if path == "locations":
            offset = int(request.url.params["offset"])
            return _data(sample.locations()[offset:])
        if path == "events":
            after = int(request.url.params["after"])
            page = [e for e in self.events if e["position"] > after]
            return httpx.Response(200, json={"data": page, "next_after": len(self.events)})
        if path.endswith("/result"):
            command_id = path.split("/")[1]
            if command_id in self.decided:
                return httpx.Response(409, json={"error": {"status_code": 2000, "message": "x"}})
            self.decided[command_id] = body["result"]
            return _data({})
        if path == "sessions":
            return _data({"id": "S1", **body, "kwh": 0})
        if path.endswith("/meter-values"):
            if self.fail_meter_values:
                self.fail_meter_values -= 1
                raise httpx.ConnectError("the node is down")
            return _data({"id": "S1", "kwh": body["meter_values"][-1]["kwh"], "currency": "EUR"})
        if path.endswith("/stop"):
            cdr = {"id": "S1", "total_energy": body["kwh"], "currency": "EUR",
                   "total_cost": {"excl_vat": 1}}  # fmt: skip
            return _data({"session": {"id": "S1", "status": "COMPLETED"}, "cdr": cdr})
        return _data({})


def _data(data: Any) -> httpx.Response:
    return httpx.Response(200, json={"data": data})


def _start(evse_uid: str = "UTR-CS-1") -> dict[str, Any]:
    token = sample.driver_token() | {"last_updated": "2026-01-01T00:00:00Z"}
    return {"token": token, "location_id": "UTR-CS", "evse_uid": evse_uid, "connector_id": "1"}


def _simulator(backend: Backend, **settings: Any) -> Simulator:
    api = BackendApi("http://node", "admin", transport=httpx.MockTransport(backend.handle))
    return Simulator(api, SimulatorSettings(**settings), report=lambda line: None)


async def test_a_command_seen_again_after_a_restart_is_carried_out_once() -> None:
    backend = Backend()
    backend.command("START_SESSION", _start(), timedelta(minutes=1))
    first = _simulator(backend)
    await first.load()
    assert await first.poll() == 1
    assert backend.decided == {"C1": "ACCEPTED"}
    assert len(backend.of("POST", "sessions")) == 1
    assert backend.of("PUT", "UTR-CS-1/status") == [{"status": "CHARGING"}]
    for session in first.sessions.values():
        await session.abandon()

    # A new simulator reads the events from the start: the result was reported, nothing repeats.
    again = _simulator(backend)
    await again.load()
    assert await again.poll() == 1
    assert len(backend.of("POST", "sessions")) == 1
    assert not again.sessions


async def test_a_command_past_its_deadline_is_left_alone() -> None:
    # openroam reports FAILED itself when the backend does not answer in time (mod_commands).
    backend = Backend()
    backend.command("START_SESSION", _start(), timedelta(seconds=-1))
    simulator = _simulator(backend)
    await simulator.load()
    await simulator.poll()
    assert backend.decided == {}
    assert not backend.of("POST", "sessions")


async def test_an_unsimulated_command_type_is_answered_not_supported() -> None:
    backend = Backend()
    backend.command("FUTURE_COMMAND", {"location_id": "UTR-CS"}, timedelta(minutes=1))
    simulator = _simulator(backend)
    await simulator.load()
    await simulator.poll()
    assert backend.decided == {"C1": "NOT_SUPPORTED"}


async def test_meter_values_follow_the_car_and_the_driver_leaves_once_it_is_full() -> None:
    backend = Backend()
    backend.command("START_SESSION", _start(), timedelta(minutes=1))
    # 0.2 kWh to charge at 11 kW: full after about 65 s; the driver leaves 120 s later.
    car = Vehicle(capacity_kwh=2, soc=0.5, target_soc=0.6, max_ac_kw=11)
    simulator = _simulator(backend, speed=3600, interval=30, park_seconds=120, vehicle=lambda: car)
    await simulator.load()
    await simulator.poll()
    await asyncio.wait_for(_until(lambda: bool(simulator.completed)), 10)

    readings = [r for body in backend.of("POST", "/meter-values") for r in body["meter_values"]]
    kwh = [r["kwh"] for r in readings]
    assert kwh == sorted(kwh)
    assert kwh[-1] == pytest.approx(0.2)
    stamps = [r["timestamp"] for r in readings]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len(stamps)
    assert readings[0]["charging"]
    assert readings[0]["power"] == 11
    assert not readings[-1]["charging"]
    assert readings[-1]["power"] == 0
    (stop,) = backend.of("POST", "/stop")
    assert stop["kwh"] == pytest.approx(0.2)
    assert stop["end_date_time"] >= stamps[-1]
    assert backend.of("PUT", "UTR-CS-1/status")[-1] == {"status": "AVAILABLE"}
    assert not simulator.sessions


async def test_readings_the_node_did_not_take_are_sent_with_the_next_ones() -> None:
    backend = Backend()
    backend.fail_meter_values = 2
    backend.command("START_SESSION", _start(), timedelta(minutes=1))
    simulator = _simulator(backend, speed=600, interval=60)
    await simulator.load()
    await simulator.poll()
    await asyncio.wait_for(_until(lambda: len(backend.of("POST", "/meter-values")) >= 3), 10)
    (session,) = simulator.sessions.values()
    await session.stop()

    sent = backend.of("POST", "/meter-values")
    # Two failed attempts, then the third carries the kept readings and the new one, in order.
    assert [len(body["meter_values"]) for body in sent][:3] == [1, 2, 3]
    delivered = sent[2]["meter_values"]
    assert [r["timestamp"] for r in delivered] == sorted(r["timestamp"] for r in delivered)


async def test_a_stop_while_the_node_is_down_fails_and_the_session_goes_on() -> None:
    backend = Backend()
    backend.command("START_SESSION", _start(), timedelta(minutes=1))
    simulator = _simulator(backend, speed=600, interval=60)
    await simulator.load()
    await simulator.poll()
    (session,) = simulator.sessions.values()
    backend.fail_meter_values = 1_000
    await asyncio.wait_for(_until(lambda: bool(session.unsent)), 10)
    with pytest.raises(httpx.ConnectError):
        await session.stop()
    assert not backend.of("POST", "/stop")
    assert session.stopped is None

    backend.fail_meter_values = 0
    stopped = await session.stop()
    assert stopped["session"]["status"] == "COMPLETED"
    assert not session.unsent
    assert simulator.completed == [stopped]


async def _until(check: Any) -> None:
    while not check():
        await asyncio.sleep(0.01)
