"""A full pull of N Locations (2-4 EVSEs each) from one node by another: seconds and peak RSS.

    .venv/bin/python bench/pull_locations.py [--locations 100000] [--runs 1]

Node A (a CPO) is seeded with N Locations in a temporary SQLite file and started as a real server
(``bench/_serve.py node``: ``_runtime.build_app``, one uvicorn process on 127.0.0.1). Node B (an
eMSP, its own SQLite file) has A registered as a partner with a Locations Sender endpoint. Each
measured run is a separate process, timed from its start to its exit, its peak RSS read from the
kernel (``os.wait4``):

* ``bare httpx loop``: the same pages fetched with ``httpx.AsyncClient``, following the ``Link``
  headers, each body parsed with ``orjson``; nothing validated or stored. The ceiling of any
  Python client of the same server.
* ``openroam pull --module locations --full``: node B's real CLI command (``PullWorker``:
  client, validation of every object, storing with stale protection, sync state) into an empty
  store.
* ``openroam pull, again (all unchanged)``: the same command once more; every object is
  validated again and found not newer than the stored one.

Afterwards the bench checks that node B holds N Locations from A, each document byte-equal to
A's. Columns: wall seconds, objects per second, ratio of the bare loop's time to this one's,
peak RSS of the pulling process. Nothing is asserted about timings: they depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import dataclasses
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from _nodes import (
    CPO_PARTY,
    EMSP_PARTY,
    PYTHON,
    PartnerSpec,
    cpu_seconds,
    free_port,
    load_average,
    node_env,
    register_partners,
    seed_locations,
    serve_args,
    server,
    sqlite_url,
)

from openroam._store.db import upgrade

TOKEN = "bench-emsp-token-c"
SENDER = "/ocpi/2.2.1/sender/locations"


@dataclass(frozen=True)
class Run:
    seconds: float
    #: user + system CPU seconds of the pulling process
    cpu: float
    peak_rss_mb: float
    output: str
    #: CPU seconds node A's server used meanwhile
    server_cpu: float = 0.0
    #: wall seconds of every run of which this one was the fastest
    all_seconds: tuple[float, ...] = ()


def _timed(command: list[str], env: dict[str, str]) -> Run:
    """Run ``command`` to its end: wall seconds and the peak RSS of that process alone."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    output = process.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{command} failed ({process.returncode}):\n{output}")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, usage.ru_maxrss / 1024, output)  # ru_maxrss is in KiB on Linux


def _best(runs: int, run: Callable[[], Run], server_pid: int) -> Run:
    """The fastest of ``runs`` runs, with the server's CPU seconds during it (and the seconds of
    all runs: on a shared host they can differ by a fifth from one minute to the next)."""
    results = []
    for _ in range(runs):
        before = cpu_seconds(server_pid)
        result = run()
        results.append(dataclasses.replace(result, server_cpu=cpu_seconds(server_pid) - before))
    fastest = min(results, key=lambda result: result.seconds)
    return dataclasses.replace(fastest, all_seconds=tuple(r.seconds for r in results))


def _fresh_pull(template: Path, db: Path, command: list[str], env: dict[str, str]) -> Run:
    """The pull into a copy of node B's store as registered (no Locations yet)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, db)
    return _timed(command, env)


# --- the bare baseline (run as `pull_locations.py --bare URL`) ------------------------------


async def _bare(url: str) -> int:
    import httpx
    import orjson

    from openroam.client._pages import next_link

    auth = {"Authorization": "Token " + base64.b64encode(TOKEN.encode()).decode()}
    count = 0
    async with httpx.AsyncClient(headers=auth, timeout=30) as client:
        next_url: str | None = url
        while next_url is not None:
            reply = await client.get(next_url)
            data = orjson.loads(reply.content)["data"]
            count += len(data)
            next_url = next_link(reply.headers.get("Link")) if data else None
    return count


# --- checks ----------------------------------------------------------------------------------


def _documents(db: Path, origin_sql: str) -> sqlite3.Cursor:
    connection = sqlite3.connect(db)
    return connection.execute(
        "SELECT object_id, document FROM ocpi_objects "
        f"WHERE module = 'locations' AND {origin_sql} ORDER BY object_id"
    )


def verify(a_db: Path, b_db: Path, expected: int) -> str:
    """Node B holds every Location of A, each document byte-equal to A's."""
    count = equal = 0
    pulled = _documents(b_db, "origin <> 0")
    for (a_id, a_doc), row in zip(_documents(a_db, "origin = 0"), pulled, strict=False):
        count += 1
        equal += row == (a_id, a_doc)
    count += sum(1 for _ in pulled)
    verdict = "OK" if count == expected == equal else "MISMATCH"
    return f"{verdict}: node B holds {count:,} pulled Locations, {equal:,} equal to A's"


