"""Shared pieces of the roaming benchmarks (get_locations, patch_ingest, pull_locations,
partner_ingest, mixed_load).

* A store of N Locations (2-4 EVSEs each, 1-2 Connectors per EVSE), seeded fast: three valid
  Location documents are built and validated once, then varied by id and inserted in bulk through
  the store's table (SQLAlchemy Core executemany), after the real migrations ran.
* Partners registered through the store layer (``repositories.create_invitation`` +
  ``save_registration``), so a benchmark request carries a valid credentials token.
* Servers started as subprocesses on 127.0.0.1 (``bench/_serve.py``), stopped at the end.
* A load generator: ``wrk`` when installed (``apt-get install wrk``), otherwise a bounded asyncio
  keep-alive loop over raw sockets (GET only).
* :func:`send_requests`: a fixed list of requests of any method (each sent once, latencies kept
  per kind), over keep-alive connections with one request in flight each.

Every loop here is bounded in count and in time; nothing listens anywhere but on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import create_engine

from openroam._store import repositories as repo
from openroam._store.db import Database, upgrade
from openroam._store.object_sql import T as OBJECTS
from openroam.models.common import fold_id, format_datetime
from openroam.models.v221.locations import Location
from openroam.models.v221.types import Role

BENCH = Path(__file__).resolve().parent
PYTHON = sys.executable
HOST = "127.0.0.1"
CPO_PARTY = {"country_code": "NL", "party_id": "CPO", "role": "CPO", "name": "Bench CPO"}
EMSP_PARTY = {"country_code": "DE", "party_id": "EMP", "role": "EMSP", "name": "Bench eMSP"}
ADMIN_TOKEN = "bench-admin-token"
START = datetime(2024, 1, 1, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


# --- the store -------------------------------------------------------------------------------


def _connector(number: int, stamp: str) -> dict[str, Any]:
    return {
        "id": str(number),
        "standard": "IEC_62196_T2",
        "format": "SOCKET" if number % 2 else "CABLE",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 32,
        "tariff_ids": ["T1"],
        "last_updated": stamp,
    }


def _evse(number: int, connectors: int, stamp: str) -> dict[str, Any]:
    return {
        "uid": f"E{number}",
        "evse_id": f"NL*CPO*E{number}",
        "status": "AVAILABLE",
        "capabilities": ["RFID_READER", "REMOTE_START_STOP_CAPABLE"],
        "connectors": [_connector(n, stamp) for n in range(1, connectors + 1)],
        "physical_reference": str(number),
        "last_updated": stamp,
    }


def location_template(evses: int) -> dict[str, Any]:
    """A valid Location with ``evses`` EVSEs (validated here, once)."""
    stamp = format_datetime(START)
    document = {
        "country_code": CPO_PARTY["country_code"],
        "party_id": CPO_PARTY["party_id"],
        "id": "LOC0",
        "publish": True,
        "name": "Bench charging plaza",
        "address": "Stationsplein 1",
        "city": "Utrecht",
        "postal_code": "3511ED",
        "country": "NLD",
        "coordinates": {"latitude": "52.089444", "longitude": "5.110278"},
        "parking_type": "PARKING_LOT",
        "evses": [_evse(n, 1 + n % 2, stamp) for n in range(1, evses + 1)],
        "operator": {"name": "Bench CPO"},
        "facilities": ["TRAIN_STATION", "CAFE"],
        "time_zone": "Europe/Amsterdam",
        "last_updated": stamp,
    }
    return Location.model_validate_json(orjson.dumps(document)).to_dict()


def location_id(index: int) -> str:
    return f"LOC{index:07d}"


def evse_count(index: int) -> int:
    """2, 3 or 4 EVSEs."""
    return 2 + index % 3


def _rows(templates: dict[int, bytes], first: int, count: int, origin: int) -> list[dict[str, Any]]:
    rows = []
    for index in range(first, first + count):
        when = START + timedelta(seconds=index)
        stamp = format_datetime(when).encode()
        document = (
            templates[evse_count(index)]
            .replace(b'"LOC0"', b'"' + location_id(index).encode() + b'"')
            .replace(b"2024-01-01T00:00:00Z", stamp)
        )
        rows.append(
            {
                "module": "locations",
                "origin": origin,
                "country_code": fold_id(CPO_PARTY["country_code"]),
                "party_id": fold_id(CPO_PARTY["party_id"]),
                "object_id": fold_id(location_id(index)),
                "object_type": "",
                "last_updated": when,
                "document": document,
                "created_at": when,
            }
        )
    return rows


def seed_locations(db_path: Path, count: int, batch: int = 5000, origin: int = repo.OWN) -> float:
    """Migrate a fresh SQLite file (or one at head already) and insert ``count`` Locations of
    ``origin`` (ours by default, else a partner's id); the seconds it took."""
    started = time.perf_counter()
    upgrade(sqlite_url(db_path))
    templates = {n: orjson.dumps(location_template(n)) for n in (2, 3, 4)}
    engine = create_engine(f"sqlite:///{db_path}")
    try:
        with engine.begin() as connection:
            for first in range(0, count, batch):
                size = min(batch, count - first)
                connection.execute(OBJECTS.insert(), _rows(templates, first, size, origin))
    finally:
        engine.dispose()
    return time.perf_counter() - started


# --- partners --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerSpec:
    name: str
    #: the token the partner calls us with
    incoming_token: str
    #: the token we call the partner with
    outgoing_token: str
    party: dict[str, str]
    #: (module, role, url)
    endpoints: Sequence[tuple[str, str, str]] = ()


async def _register(url: str, partners: Sequence[PartnerSpec]) -> None:
    db = Database.connect(url)
    try:
        for spec in partners:
            async with db.session() as session, session.begin():
                party = (spec.party["country_code"], spec.party["party_id"])
                role = repo.PartnerRoleRecord(
                    Role(spec.party["role"]), *party, {"name": spec.party["name"]}
                )
                # Granted what it registers as: only granted roles count (docs/security.md).
                grant = repo.Grant(role.role, *party)
                record = await repo.create_invitation(
                    session, spec.name, spec.name + "-a", grants=[grant]
                )
                await repo.save_registration(
                    session,
                    record.id,
                    versions_url=f"http://{HOST}:9/ocpi/versions",
                    version="2.2.1",
                    roles=[role],
                    endpoints=[repo.EndpointRecord(*e) for e in spec.endpoints],
                    incoming_token=spec.incoming_token,
                    outgoing_token=spec.outgoing_token,
                )
    finally:
        await db.dispose()


def register_partners(db_path: Path, partners: Sequence[PartnerSpec]) -> dict[str, int]:
    """Registered partners, written through the store layer (no handshake needed); their ids
    by name."""
    upgrade(sqlite_url(db_path))
    asyncio.run(_register(sqlite_url(db_path), partners))
    engine = create_engine(f"sqlite:///{db_path}")
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT name, id FROM partners").all()
    finally:
        engine.dispose()
    return {str(name): int(pk) for name, pk in rows}


# --- servers ---------------------------------------------------------------------------------


def node_env(db_path: Path, port: int, parties: Sequence[dict[str, str]]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENROAM_")}
    env.update(
        OPENROAM_DATABASE_URL=sqlite_url(db_path),
        OPENROAM_PUBLIC_URL=f"http://{HOST}:{port}",
        OPENROAM_HOST=HOST,
        OPENROAM_PORT=str(port),
        OPENROAM_PARTIES=json.dumps(list(parties)),
        OPENROAM_ADMIN_TOKEN=ADMIN_TOKEN,
        # Push delivery and pull-sync run as separate `openroam worker` processes here: the
        # benchmarks measure serving and ingest, not delivery to partners that do not exist.
        OPENROAM_WORKER="false",
    )
    return env


def _wait_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text()}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not start in 60 s:\n{log.read_text()}")


@contextmanager
def server(args: Sequence[str], env: dict[str, str], port: int, log: Path) -> Iterator[int]:
    """Run ``python <args>`` (a server listening on ``port``) until the block ends; its pid."""
    with log.open("ab") as output:
        process = subprocess.Popen([PYTHON, *args], env=env, stdout=output, stderr=output)
        try:
            _wait_listening(port, process, log)
            yield process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def serve_args(kind: str, port: int, *extra: str) -> list[str]:
    return [str(BENCH / "_serve.py"), kind, "--port", str(port), *extra]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- load ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    errors: int
    latency_p50_ms: float | None = None
    latency_p99_ms: float | None = None
    #: CPU seconds the server process used during the load (None if not measured)
    server_cpu: float | None = None

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_us(self) -> float | None:
        """Server CPU microseconds per request: what the rate would be limited by on a quiet
        core (1e6 / cpu_us), whatever else runs on the machine."""
        if self.server_cpu is None or not self.requests:
            return None
        return self.server_cpu / self.requests * 1e6


def _wrk_ms(text: str, percentile: str) -> float | None:
    match = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s)\s*$", text, re.MULTILINE)
    if match is None:
        return None
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
    return float(match.group(1)) * scale


