"""GET /ocpi/2.2.1/sender/locations?limit=50 against a store of N Locations: req/s of one server;
and the same pages as OCPI 2.1.1 (GET /ocpi/2.1.1/cpo/locations?limit=50).

    .venv/bin/python bench/get_locations.py [--locations 100000] [--seconds 10] [--connections 32]
                                            [--runs 1] [--serve quiet text json] [--log-only]
                                            [--side-by-side 0]

A SQLite store of N Locations (2-4 EVSEs each) and one registered eMSP partner are seeded in a
temporary directory. Each server runs alone as one uvicorn process on 127.0.0.1 (``_serve.py``,
the same uvicorn settings for all), warmed up for 2 s, then loaded for ``--seconds`` by ``wrk``
(one thread, ``--connections`` keep-alive connections) on the other core:

* ``bare ASGI, pre-built page``: the page read from the same SQLite file once at start-up and sent
  as the same bytes every time; the ceiling of any Python server on this uvicorn.
* ``bare ASGI, page read per request``: a raw ASGI app reading the same page with sqlite3 on
  every request (no auth, no count, no routing): the baseline openroam's rate is compared with.
* ``openroam, page 1``: the real node (``_runtime.build_app``) with a valid credentials token:
  auth, pagination, X-Total-Count, Link, routing headers, envelope — and, as a node runs by
  default, every exchange in the message log (docs/console.md "Message log": each request and
  the first ``body_bytes`` of its ~50 kB answer buffered, written to the same SQLite file in
  batches, trimmed to the size cap). ``openroam, page 1, message log off`` is the same with
  ``OPENROAM_MESSAGE_LOG__ENABLED=false``; the ratio of the two is what the log costs.
* ``openroam, page N/2 (keyset)``: the URL of the Link header half-way through the list.
* ``openroam 2.1.1, page 1`` and ``page N/2 (keyset)``: the same pages at the 2.1.1 CPO side
  (``/ocpi/2.1.1/cpo/locations``): the stored 2.2.1 Locations converted to 2.1.1, each once per
  stored change (a per-process cache), answered ahead of FastAPI like the 2.2.1 page.
* ``openroam serve, …``: ``python -m openroam serve`` as an operator runs it (``--serve``
  chooses the rows): with ``--log-level warning`` (no request log), with its line per request as
  text (the default), and as JSON (``--log-format json``). The ratio of the last two to the first
  is what the request log costs (docs/operations.md "What logging and metrics cost").

With ``--side-by-side N``, the message log's cost is measured a second way as well, in N rounds
of a node with the log on and one with it off (each on its own copy of the store) loaded at the
same time, each by its own ``wrk``; which one starts first alternates. A machine whose speed
drifts from one run to the next (a shared virtual machine) slows both alike, so their ratio
holds still where the ratio of runs one after the other does not. Both the ratio of rates and
the ratio of CPU µs per request (the rate each would reach on a core of its own) are shown,
each the median of the rounds'.

With ``--runs N`` every row is measured N times, in N rounds that each measure every row once
(so a machine that slows down for a while slows all rows alike), and each row shows its median
run, with every run's req/s after the table; the ratios are the medians of each round's ratios.

Columns: req/s; the ratio to the bare page-read-per-request app and, after the slash, to the
pre-built page; the server's CPU µs per request (user + system of its process while loaded:
1e6 / CPU µs is the rate it would reach on a core of its own, whatever else runs on the
machine); wrk's latency percentiles. Nothing is asserted: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import base64
import platform
import shutil
import tempfile
from contextlib import ExitStack
from pathlib import Path

import httpx
from _nodes import (
    CPO_PARTY,
    EMSP_PARTY,
    Load,
    PartnerSpec,
    free_port,
    load_average,
    measured_load,
    measured_loads_at_once,
    node_env,
    print_header,
    print_row,
    register_partners,
    seed_locations,
    serve_args,
    server,
)

TOKEN = "bench-emsp-token-c"
AUTH = {"Authorization": "Token " + base64.b64encode(TOKEN.encode()).decode()}


def _check(url: str, expected_total: int, limit: int) -> None:
    reply = httpx.get(url, headers=AUTH, timeout=30)
    body = reply.json()
    assert reply.status_code == 200, reply.text[:500]
    assert body["status_code"] == 1000, body
    assert len(body["data"]) == min(limit, expected_total), len(body["data"])
    assert int(reply.headers["X-Total-Count"]) == expected_total, reply.headers


def _measure(
    args: argparse.Namespace,
    command: list[str],
    env: dict[str, str],
    path: str,
    total: int | None = None,
    extra_env: dict[str, str] | None = None,
) -> Load:
    port = int(env["OPENROAM_PORT"])
    env = {**env, **(extra_env or {})}
    url = f"http://127.0.0.1:{port}{path}"
    with server(command, env, port, args.log) as pid:
        if total is not None:
            _check(url, total, args.limit)
        return measured_load(pid, url, AUTH, args.seconds, args.connections)


def _side_by_side(args: argparse.Namespace, db: Path, path: str) -> None:
    """The message log on and off, both nodes loaded at once (``--side-by-side``)."""
    stores = {True: db, False: db.with_name("log-off.db")}
    shutil.copyfile(db, stores[False])
    rate_ratios: list[float] = []
    cpu_ratios: list[float] = []
    print(f"the message log on and off side by side, {args.side_by_side} round(s):")
    for round_ in range(args.side_by_side):
        order = (True, False) if round_ % 2 == 0 else (False, True)
        with ExitStack() as stack:
            targets = []
            for log_on in order:
                env = node_env(stores[log_on], free_port(), [CPO_PARTY])
                if not log_on:
                    env["OPENROAM_MESSAGE_LOG__ENABLED"] = "false"
                port = int(env["OPENROAM_PORT"])
                pid = stack.enter_context(server(serve_args("node", port), env, port, args.log))
                url = f"http://127.0.0.1:{port}{path}"
                _check(url, args.locations, args.limit)
                targets.append((pid, url))
            loads = measured_loads_at_once(targets, AUTH, args.seconds, args.connections)
        on, off = (loads[0], loads[1]) if order[0] else (loads[1], loads[0])
        rate_ratios.append(on.rate / off.rate)
        cpu_ratios.append((off.cpu_us or 0.0) / (on.cpu_us or 1.0))
        print(
            f"  round {round_ + 1}: on {on.rate:,.0f} req/s, {on.cpu_us:.0f} µs; "
            f"off {off.rate:,.0f} req/s, {off.cpu_us:.0f} µs"
            + (f"  {on.errors + off.errors} errors!" if on.errors or off.errors else "")
        )
    print(
        f"  the message log on, side by side: {_median(rate_ratios):.1%} of the rate with it "
        f"off; {_median(cpu_ratios):.1%} by CPU µs per request"
    )


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _median_run(loads: list[Load]) -> Load:
    """The run with the median rate (the lower middle one of an even number)."""
    return sorted(loads, key=lambda load: load.rate)[(len(loads) - 1) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--runs", type=int, default=1, help="rounds of every row (median shown)")
    parser.add_argument("--skip-cli", action="store_true", help="no `openroam serve` row")
    parser.add_argument(
        "--log-only",
        action="store_true",
        help="only the bare baselines and page 1 with the message log on and off",
    )
    parser.add_argument(
        "--side-by-side",
        type=int,
        default=0,
        metavar="N",
        help="also measure the message log on and off loaded at the same time, N rounds",
    )
    parser.add_argument(
        "--serve",
        nargs="+",
        choices=sorted(SERVE_ROWS),
        default=["quiet", "text", "json"],
        help="`openroam serve` rows: without a request log, with it as text or JSON lines",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="openroam-bench-") as tmp:
        db, args.log = Path(tmp) / "cpo.db", Path(tmp) / "servers.log"
        seconds = seed_locations(db, args.locations)
        register_partners(db, [PartnerSpec("emsp", TOKEN, "unused", EMSP_PARTY)])
        print(
            f"{args.locations:,} Locations seeded in {seconds:.1f} s "
            f"({db.stat().st_size / 1e6:.0f} MB); GET limit={args.limit}; wrk 1 thread, "
            f"{args.connections} connections, {args.seconds:g} s; {args.runs} run(s); Python "
            f"{platform.python_version()}; load average {load_average()}"
        )
        page = f"/ocpi/2.2.1/sender/locations?limit={args.limit}"
        half = args.locations // 2
        deep = f"/ocpi/2.2.1/sender/locations?offset={half}&limit={args.limit}&after={half}"
        page_v211 = f"/ocpi/2.1.1/cpo/locations?limit={args.limit}"
        deep_v211 = f"/ocpi/2.1.1/cpo/locations?offset={half}&limit={args.limit}&after={half}"
        env = node_env(db, free_port(), [CPO_PARTY])
        port = int(env["OPENROAM_PORT"])
        bare = ["--db", str(db), "--limit", str(args.limit)]
        node = serve_args("node", port)
        # label → (server command, path, expected X-Total-Count or None for the bare apps)
        rows: dict[str, tuple[list[str], str, int | None]] = {
            PREBUILT: (serve_args("bare-page", port, *bare), page, None),
            PER_REQUEST: (serve_args("bare-sqlite", port, *bare), page, None),
            LOG_OFF: (node, page, args.locations),
            LOG_ON: (node, page, args.locations),
            f"openroam, page {half // args.limit + 1:,} (keyset)": (node, deep, args.locations),
            # The same stored 2.2.1 Locations served to a 2.1.1 partner, converted at the edge
            # (once per stored change: _server/v211/cache.py).
            "openroam 2.1.1, page 1": (node, page_v211, args.locations),
            f"openroam 2.1.1, page {half // args.limit + 1:,} (keyset)": (
                node,
                deep_v211,
                args.locations,
            ),
        }
        if args.log_only:
            rows = {label: rows[label] for label in (PREBUILT, PER_REQUEST, LOG_OFF, LOG_ON)}
        cli = ["-m", "openroam", "serve"]
        for variant in [] if args.skip_cli or args.log_only else args.serve:
            rows[SERVE_ROWS[variant]] = ([*cli, *SERVE_ARGS[variant]], page, args.locations)
        runs: dict[str, list[Load]] = {label: [] for label in rows}
        for _ in range(args.runs):
            for label, (command, path, total) in rows.items():
                extra = {"OPENROAM_MESSAGE_LOG__ENABLED": "false"} if label == LOG_OFF else None
                runs[label].append(_measure(args, command, env, path, total, extra))
        print_header("GET locations")
        for label, loads in runs.items():
            ceilings = () if label == PREBUILT else (PER_REQUEST, PREBUILT)
            ratios = [
                _median([load.rate / runs[c][i].rate for i, load in enumerate(loads)])
                for c in ceilings
            ]
            print_row(label, _median_run(loads), ratios=ratios)
        logged_on, logged_off = runs[LOG_ON], runs[LOG_OFF]
        ratio = _median([load.rate / logged_off[i].rate for i, load in enumerate(logged_on)])
        print(f"  the message log on: {ratio:.1%} of the rate with it off")
        quiet = runs.get(SERVE_ROWS["quiet"])
        for variant in ("text", "json"):
            logged = runs.get(SERVE_ROWS[variant])
            if quiet and logged:
                ratio = _median([load.rate / quiet[i].rate for i, load in enumerate(logged)])
                print(f"  a {variant} line per request: {ratio:.0%} of the rate without it")
        if args.runs > 1:
            for label, loads in runs.items():
                print(f"  {label}: " + ", ".join(f"{load.rate:,.0f}" for load in loads))
        if args.side_by_side:
            _side_by_side(args, db, page)
        print(f"load average after: {load_average()}")


PREBUILT = "bare ASGI, pre-built page"
LOG_ON = "openroam, page 1"
LOG_OFF = "openroam, page 1, message log off"
#: ``openroam serve`` as an operator runs it: --serve variant → row label, extra arguments
SERVE_ROWS = {
    "quiet": "openroam serve, no request log",
    "text": "openroam serve, a text line per request",
    "json": "openroam serve, a JSON line per request",
}
SERVE_ARGS = {"quiet": ["--log-level", "warning"], "text": [], "json": ["--log-format", "json"]}
PER_REQUEST = "bare ASGI, page read per request"


if __name__ == "__main__":
    main()