def print_header() -> None:
    print(
        f"{'full pull of Locations':<42} {'seconds':>7} {'objects/s':>9} {'bare/this':>9} "
        f"{'CPU s':>6} {'A CPU s':>7} {'peak MB':>7}  all runs (s)"
    )


def print_row(label: str, run: Run, count: int, bare: Run | None) -> None:
    ratio = f"{bare.seconds / run.seconds:5.0%}" if bare is not None else "    -"
    print(
        f"{label:<42} {run.seconds:7.1f} {count / run.seconds:>9,.0f} {ratio:>9} "
        f"{run.cpu:6.1f} {run.server_cpu:7.1f} {run.peak_rss_mb:>7.0f}  "
        + " ".join(f"{seconds:.1f}" for seconds in run.all_seconds),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1, help="measured pulls per row (best kept)")
    parser.add_argument("--bare", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        print(asyncio.run(_bare(args.bare)))
        return
    with tempfile.TemporaryDirectory(prefix="openroam-bench-") as tmp:
        a_db, b_db, log = Path(tmp) / "cpo.db", Path(tmp) / "emsp.db", Path(tmp) / "servers.log"
        seconds = seed_locations(a_db, args.locations)
        register_partners(a_db, [PartnerSpec("emsp", TOKEN, "unused", EMSP_PARTY)])
        a_env = node_env(a_db, free_port(), [CPO_PARTY])
        port = int(a_env["OPENROAM_PORT"])
        url = f"http://127.0.0.1:{port}{SENDER}"
        template = Path(tmp) / "emsp-template.db"
        upgrade(sqlite_url(template))
        sender = [("locations", "SENDER", url)]
        register_partners(template, [PartnerSpec("cpo", "unused", TOKEN, CPO_PARTY, sender)])
        b_env = node_env(b_db, free_port(), [EMSP_PARTY])
        print(
            f"{args.locations:,} Locations seeded in {seconds:.1f} s "
            f"({a_db.stat().st_size / 1e6:.0f} MB); node A serves pages of its page_limit; "
            f"Python {platform.python_version()}; load average {load_average()}"
        )
        print_header()
        pull = [PYTHON, "-m", "openroam", "pull", "cpo", "--module", "locations", "--full"]
        with server(serve_args("node", port), a_env, port, log) as pid:
            bare = _best(args.runs, lambda: _timed([PYTHON, __file__, "--bare", url], b_env), pid)
            assert int(bare.output.split()[-1]) == args.locations, bare.output
            print_row("bare httpx loop (fetch + orjson.loads)", bare, args.locations, None)
            first = _best(args.runs, lambda: _fresh_pull(template, b_db, pull, b_env), pid)
            print_row("openroam pull --module locations --full", first, args.locations, bare)
            checked = verify(a_db, b_db, args.locations)
            again = _best(args.runs, lambda: _timed(pull, b_env), pid)
            print_row("openroam pull, again (all unchanged)", again, args.locations, bare)
        print(first.output.strip().splitlines()[-1])
        print(checked)
        print(f"load average after: {load_average()}")


if __name__ == "__main__":
    sys.exit(main())
