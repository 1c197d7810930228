"""The charge-point simulator as a CPO's backend, between real nodes (docs/simulator.md).

A CPO node and an eMSP node run as processes; the simulator runs in the test, as a library,
against the CPO's backend API only. Every command type the eMSP sends is carried out as a charge
point would (mod_commands "Flow"): reservations hold an EVSE, a START_SESSION for another driver
finds it occupied, sessions send meter values, stops produce the CDR at the eMSP, and a driver
who plugs in with a card is authorized in real time (mod_tokens "Real-time authorization").
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from openroam._demo import sample
from openroam.simulator import BackendApi, Simulator, SimulatorSettings
from tests.e2e.nodes import NodeConfig, Party, free_port, running_together
from tests.e2e.test_roaming import ADMIN, FAST, _register

T = TypeVar("T")
WAIT_SECONDS = 45.0
OTHER_UID = "OTHER001"


async def _eventually(what: str, check: Callable[[], Awaitable[T | None]]) -> T:
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while (found := await check()) is None:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {WAIT_SECONDS:.0f}s: {what}")
        await asyncio.sleep(0.1)
    return found


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[tuple[NodeConfig, NodeConfig]]:
    def party(which: tuple[str, str, str], role: str) -> Party:
        return Party(which[0], which[1], role, which[2])

    cpo = NodeConfig("cpo", free_port(), f"sqlite+aiosqlite:///{tmp_path / 'cpo.db'}",
                     [party(sample.CPO, "CPO")], FAST)  # fmt: skip
    emsp = NodeConfig("emsp", free_port(), f"sqlite+aiosqlite:///{tmp_path / 'emsp.db'}",
                      [party(sample.EMSP, "EMSP")], FAST)  # fmt: skip
    with running_together((cpo, emsp), tmp_path):
        yield cpo, emsp


class Emsp:
    """The eMSP's backend: send a command, wait for its result, read what the CPO sent."""

    def __init__(self, api: BackendApi) -> None:
        self.api = api

    async def command(self, kind: str, body: dict[str, Any]) -> str:
        sent = await self.api.request("POST", f"commands/{kind}?partner=cpo", body)
        assert sent["response"]["result"] == "ACCEPTED", sent

        async def result() -> str | None:
            found = await self.api.request("GET", f"commands/{sent['id']}")
            return found["result"]["result"] if found.get("result") else None

        return await _eventually(f"the result of {kind}", result)

    async def evse_status(self, evse_uid: str) -> str:
        path = f"partners/cpo/locations/NL/ORC/UTR-CS/{evse_uid}"
        evse: dict[str, Any] = await self.api.request("GET", path)
        return str(evse["status"])

    async def until_status(self, evse_uid: str, status: str) -> None:
        async def reached() -> bool | None:
            return True if await self.evse_status(evse_uid) == status else None

        await _eventually(f"{evse_uid} {status} at the eMSP", reached)

    async def session(self, session_id: str) -> dict[str, Any] | None:
        sessions = await self.api.request("GET", "partners/cpo/sessions")
        return next((s for s in sessions if s["id"] == session_id), None)

    async def cdr(self, cdr_id: str) -> dict[str, Any] | None:
        cdrs = await self.api.request("GET", "partners/cpo/cdrs")
        return next((c for c in cdrs if c["id"] == cdr_id), None)


async def _publish_and_issue(cpo_api: BackendApi, emsp_api: BackendApi) -> dict[str, Any]:
    for tariff in sample.tariffs(datetime.now(UTC) + timedelta(hours=2)):
        await cpo_api.put_tariff(tariff)
    for location in sample.locations():
        await cpo_api.put_location(location)
    for uid in (sample.driver_token()["uid"], OTHER_UID):
        token = sample.driver_token(uid)
        await emsp_api.request("PUT", f"tokens/DE/MSP/{uid}?type=APP_USER", token)
    stored: dict[str, Any] = await emsp_api.request(
        "GET", f"tokens/DE/MSP/{sample.driver_token()['uid']}?type=APP_USER"
    )
    return stored


