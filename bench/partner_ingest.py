"""(d) A partner CPO pushing into our Receiver interface: Location PUTs and EVSE status PATCHes
on ``/ocpi/2.2.1/receiver/locations/{cc}/{pid}/{location}[/{evse}]``, req/s of one server process on
SQLite.

    .venv/bin/python bench/partner_ingest.py [--puts 2000] [--patches 4000] [--connections 16]

A SQLite store is seeded in a temporary directory with one registered partner, a CPO granted its
party (NL/CPO), and that partner's Locations (2-4 EVSEs each, as received earlier); the node hosts
an eMSP party. The partner then pushes, with its credentials token (``Authorization: Token``,
Base64), over ``--connections`` keep-alive connections (a small asyncio load generator in this
process, one request in flight per connection):

* **PUT**: each of its Locations again, whole (≈ 1.5-2.5 kB), with a later ``last_updated``: a
  replacement, as a CPO pushes one after a change of its equipment;
* **PATCH**: ``{"status": …, "last_updated": …}`` for one EVSE each, every request another EVSE,
  later than the PUTs: the most frequent push of a CPO.

The first ``--warmup`` requests of each kind are not timed. Afterwards the store is read back:
each Location has the ``last_updated`` of its PUT, each EVSE the status of its PATCH.

Rows, per kind:

* ``bare ASGI, sqlite3 per request``: a raw ASGI app under the same uvicorn doing the same
  storage work (``_serve.py bare-receive``): parse the body, check a PUT's ids against the URL,
  read the stored object, ignore an older update, merge a PATCH into its EVSE, write, commit. No
  authentication, no validation against the OCPI model: the ceiling of any Python server here.
* ``openroam, no request log``: the real node (``_runtime.build_app``) under the same uvicorn
  settings (``_serve.py node``).

Columns as in ``patch_ingest.py``: req/s; the ratio to the bare app; the server's CPU µs per
request; latency percentiles. ``--profile FILE`` instead samples the node with py-spy (``pip
install py-spy``) during its PUTs, every thread, into FILE as collapsed stacks (one line per
stack with its count), to see where a Location PUT spends its time.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import json
import platform
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import orjson
from _nodes import (
    CPO_PARTY,
    EMSP_PARTY,
    HOST,
    START,
    Load,
    PartnerSpec,
    cpu_seconds,
    evse_count,
    free_port,
    http_request,
    load_average,
    location_id,
    location_template,
    node_env,
    ocpi_success,
    print_header,
    print_row,
    register_partners,
    seed_locations,
    send_requests,
    serve_args,
    server,
)

from openroam.models.common import format_datetime

TOKEN = "bench-cpo-token"
STATUSES = ("CHARGING", "BLOCKED", "OUTOFORDER", "RESERVED", "INOPERATIVE")
#: Later than every seeded last_updated: the PUTs, then the PATCHes after all of them.
PUT_START = START + timedelta(days=200)
PATCH_START = START + timedelta(days=400)
# The node's Locations Receiver endpoint, as its version details publish it.
PREFIX = f"/ocpi/2.2.1/receiver/locations/{CPO_PARTY['country_code']}/{CPO_PARTY['party_id']}"


@dataclass(frozen=True, slots=True)
class Push:
    method: str
    location: str
    evse: str | None
    body: bytes
    last_updated: str
    status: str | None = None

    @property
    def path(self) -> str:
        return f"{PREFIX}/{self.location}" + (f"/{self.evse}" if self.evse else "")


def puts_for(count: int) -> list[Push]:
    """Location ``n`` replaced whole, with its own later second."""
    templates = {n: orjson.dumps(location_template(n)) for n in (2, 3, 4)}
    found = []
    for index in range(count):
        stamp = format_datetime(PUT_START + timedelta(seconds=index))
        body = (
            templates[evse_count(index)]
            .replace(b'"LOC0"', b'"' + location_id(index).encode() + b'"')
            .replace(b"2024-01-01T00:00:00Z", stamp.encode())
        )
        found.append(Push("PUT", location_id(index), None, body, stamp))
    return found


def patches_for(count: int) -> list[Push]:
    """One status PATCH per EVSE, Location by Location, each with its own second."""
    found: list[Push] = []
    index = 0
    while len(found) < count:
        for evse in range(1, evse_count(index) + 1):
            number = len(found)
            stamp = format_datetime(PATCH_START + timedelta(seconds=number))
            status = STATUSES[number % 5]
            body = orjson.dumps({"status": status, "last_updated": stamp})
            found.append(Push("PATCH", location_id(index), f"E{evse}", body, stamp, status))
            if len(found) == count:
                break
        index += 1
    return found


def read_back(db: Path, pushes: list[Push]) -> str:
    """What the store holds against what was pushed: "ok", or what is missing."""
    with sqlite3.connect(db) as connection:
        documents = {
            row[0]: orjson.loads(row[1])
            for row in connection.execute(
                "SELECT object_id, document FROM ocpi_objects WHERE module = 'locations'"
            )
        }
    wrong = 0
    for push in pushes:
        document = documents[push.location.upper()]
        if push.evse is None:
            wrong += document["last_updated"] < push.last_updated
        else:
            evse = {e["uid"]: e for e in document["evses"]}[push.evse]
            wrong += (evse["status"], evse["last_updated"]) != (push.status, push.last_updated)
    return f"{wrong} of {len(pushes)} not stored" if wrong else "ok"


def _requests(pushes: list[Push], port: int) -> list[tuple[str, bytes]]:
    token = base64.b64encode(TOKEN.encode()).decode()
    headers = {"Authorization": f"Token {token}"}
    return [(p.method, http_request(p.method, p.path, port, headers, p.body)) for p in pushes]


@dataclass
class Run:
    loads: dict[str, Load]
    checks: dict[str, str]
    failures: list[bytes]


@dataclass(frozen=True)
class Setup:
    log: Path
    connections: int
    warmup: int
    #: py-spy's samples of the server during the timed requests go here (collapsed stacks)
    profile: Path | None = None


def measure(
    setup: Setup, command: list[str], env: dict[str, str], db: Path, kinds: dict[str, list[Push]]
) -> Run:
    """Each kind's pushes against the server ``command`` starts: warm-up, then timed."""
    port, warmup, connections = int(env["OPENROAM_PORT"]), setup.warmup, setup.connections
    loads, checks, failures = {}, {}, []
    with server(command, env, port, setup.log) as pid:
        for kind, pushes in kinds.items():
            send_requests(_requests(pushes[:warmup], port), port, connections, ocpi_success)
            before = cpu_seconds(pid)
            with _sampled(pid, setup.profile):
                requests = _requests(pushes[warmup:], port)
                burst = send_requests(requests, port, connections, ocpi_success)
            loads[kind] = burst.load(server_cpu=cpu_seconds(pid) - before)
            failures += burst.failures
    for kind, pushes in kinds.items():
        checks[kind] = read_back(db, pushes)
    return Run(loads, checks, failures)


