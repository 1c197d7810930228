"""PATCH /api/locations/{cc}/{pid}/{location}/{evse} (an EVSE status change) through the backend
API, persisted with its outbox rows: req/s of one server process on SQLite.

    .venv/bin/python bench/patch_ingest.py [--requests 20000] [--connections 32]

A SQLite store of Locations (2-4 EVSEs each, enough for every request to change a different EVSE)
and two registered eMSP partners with a Locations Receiver endpoint are seeded in a temporary
directory. Every request is ``{"status": …, "last_updated": …}`` for its own EVSE with a distinct,
increasing ``last_updated``, so each must leave one changed document and one ``deliveries`` row
per partner (no two requests coalesce into one outbox row). A fixed number of requests is sent over
``--connections`` keep-alive connections by a small asyncio load generator in this process (raw
sockets, one request in flight per connection); the first ``--warmup`` requests (their own EVSEs)
are not timed. Afterwards the database is read back: every EVSE has the status its request sent,
and ``deliveries`` holds exactly two pending rows per request. Push delivery is off
(``OPENROAM_WORKER=false``: no worker runs in the server, the rows stay pending), so only ingest
is measured.

Rows:

* ``bare sqlite3, one writer``: the same read-merge-write transactions (BEGIN IMMEDIATE, SELECT the
  Location, change the EVSE, UPDATE, two outbox INSERTs, COMMIT) in a plain loop in this process,
  on a copy of the same store: what the database itself allows.
* ``bare ASGI, sqlite3 per request``: a raw ASGI app under the same uvicorn doing that transaction
  for each request (``_serve.py bare-write``): the ceiling of any Python server here.
* ``openroam, no request log``: the real node (``_runtime.build_app``) under the same uvicorn
  settings as the bare app (``_serve.py node``: no access log, log level warning).
* ``openroam serve``: ``python -m openroam serve`` as an operator runs it (uvicorn, one process,
  one log line per request from openroam and one from uvicorn, here to a file) with the admin
  token.

Columns: req/s; the ratio to the bare ASGI app and, after the slash, to the bare sqlite3 writer;
the server's CPU µs per request (user + system of its process over the timed part); latency
percentiles. Nothing is asserted (the numbers depend on the machine); a failed read-back is
printed.
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import orjson
from _nodes import (
    ADMIN_TOKEN,
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
    node_env,
    print_header,
    print_row,
    register_partners,
    seed_locations,
    send_requests,
    serve_args,
    server,
)
from _serve import connect, receivers, write_status

from openroam.models.common import format_datetime

STATUSES = ("CHARGING", "BLOCKED", "OUTOFORDER", "RESERVED", "INOPERATIVE")
#: Later than every seeded last_updated, so no PATCH is older than its EVSE.
PATCH_START = START + timedelta(days=400)


@dataclass(frozen=True, slots=True)
class Change:
    location: str
    evse: str
    status: str
    last_updated: str

    @property
    def path(self) -> str:
        cc, pid = CPO_PARTY["country_code"], CPO_PARTY["party_id"]
        return f"/api/locations/{cc}/{pid}/{self.location}/{self.evse}"


def changes_for(count: int) -> list[Change]:
    """One change per EVSE, Location by Location, each with its own second."""
    found: list[Change] = []
    index = 0
    while len(found) < count:
        for evse in range(1, evse_count(index) + 1):
            number = len(found)
            stamp = format_datetime(PATCH_START + timedelta(seconds=number))
            found.append(Change(location_id(index), f"E{evse}", STATUSES[number % 5], stamp))
            if len(found) == count:
                break
        index += 1
    return found


def locations_for(count: int) -> int:
    return int(changes_for(count)[-1].location[3:]) + 1


def _request(change: Change, port: int) -> bytes:
    body = orjson.dumps({"status": change.status, "last_updated": change.last_updated})
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    return http_request("PATCH", change.path, port, headers, body)


def _applied(head: bytes, body: bytes) -> bool:
    return head[9:12] == b"200" and b'"applied":true' in body


def send_all(changes: list[Change], port: int, connections: int) -> tuple[Load, list[bytes]]:
    """Send every change once over ``connections`` keep-alive connections; the load measured."""
    requests = [("PATCH", _request(change, port)) for change in changes]
    burst = send_requests(requests, port, connections, _applied)
    return burst.load(), burst.failures


def read_back(db: Path, changes: list[Change], partners: int) -> str:
    """What the store holds against what was sent: "ok", or what is missing."""
    with sqlite3.connect(db) as connection:
        documents = {
            row[0]: orjson.loads(row[1])
            for row in connection.execute(
                "SELECT object_id, document FROM ocpi_objects WHERE module = 'locations'"
            )
        }
        rows = connection.execute(
            "SELECT count(*), count(DISTINCT path), sum(revision) FROM deliveries "
            "WHERE state = 'pending' AND method = 'PATCH'"
        ).fetchone()
    wrong = 0
    for change in changes:
        evses = {e["uid"]: e for e in documents[change.location.upper()]["evses"]}
        evse = evses[change.evse]
        wrong += (evse["status"], evse["last_updated"]) != (change.status, change.last_updated)
    problems = []
    if wrong:
        problems.append(f"{wrong} EVSEs without their change")
    if tuple(rows) != (partners * len(changes), len(changes), 0):
        problems.append(f"deliveries (rows, paths, coalesced) = {tuple(rows)}")
    return "; ".join(problems) or "ok"


def bare_writer(db: Path, changes: list[Change]) -> Load:
    """The transactions of ``bare-write``, one after the other, with sqlite3 in this process."""
    connection = connect(str(db))
    partners = receivers(connection)
    cc, pid = CPO_PARTY["country_code"], CPO_PARTY["party_id"]
    started = time.perf_counter()
    for change in changes:
        ids = (cc, pid, change.location, change.evse)
        write_status(connection, partners, ids, change.status, change.last_updated)
    elapsed = time.perf_counter() - started
    connection.close()
    return Load(len(changes), elapsed, 0)


def _measured(
    args: argparse.Namespace, command: list[str], env: dict[str, str], db: Path
) -> tuple[Load, str]:
    port = int(env["OPENROAM_PORT"])
    changes = changes_for(args.warmup + args.requests)
    with server(command, env, port, args.log) as pid:
        send_all(changes[: args.warmup], port, args.connections)
        before = cpu_seconds(pid)
        result, failures = send_all(changes[args.warmup :], port, args.connections)
        result = dataclasses.replace(result, server_cpu=cpu_seconds(pid) - before)
    for failure in failures[:3]:
        print(f"  failed: {failure.decode(errors='replace')}")
    return result, read_back(db, changes, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=1_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--skip-bare", action="store_true", help="only the openroam row")
    args = parser.parse_args()
    total = args.warmup + args.requests
    with tempfile.TemporaryDirectory(prefix="openroam-bench-") as tmp:
        seeded, args.log = Path(tmp) / "seeded.db", Path(tmp) / "servers.log"
        seconds = seed_locations(seeded, locations_for(total))
        receiver = [("locations", "RECEIVER", f"http://{HOST}:9/ocpi/2.2.1/locations")]
        register_partners(
            seeded,
            [
                PartnerSpec(f"emsp{n}", f"bench-token-{n}", "unused", EMSP_PARTY, receiver)
                for n in (1, 2)
            ],
        )
        print(
            f"{locations_for(total):,} Locations seeded in {seconds:.1f} s; {args.requests:,} "
            f"EVSE PATCHes (+{args.warmup:,} warm-up), each for another EVSE, 2 Receiver "
            f"partners; {args.connections} connections; Python {platform.python_version()}; "
            f"load average {load_average()}"
        )
        print_header("PATCH EVSE status")
        ceilings: list[float] = []
        if not args.skip_bare:
            copy = Path(tmp) / "bare-writer.db"
            shutil.copyfile(seeded, copy)
            writer = bare_writer(copy, changes_for(total)[args.warmup :])
            port = free_port()
            env = node_env(copy, port, [CPO_PARTY])
            print_row("bare sqlite3, one writer (in-process)", writer)
            print(f"  read back: {read_back(copy, changes_for(total)[args.warmup :], 2)}")
            copy = Path(tmp) / "bare-asgi.db"
            shutil.copyfile(seeded, copy)
            port = free_port()
            bare = serve_args("bare-write", port, "--db", str(copy))
            asgi, state = _measured(args, bare, node_env(copy, port, [CPO_PARTY]), copy)
            ceilings = [asgi.rate, writer.rate]
            print_row("bare ASGI, sqlite3 per request", asgi, ceilings)
            print(f"  read back: {state}")
        for label, kind in (("openroam, no request log", "node"), ("openroam serve", "cli")):
            copy = Path(tmp) / f"{kind}.db"
            shutil.copyfile(seeded, copy)
            env = node_env(copy, free_port(), [CPO_PARTY])
            port = int(env["OPENROAM_PORT"])
            command = ["-m", "openroam", "serve"] if kind == "cli" else serve_args(kind, port)
            node, state = _measured(args, command, env, copy)
            print_row(label, node, ceilings)
            print(f"  read back: {state}")
        print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