def _wrk(
    url: str, headers: dict[str, str], seconds: float, conns: int, script: Path | None
) -> Load:
    command = ["wrk", "-t1", f"-c{conns}", f"-d{seconds:g}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=seconds + 60, check=True
    ).stdout
    count = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", out)
    assert count is not None, out
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0}[count.group(3)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: .*", out)
    if socket_errors:
        print(f"  wrk: {socket_errors.group(0)}")
    return Load(
        int(count.group(1)),
        float(count.group(2)) * scale,
        int(errors.group(1)) if errors else 0,
        _wrk_ms(out, "50"),
        _wrk_ms(out, "99"),
    )


async def _one_connection(
    port: int, request: bytes, deadline: float, budget: list[int], latencies: list[float]
) -> int:
    reader, writer = await asyncio.open_connection(HOST, port)
    errors = 0
    try:
        while budget[0] > 0 and time.perf_counter() < deadline:
            budget[0] -= 1
            sent = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = re.search(rb"(?i)content-length:\s*(\d+)", head)
            await reader.readexactly(int(length.group(1)) if length else 0)
            latencies.append(time.perf_counter() - sent)
            errors += status >= 400
    finally:
        writer.close()
    return errors


def _asyncio_load(url: str, headers: dict[str, str], seconds: float, conns: int) -> Load:
    match = re.match(r"http://([^:/]+):(\d+)(/.*)", url)
    assert match is not None, url
    assert match.group(1) == HOST, url
    lines = [f"GET {match.group(3)} HTTP/1.1", f"Host: {HOST}:{match.group(2)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    port = int(match.group(2))
    latencies: list[float] = []

    async def run() -> tuple[int, float]:
        budget = [1_000_000]
        started = time.perf_counter()
        deadline = started + seconds
        tasks = [_one_connection(port, request, deadline, budget, latencies) for _ in range(conns)]
        errors = sum(await asyncio.gather(*tasks))
        return errors, time.perf_counter() - started

    errors, elapsed = asyncio.run(run())
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000 if latencies else None
    p99 = latencies[int(len(latencies) * 0.99)] * 1000 if latencies else None
    return Load(len(latencies), elapsed, errors, p50, p99)


def load(
    url: str,
    headers: dict[str, str],
    seconds: float,
    conns: int = 32,
    script: Path | None = None,
) -> Load:
    """Load ``url`` for ``seconds`` with ``conns`` keep-alive connections; wrk if installed.

    ``script`` (a wrk Lua script) is needed for anything but a GET of one URL.
    """
    if shutil.which("wrk"):
        return _wrk(url, headers, seconds, conns, script)
    if script is not None:
        raise SystemExit("this benchmark needs wrk: apt-get install -y wrk")
    return _asyncio_load(url, headers, seconds, conns)


def measured_load(
    pid: int,
    url: str,
    headers: dict[str, str],
    seconds: float,
    conns: int,
    script: Path | None = None,
) -> Load:
    """Warm up for 2 s, then :func:`load`, with the server's CPU time over the measured part."""
    load(url, headers, 2, min(conns, 8), script)
    before = cpu_seconds(pid)
    result = load(url, headers, seconds, conns, script)
    return dataclasses.replace(result, server_cpu=cpu_seconds(pid) - before)


def measured_loads_at_once(
    targets: Sequence[tuple[int, str]], headers: dict[str, str], seconds: float, conns: int
) -> list[Load]:
    """:func:`measured_load` of several servers at the same time: each ``(pid, url)`` loaded by
    its own ``wrk`` in the same seconds, so a machine that slows down for a while slows them
    alike; each result with its own server's CPU time."""

    def all_at_once(length: float, connections: int) -> list[Load]:
        with ThreadPoolExecutor(len(targets)) as pool:
            loads = [pool.submit(load, url, headers, length, connections) for _, url in targets]
            return [future.result() for future in loads]

    all_at_once(2, min(conns, 8))
    before = [cpu_seconds(pid) for pid, _ in targets]
    results = all_at_once(seconds, conns)
    return [
        dataclasses.replace(result, server_cpu=cpu_seconds(pid) - started)
        for result, (pid, _), started in zip(results, targets, before, strict=True)
    ]


def http_request(
    method: str, path: str, port: int, headers: dict[str, str], body: bytes = b""
) -> bytes:
    """One HTTP/1.1 request as bytes (keep-alive), with Content-Length when it has a body."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


#: ``accept(status line and headers, body)``: whether an answer is the expected success
Accept = Callable[[bytes, bytes], bool]


def ocpi_success(head: bytes, body: bytes) -> bool:
    """HTTP 2xx with OCPI status_code 1000."""
    return head[9:10] == b"2" and b'"status_code":1000' in body


class _Connection(asyncio.Protocol):
    """One keep-alive connection sending requests from a shared list, one in flight at a time.

    A protocol rather than streams: the load generator shares the machine with the server, so
    it should spend as little CPU per request as it can.
    """

    def __init__(self, shared: Burst, accept: Accept) -> None:
        self.shared = shared
        self.accept = accept
        self.buffer = b""
        self.sent = 0.0
        self.kind = ""
        self.transport: asyncio.Transport | None = None
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._next()

    def _next(self) -> None:
        assert self.transport is not None
        if not self.shared.pending:
            self.transport.close()
            return
        self.kind, request = self.shared.pending.pop()
        self.sent = time.perf_counter()
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buffer[:end]
        start = head.lower().find(b"content-length:")
        length = int(head[start + 15 :].split(b"\r\n", 1)[0]) if start >= 0 else 0
        if len(self.buffer) < end + 4 + length:
            return
        body, self.buffer = self.buffer[end + 4 : end + 4 + length], self.buffer[end + 4 + length :]
        self.shared.latencies.setdefault(self.kind, []).append(time.perf_counter() - self.sent)
        if not self.accept(head, body):
            self.shared.failures.append(head.split(b"\r\n", 1)[0] + b" " + body[:200])
        self._next()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.finished.done():
            self.finished.set_result(None)


@dataclass
class Burst:
    """Requests sent once each (``pending``: what is left to send, as (kind, request) pairs),
    with what came back."""

    pending: list[tuple[str, bytes]]
    latencies: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    failures: list[bytes] = dataclasses.field(default_factory=list)
    seconds: float = 0.0

    def load(self, kind: str | None = None, server_cpu: float | None = None) -> Load:
        """The load of one kind of request (all kinds by default), over the whole burst's
        time: for a kind, its share of the throughput."""
        latencies = sorted(
            self.latencies.get(kind, [])
            if kind is not None
            else [x for values in self.latencies.values() for x in values]
        )
        p50 = latencies[len(latencies) // 2] * 1000 if latencies else None
        p99 = latencies[int(len(latencies) * 0.99)] * 1000 if latencies else None
        failed = len(self.failures) if kind is None else 0
        return Load(len(latencies), self.seconds, failed, p50, p99, server_cpu)


def send_requests(
    requests: Sequence[tuple[str, bytes]], port: int, connections: int, accept: Accept
) -> Burst:
    """Send every request once, in order, over ``connections`` keep-alive connections (one in
    flight per connection); the answers that ``accept`` refuses are kept as failures."""
    burst = Burst(list(reversed(requests)))

    async def run() -> float:
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        opened = [
            await loop.create_connection(lambda: _Connection(burst, accept), HOST, port)
            for _ in range(min(connections, len(burst.pending)))
        ]
        await asyncio.gather(*(protocol.finished for _, protocol in opened))
        return time.perf_counter() - started

    burst.seconds = asyncio.run(run())
    return burst


def print_row(
    label: str,
    result: Load,
    ceilings: Sequence[float] = (),
    ratios: Sequence[float] | None = None,
) -> None:
    """One table row; the ratio column is ``result``'s rate over each of ``ceilings``' rates,
    or ``ratios`` as given (e.g. medians over several runs)."""
    if ratios is None:
        ratios = [result.rate / ceiling for ceiling in ceilings]
    shown = " / ".join(f"{ratio:>4.0%}" for ratio in ratios) or "-"
    cpu = f"{result.cpu_us:7.0f}" if result.cpu_us is not None else "      -"
    latency = f"{result.latency_p50_ms or 0:6.1f} {result.latency_p99_ms or 0:7.1f}"
    errors = f"  {result.errors} errors!" if result.errors else ""
    print(f"{label:<38} {result.rate:>8,.0f}  {shown:>11}  {cpu}  {latency}{errors}", flush=True)


def print_header(first: str, unit: str = "req/s") -> None:
    print(f"{first:<38} {unit:>8}  {'of ceiling':>11}  {'CPU µs':>7}  {'p50 ms':>6} {'p99 ms':>7}")