async def test_the_simulator_carries_out_every_command_type_as_a_charge_point(
    nodes: tuple[NodeConfig, NodeConfig],
) -> None:
    cpo, emsp_node = nodes
    _register(cpo, emsp_node)
    cpo_api, emsp_api = BackendApi(cpo.base_url, ADMIN), BackendApi(emsp_node.base_url, ADMIN)
    emsp = Emsp(emsp_api)
    driver = await _publish_and_issue(cpo_api, emsp_api)
    other = driver | {"uid": OTHER_UID, "contract_id": f"DE-MSP-C{OTHER_UID}"}
    lines: list[str] = []
    settings = SimulatorSettings(speed=600, interval=60)
    try:
        async with Simulator(cpo_api, settings, lines.append).running() as simulator:
            # RESERVE_NOW holds the EVSE for the other driver; the status reaches the eMSP.
            expiry = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
            reserve = {"token": other, "expiry_date": expiry, "reservation_id": "R1",
                       "location_id": "UTR-CS", "evse_uid": "UTR-CS-1"}  # fmt: skip
            assert await emsp.command("RESERVE_NOW", reserve) == "ACCEPTED"
            await emsp.until_status("UTR-CS-1", "RESERVED")
            start = {"token": driver, "location_id": "UTR-CS", "evse_uid": "UTR-CS-1",
                     "connector_id": "1"}  # fmt: skip
            assert await emsp.command("START_SESSION", start) == "EVSE_OCCUPIED"
            cancel = {"reservation_id": "R1"}
            assert await emsp.command("CANCEL_RESERVATION", cancel) == "ACCEPTED"
            await emsp.until_status("UTR-CS-1", "AVAILABLE")
            assert await emsp.command("CANCEL_RESERVATION", cancel) == "UNKNOWN_RESERVATION"

            # START_SESSION: the session starts and its meter values reach the eMSP.
            assert await emsp.command("START_SESSION", start) == "ACCEPTED"
            await emsp.until_status("UTR-CS-1", "CHARGING")
            (session_id,) = [s.path.rsplit("/", 1)[1] for s in simulator.sessions.values()]

            async def charging() -> dict[str, Any] | None:
                found = await emsp.session(session_id)
                return found if found is not None and float(found["kwh"]) > 0.5 else None

            session = await _eventually("meter values at the eMSP", charging)
            assert session["auth_method"] == "COMMAND"
            assert session["status"] == "ACTIVE"
            assert session["cdr_token"]["uid"] == driver["uid"]

            unlock = {"location_id": "UTR-CS", "evse_uid": "UTR-CS-1", "connector_id": "1"}
            assert await emsp.command("UNLOCK_CONNECTOR", unlock) == "REJECTED"
            other_unlock = unlock | {"evse_uid": "UTR-CS-2"}
            assert await emsp.command("UNLOCK_CONNECTOR", other_unlock) == "ACCEPTED"

            # STOP_SESSION: the CDR, priced by the CPO, arrives at the eMSP and passes its audit.
            assert await emsp.command("STOP_SESSION", {"session_id": session_id}) == "ACCEPTED"
            cdr = await _eventually("the CDR at the eMSP", lambda: emsp.cdr(session_id))
            (stopped,) = simulator.completed
            assert cdr == stopped["cdr"]
            assert float(cdr["total_energy"]) > 0.5
            assert float(cdr["total_cost"]["excl_vat"]) > 0
            await emsp.until_status("UTR-CS-1", "AVAILABLE")
            assert await emsp.command("STOP_SESSION", {"session_id": session_id}) == "REJECTED"
            audits = await emsp_api.events(0, ("cdr.received",))
            assert [e["data"]["audit"]["status"] for e in audits["data"]] == ["ok"]

            # A driver plugs in with a card: real-time authorization, then a session.
            plugged = await simulator.plug_in("UTR-CS", "UTR-CS-2", driver["uid"], "APP_USER")
            assert plugged is not None
            assert plugged["auth_method"] == "AUTH_REQUEST"
            assert plugged["authorization_reference"]
            ended = await simulator.unplug(plugged["id"])
            assert ended["cdr"]["authorization_reference"] == plugged["authorization_reference"]
            assert await simulator.plug_in("UTR-CS", "UTR-CS-2", "UNKNOWN1") is None
    finally:
        await cpo_api.aclose()
        await emsp_api.aclose()
    assert any("RESERVE_NOW from emsp: ACCEPTED" in line for line in lines)