@contextmanager
def _sampled(pid: int, output: Path | None) -> Iterator[None]:
    """py-spy sampling every thread of ``pid`` while the block runs (when ``output`` is set)."""
    if output is None:
        yield
        return
    command = ["py-spy", "record", "--pid", str(pid), "--rate", "400", "--format", "raw"]
    command += ["-o", str(output)]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # attached
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)


def seed(tmp: Path, locations: int) -> tuple[Path, int]:
    """The seeded store and the pushing partner's id."""
    seeded = tmp / "seeded.db"
    sender = [("locations", "SENDER", f"http://{HOST}:9/ocpi/2.2.1/locations")]
    ids = register_partners(seeded, [PartnerSpec("cpo", TOKEN, "unused", CPO_PARTY, sender)])
    seed_locations(seeded, locations, origin=ids["cpo"])
    return seeded, ids["cpo"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--puts", type=int, default=2_000)
    parser.add_argument("--patches", type=int, default=4_000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--profile", type=Path, help="py-spy samples of the node's PUTs (collapsed stacks)"
    )
    args = parser.parse_args()
    puts = puts_for(args.warmup + args.puts)
    patches = patches_for(args.warmup + args.patches)
    locations = max(len(puts), int(patches[-1].location[3:]) + 1)
    with tempfile.TemporaryDirectory(prefix="openroam-bench-") as tmp:
        seeded, origin = seed(Path(tmp), locations)
        print(
            f"{locations:,} Locations of a partner CPO seeded; {args.puts:,} Location PUTs and "
            f"{args.patches:,} EVSE status PATCHes from it (+{args.warmup:,} warm-up each) on "
            f"our Receiver interface; {args.connections} connections; Python "
            f"{platform.python_version()}; load average {load_average()}"
        )
        setup = Setup(Path(tmp) / "servers.log", args.connections, args.warmup)

        def env_for(db: Path) -> dict[str, str]:
            return node_env(db, free_port(), [EMSP_PARTY])

        kinds = {"PUT": puts, "PATCH": patches}
        if args.profile is not None:
            copy = Path(tmp) / "profiled.db"
            shutil.copyfile(seeded, copy)
            env = env_for(copy)
            command = serve_args("node", int(env["OPENROAM_PORT"]))
            sampled = dataclasses.replace(setup, profile=args.profile.resolve())
            run = measure(sampled, command, env, copy, {"PUT": puts})
            print(f"PUT sampled by py-spy: {run.loads['PUT'].rate:,.0f} req/s -> {args.profile}")
            return
        copy = Path(tmp) / "bare.db"
        shutil.copyfile(seeded, copy)
        env = env_for(copy)
        origins = json.dumps({"locations": origin})
        bare_command = serve_args("bare-receive", int(env["OPENROAM_PORT"]), "--db", str(copy))
        bare = measure(setup, [*bare_command, "--origins", origins], env, copy, kinds)
        copy = Path(tmp) / "node.db"
        shutil.copyfile(seeded, copy)
        env = env_for(copy)
        node = measure(setup, serve_args("node", int(env["OPENROAM_PORT"])), env, copy, kinds)
        print_header("Receiver interface")
        for kind in kinds:
            label = "Location PUT" if kind == "PUT" else "EVSE status PATCH"
            print_row(f"{label}: bare ASGI, sqlite3", bare.loads[kind])
            print(f"  read back: {bare.checks[kind]}")
            print_row(f"{label}: openroam", node.loads[kind], [bare.loads[kind].rate])
            print(f"  read back: {node.checks[kind]}")
        for failure in (bare.failures + node.failures)[:3]:
            print(f"  failed: {failure.decode(errors='replace')}")
        print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
