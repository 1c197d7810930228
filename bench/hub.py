"""GET Location pages and Token PATCHes from an eMSP to a CPO through an openroam Hub, next to the
same requests sent to the CPO directly: req/s of each path and the ratio.

    .venv/bin/python bench/hub.py [--locations 10000] [--seconds 10] [--connections 16]
                                  [--patches 4000] [--runs 1]

Two nodes run as uvicorn processes on 127.0.0.1 (``_serve.py node``, the same uvicorn settings),
each with its own SQLite store seeded in a temporary directory, no worker (no pushes, pulls or
liveness checks: only the request paths are measured):

* a **CPO** node (party NL*CPO) with ``--locations`` Locations (2-4 EVSEs each), a direct eMSP
  partner (DE*EMP) and a Hub partner (NL*HUB, granted HUB);
* a **Hub** node (party NL*HUB) with the CPO as a partner (its Locations Sender and Tokens
  Receiver endpoints are the CPO node's) and an eMSP partner (DE*EMH) behind it.

Rows (docs/hub.md "What it routes, and how"):

* ``GET page, direct``: ``GET /ocpi/2.2.1/sender/locations?limit=50`` at the CPO with the direct
  eMSP's token, FROM DE*EMP TO NL*CPO.
* ``GET page, through the Hub``: the same GET at the Hub with the eMSP-behind-the-Hub's token,
  FROM DE*EMH TO NL*CPO: the Hub authenticates, checks the FROM, finds the CPO by the TO and
  forwards the request (new X-Request-ID, the Hub's token), then passes the page back unchanged
  (Link rewritten to the Hub).
* ``Token PATCH, direct`` / ``through the Hub``: ``PATCH /ocpi/2.2.1/receiver/tokens/{cc}/{pid}/
  {uid}?type=RFID`` (``valid`` and a later ``last_updated``), each for another Token, the Tokens
  PUT first through the same path (not timed). Sent once each by a small asyncio generator (one
  request in flight per connection).

GETs are loaded for ``--seconds`` by ``wrk`` when installed (else the same asyncio loop), after
2 s of warm-up. Columns: req/s; the ratio of the Hub row to the direct row of the same round; the
CPU µs per request of the node answering the eMSP (for the Hub rows the Hub's, and the CPO's
after ``+``); latency percentiles. With ``--runs N`` the four rows are measured in N rounds and
each shows its median run. Nothing is asserted: the numbers depend on the machine; an answer that
is not HTTP 200 with status 1000 is counted as an error and the first ones are printed.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import platform
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import orjson
from _nodes import (
    CPO_PARTY,
    EMSP_PARTY,
    HOST,
    START,
    Load,
    PartnerSpec,
    cpu_seconds,
    free_port,
    http_request,
    load,
    load_average,
    node_env,
    ocpi_success,
    register_partners,
    seed_locations,
    send_requests,
    serve_args,
    server,
)

from openroam.models.common import format_datetime

HUB_PARTY = {"country_code": "NL", "party_id": "HUB", "role": "HUB", "name": "Bench Hub"}
#: the eMSP behind the Hub: a party of its own (a party belongs to one connection of the CPO)
EMSP_AT_HUB = {"country_code": "DE", "party_id": "EMH", "role": "EMSP", "name": "Bench eMSP 2"}
DIRECT_TOKEN = "bench-emsp-direct-token"
EMSP_AT_HUB_TOKEN = "bench-emsp-at-hub-token"
HUB_AT_CPO_TOKEN = "bench-hub-at-cpo-token"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


def _routing(from_party: dict[str, str], to_party: dict[str, str]) -> dict[str, str]:
    return {
        "OCPI-from-country-code": from_party["country_code"],
        "OCPI-from-party-id": from_party["party_id"],
        "OCPI-to-country-code": to_party["country_code"],
        "OCPI-to-party-id": to_party["party_id"],
    }


@dataclass(frozen=True)
class Way:
    """One way from the eMSP to the CPO: the node called, the token and headers used."""

    label: str
    port: int
    headers: dict[str, str]
    owner: dict[str, str]


def _token(owner: dict[str, str], uid: str, valid: bool, stamp: str) -> bytes:
    return orjson.dumps(
        {
            "country_code": owner["country_code"],
            "party_id": owner["party_id"],
            "uid": uid,
            "type": "RFID",
            "contract_id": f"{owner['country_code']}-{owner['party_id']}-C{uid}",
            "issuer": owner["name"],
            "valid": valid,
            "whitelist": "ALLOWED",
            "last_updated": stamp,
        }
    )


def _writes(way: Way, count: int, method: str, round_: int) -> list[tuple[str, bytes]]:
    """``count`` PUTs (whole Tokens) or PATCHes (``valid`` and ``last_updated``), each for
    another Token, later than every write of earlier rounds."""
    owner = way.owner
    requests = []
    for number in range(count):
        uid = f"B{number:07d}"
        stamp = format_datetime(START + timedelta(days=round_, seconds=number))
        path = f"/ocpi/2.2.1/receiver/tokens/{owner['country_code']}/{owner['party_id']}/{uid}"
        if method == "PUT":
            body = _token(owner, uid, True, stamp)
        else:
            body = orjson.dumps({"valid": number % 2 == 0, "last_updated": stamp})
        requests.append(
            (method, http_request(method, path + "?type=RFID", way.port, way.headers, body))
        )
    return requests


def _check_page(way: Way, limit: int, total: int) -> None:
    url = f"http://{HOST}:{way.port}/ocpi/2.2.1/sender/locations?limit={limit}"
    reply = httpx.get(url, headers=way.headers, timeout=30)
    body = reply.json()
    assert reply.status_code == 200, reply.text[:500]
    assert body["status_code"] == 1000, reply.text[:500]
    assert len(body["data"]) == min(limit, total), len(body["data"])
    assert int(reply.headers["X-Total-Count"]) == total, reply.headers


@contextmanager
def _servers(tmp: Path, locations: int, log: Path) -> Iterator[tuple[int, int, int, int]]:
    """The CPO and Hub nodes, seeded and serving; (cpo port, cpo pid, hub port, hub pid)."""
    cpo_db, hub_db = tmp / "cpo.db", tmp / "hub.db"
    seed_locations(cpo_db, locations)
    cpo_port, hub_port = free_port(), free_port()
    cpo_url = f"http://{HOST}:{cpo_port}/ocpi/2.2.1"
    register_partners(
        cpo_db,
        [
            PartnerSpec("emsp", DIRECT_TOKEN, "unused", EMSP_PARTY),
            PartnerSpec("hub", HUB_AT_CPO_TOKEN, "unused", HUB_PARTY),
        ],
    )
    cpo_endpoints = [
        ("locations", "SENDER", f"{cpo_url}/sender/locations"),
        ("tokens", "RECEIVER", f"{cpo_url}/receiver/tokens"),
    ]
    register_partners(
        hub_db,
        [
            PartnerSpec("cpo", "bench-cpo-at-hub", HUB_AT_CPO_TOKEN, CPO_PARTY, cpo_endpoints),
            PartnerSpec("emsp", EMSP_AT_HUB_TOKEN, "unused", EMSP_AT_HUB),
        ],
    )
    cpo_env = node_env(cpo_db, cpo_port, [CPO_PARTY])
    hub_env = node_env(hub_db, hub_port, [HUB_PARTY])
    with ExitStack() as stack:
        cpo_pid = stack.enter_context(server(serve_args("node", cpo_port), cpo_env, cpo_port, log))
        hub_pid = stack.enter_context(server(serve_args("node", hub_port), hub_env, hub_port, log))
        yield cpo_port, cpo_pid, hub_port, hub_pid


@dataclass(frozen=True)
class Measured:
    load: Load
    #: CPU seconds of the CPO behind the Hub during a Hub row (None for a direct row)
    behind_cpu: float | None = None

    @property
    def behind_us(self) -> float | None:
        if self.behind_cpu is None or not self.load.requests:
            return None
        return self.behind_cpu / self.load.requests * 1e6


def _get(args: argparse.Namespace, way: Way, pid: int, behind: int | None) -> Measured:
    url = f"http://{HOST}:{way.port}/ocpi/2.2.1/sender/locations?limit={args.limit}"
    load(url, way.headers, 2, min(args.connections, 8))  # warm-up
    before = cpu_seconds(pid)
    behind_before = cpu_seconds(behind) if behind is not None else 0.0
    result = load(url, way.headers, args.seconds, args.connections)
    result = dataclasses.replace(result, server_cpu=cpu_seconds(pid) - before)
    spent = cpu_seconds(behind) - behind_before if behind is not None else None
    return Measured(result, spent)


def _patch(
    args: argparse.Namespace, way: Way, pid: int, behind: int | None, round_: int
) -> tuple[Measured, list[bytes]]:
    puts = send_requests(
        _writes(way, args.patches, "PUT", round_ * 2), way.port, args.connections, ocpi_success
    )
    failures = list(puts.failures)
    before = cpu_seconds(pid)
    behind_before = cpu_seconds(behind) if behind is not None else 0.0
    burst = send_requests(
        _writes(way, args.patches, "PATCH", round_ * 2 + 1),
        way.port,
        args.connections,
        ocpi_success,
    )
    failures += burst.failures
    result = burst.load(server_cpu=cpu_seconds(pid) - before)
    spent = cpu_seconds(behind) - behind_before if behind is not None else None
    return Measured(result, spent), failures


def _median_run(runs: list[Measured]) -> Measured:
    return sorted(runs, key=lambda m: m.load.rate)[(len(runs) - 1) // 2]


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _row(label: str, measured: Measured, ratio: float | None) -> None:
    result = measured.load
    shown = f"{ratio:>4.0%}" if ratio is not None else "-"
    cpu = f"{result.cpu_us:5.0f}" if result.cpu_us is not None else "    -"
    if measured.behind_us is not None:
        cpu += f" +{measured.behind_us:4.0f}"
    latency = f"{result.latency_p50_ms or 0:6.1f} {result.latency_p99_ms or 0:7.1f}"
    errors = f"  {result.errors} errors!" if result.errors else ""
    print(
        f"{label:<38} {result.rate:>8,.0f}  {shown:>11}  {cpu:>11}  {latency}{errors}", flush=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--patches", type=int, default=4_000)
    parser.add_argument("--runs", type=int, default=1, help="rounds of every row (median shown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="openroam-bench-") as tmp:
        log = Path(tmp) / "servers.log"
        with _servers(Path(tmp), args.locations, log) as (cpo_port, cpo_pid, hub_port, hub_pid):
            cpo = {"country_code": "NL", "party_id": "CPO"}
            direct = Way(
                "direct",
                cpo_port,
                _auth(DIRECT_TOKEN) | _routing(EMSP_PARTY, cpo),
                EMSP_PARTY,
            )
            hub = Way(
                "through the Hub",
                hub_port,
                _auth(EMSP_AT_HUB_TOKEN) | _routing(EMSP_AT_HUB, cpo),
                EMSP_AT_HUB,
            )
            for way in (direct, hub):
                _check_page(way, args.limit, args.locations)
            print(
                f"{args.locations:,} Locations at the CPO; GET limit={args.limit} for "
                f"{args.seconds:g} s, {args.patches:,} Token PATCHes (after as many PUTs); "
                f"{args.connections} connections; {args.runs} run(s); Python "
                f"{platform.python_version()}; load average {load_average()}"
            )
            rows: dict[str, list[Measured]] = {}
            failures: list[bytes] = []
            for round_ in range(args.runs):
                for way in (direct, hub):
                    pid, behind = (cpo_pid, None) if way is direct else (hub_pid, cpo_pid)
                    rows.setdefault(f"GET page, {way.label}", []).append(
                        _get(args, way, pid, behind)
                    )
                for way in (direct, hub):
                    pid, behind = (cpo_pid, None) if way is direct else (hub_pid, cpo_pid)
                    measured, failed = _patch(args, way, pid, behind, round_)
                    rows.setdefault(f"Token PATCH, {way.label}", []).append(measured)
                    failures += failed
        print(
            f"{'':<38} {'req/s':>8}  {'of direct':>11}  {'CPU µs':>11}  {'p50 ms':>6} {'p99 ms':>7}"
        )
        for kind in ("GET page", "Token PATCH"):
            direct_runs = rows[f"{kind}, direct"]
            hub_runs = rows[f"{kind}, through the Hub"]
            ratio = _median(
                [h.load.rate / d.load.rate for h, d in zip(hub_runs, direct_runs, strict=True)]
            )
            _row(f"{kind}, direct", _median_run(direct_runs), None)
            _row(f"{kind}, through the Hub", _median_run(hub_runs), ratio)
            print(f"  through the Hub: {ratio:.0%} of the direct rate")
        for failure in failures[:3]:
            print(f"  failed: {failure.decode(errors='replace')}")
        if args.runs > 1:
            for label, runs in rows.items():
                print(f"  {label}: " + ", ".join(f"{m.load.rate:,.0f}" for m in runs))
        print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