def _simulate(node: NodeConfig) -> subprocess.Popen[str]:
    """``openroam simulate`` for ``node``, started from a shell that ignores SIGINT, as a shell
    script's background job is (and as a test runner's worker may start it): a child inherits
    SIGINT ignored, so Ctrl-C and SIGTERM stop it only because it handles them itself."""
    command = ["sh", "-c", 'trap "" INT; exec "$@"', "sh",
               sys.executable, "-m", "openroam", "simulate", "--speed", "600"]  # fmt: skip
    return subprocess.Popen(
        command, env=node.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


async def _output_until(process: subprocess.Popen[str], text: str) -> str:
    """The process's output up to the first line with ``text`` (it has started by then)."""
    assert process.stdout is not None
    read = ""
    async with asyncio.timeout(WAIT_SECONDS):
        while text not in read:
            line = await asyncio.to_thread(process.stdout.readline)
            if not line:
                raise AssertionError(f"exited before {text!r}:\n{read}")
            read += line
    return read


def _stopped(process: subprocess.Popen[str], signum: signal.Signals, before: str = "") -> str:
    """Send ``signum``; the rest of the output once the process has ended, which it must."""
    process.send_signal(signum)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        raise AssertionError(f"{signum.name} did not stop it:\n{before}{output}") from None
    return before + output


async def test_openroam_simulate_beside_a_running_node(
    nodes: tuple[NodeConfig, NodeConfig],
) -> None:
    """``openroam simulate`` as an operator runs it: the node's settings from the environment,
    the backend API over HTTP; a command the eMSP sends is carried out; Ctrl-C (SIGINT) stops
    it, and so does SIGTERM, even when it was started with SIGINT ignored."""
    cpo, emsp_node = nodes
    _register(cpo, emsp_node)
    cpo_api, emsp_api = BackendApi(cpo.base_url, ADMIN), BackendApi(emsp_node.base_url, ADMIN)
    driver = await _publish_and_issue(cpo_api, emsp_api)
    process = _simulate(cpo)
    output = ""
    try:
        output = await _output_until(process, "simulating 9 EVSEs")
        expiry = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        reserve = {"token": driver, "expiry_date": expiry, "reservation_id": "R9",
                   "location_id": "RTD-CS", "evse_uid": "RTD-CS-2"}  # fmt: skip
        assert await Emsp(emsp_api).command("RESERVE_NOW", reserve) == "ACCEPTED"
    finally:
        output = _stopped(process, signal.SIGINT, output)
        await cpo_api.aclose()
        await emsp_api.aclose()
    assert process.returncode == 0, output
    assert "RESERVE_NOW from emsp: ACCEPTED" in output
    assert "EVSE RTD-CS/RTD-CS-2: RESERVED" in output
    assert output.rstrip().endswith("stopped"), output

    # SIGTERM (a service manager, a container runtime) stops it cleanly as well.
    process = _simulate(cpo)
    output = ""
    try:
        output = await _output_until(process, "simulating 9 EVSEs")
    finally:
        output = _stopped(process, signal.SIGTERM, output)
    assert process.returncode == 0, output
    assert output.rstrip().endswith("stopped"), output
