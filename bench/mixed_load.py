"""(e) A mixed load of a node's usual traffic on one server process (SQLite): throughput and
p50/p99 latency, overall and per kind, against a bare ASGI app doing the same work.

    .venv/bin/python bench/mixed_load.py [--requests 6000] [--connections 16]

The node hosts a CPO party (NL/CPO, with its Locations, 2-4 EVSEs each) and an eMSP party
(NL/EMS). Registered partners: two eMSPs (DE/EMP) with a Locations Receiver endpoint, so each
status change of ours queues a delivery to both, and a CPO (BE/CPX) that pushes its Locations
to our eMSP. The requests, interleaved in a fixed pseudo-random order:

====  ==========================================================================================
70 %  ``GET /ocpi/2.2.1/sender/locations?limit=50`` by an eMSP partner (a page of ≈ 90 kB)
20 %  ``PATCH /api/locations/NL/CPO/{location}/{evse}`` by our backend: an EVSE status change,
      stored with an outbox row per Receiver partner (every request another EVSE)
5 %   ``PUT /ocpi/2.2.1/receiver/locations/BE/CPX/{location}`` by the partner CPO: a whole
      Location (created, then replaced with a later ``last_updated``)
5 %   ``PUT /ocpi/2.2.1/receiver/tokens/DE/EMP/{uid}?type=RFID`` by an eMSP partner: a Token
====  ==========================================================================================

Why these shares: partners read far more than anyone writes — each eMSP pulls Location pages
(with ``date_from``, and full pulls) while a CPO's equipment changes rarely; EVSE status changes
are by far the most frequent write (every session starts and ends one, several per EVSE per
day); a partner's Location pushes are equipment changes, and Token pushes follow new or blocked
cards, both orders of magnitude rarer than status changes in the field, raised to 5 % here so
that each kind gets enough samples for its own p99.

Rows: ``bare ASGI``: one raw ASGI app under the same uvicorn answering each kind with the same
storage work (``_serve.py bare-mixed``: the page read per request, the status
read-merge-write with its outbox rows, the partner's object read-merge-written; no
authentication, no validation); ``openroam``: the real node (``_serve.py node``). The first
``--warmup`` requests are not timed; then ``--requests`` requests are sent once each over
``--connections`` keep-alive connections (one in flight per connection), so the run is bounded
by count. Columns as in ``patch_ingest.py``; a kind's req/s is its share of the throughput.
"""

from __future__ import annotations

import argparse
import base64
import json
import platform
import random
import shutil
import tempfile
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
    location_template,
    node_env,
    print_header,
    print_row,
    register_partners,
    seed_locations,
    send_requests,
    serve_args,
    server,
)

from openroam.models.common import format_datetime

OWN_EMSP = {"country_code": "NL", "party_id": "EMS", "role": "EMSP", "name": "Bench own eMSP"}
PARTNER_CPO = {"country_code": "BE", "party_id": "CPX", "role": "CPO", "name": "Partner CPO"}
#: (kind, share of 20 requests)
SHARES = (("GET page", 14), ("status PATCH", 4), ("Location PUT", 1), ("Token PUT", 1))
STATUSES = ("CHARGING", "BLOCKED", "OUTOFORDER", "RESERVED", "INOPERATIVE")
LATER = START + timedelta(days=400)
#: Different Locations the partner CPO pushes, over and over (created, then replaced)
PARTNER_LOCATIONS = 200
OUR_PARTY_JSON = b'"country_code":"NL","party_id":"CPO"'
PARTNER_PARTY_JSON = b'"country_code":"BE","party_id":"CPX"'


def _token(name: str) -> str:
    return "Token " + base64.b64encode(name.encode()).decode()


class Requests:
    """The requests of each kind, numbered in order; each one distinct where it writes."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.templates = {n: orjson.dumps(location_template(n)) for n in (2, 3, 4)}
        self.counts = dict.fromkeys((kind for kind, _ in SHARES), 0)
        self.evses = self._evses()

    def _evses(self) -> list[tuple[str, str]]:
        return [
            (location_id(index), f"E{evse}")
            for index in range(100_000)
            for evse in range(1, evse_count(index) + 1)
        ]

    def next(self, kind: str) -> bytes:
        number = self.counts[kind]
        self.counts[kind] += 1
        stamp = format_datetime(LATER + timedelta(seconds=number)).encode()
        if kind == "GET page":
            headers = {"Authorization": _token("emsp1-token")}
            return http_request("GET", "/ocpi/2.2.1/sender/locations?limit=50", self.port, headers)
        if kind == "status PATCH":
            location, evse = self.evses[number]
            body = b'{"status":"%s","last_updated":"%s"}' % (
                STATUSES[number % 5].encode(),
                stamp,
            )
            path = f"/api/locations/NL/CPO/{location}/{evse}"
            headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
            return http_request("PATCH", path, self.port, headers, body)
        if kind == "Location PUT":
            index = number % PARTNER_LOCATIONS
            body = (
                self.templates[evse_count(index)]
                .replace(b'"LOC0"', b'"P' + str(index).encode() + b'"')
                .replace(OUR_PARTY_JSON, PARTNER_PARTY_JSON)
                .replace(b"2024-01-01T00:00:00Z", stamp)
            )
            path = f"/ocpi/2.2.1/receiver/locations/BE/CPX/P{index}"
            headers = {"Authorization": _token("cpo-token")}
            return http_request("PUT", path, self.port, headers, body)
        uid = f"TOKEN{number:07d}"
        body = orjson.dumps(
            {
                "country_code": "DE",
                "party_id": "EMP",
                "uid": uid,
                "type": "RFID",
                "contract_id": f"DE-EMP-C{number:08d}-1",
                "issuer": "Bench eMSP",
                "valid": True,
                "whitelist": "ALLOWED",
                "last_updated": stamp.decode(),
            }
        )
        path = f"/ocpi/2.2.1/receiver/tokens/DE/EMP/{uid}?type=RFID"
        return http_request("PUT", path, self.port, {"Authorization": _token("emsp1-token")}, body)


def schedule(count: int, seed: int = 7) -> list[str]:
    """``count`` kinds in their shares, in a fixed shuffled order (blocks of 20)."""
    block = [kind for kind, share in SHARES for _ in range(share)]
    rng = random.Random(seed)
    kinds: list[str] = []
    while len(kinds) < count:
        rng.shuffle(block)
        kinds += block
    return kinds[:count]


def _success(head: bytes, body: bytes) -> bool:
    # OCPI answers carry status_code 1000; the backend API answers {"data": {"applied": true}}.
    return head[9:10] == b"2" and (b'"status_code":1000' in body or b'"applied":true' in body)


def measure(
    command: list[str], env: dict[str, str], log: Path, args: argparse.Namespace
) -> tuple[dict[str | None, Load], list[bytes]]:
    port = int(env["OPENROAM_PORT"])
    build = Requests(port)
    kinds = schedule(args.warmup + args.requests)
    requests = [(kind, build.next(kind)) for kind in kinds]
    with server(command, env, port, log) as pid:
        send_requests(requests[: args.warmup], port, args.connections, _success)
        before = cpu_seconds(pid)
        burst = send_requests(requests[args.warmup :], port, args.connections, _success)
        cpu = cpu_seconds(pid) - before
    loads: dict[str | None, Load] = {None: burst.load(server_cpu=cpu)}
    for kind, _ in SHARES:
        loads[kind] = burst.load(kind)
    return loads, burst.failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6_000)
    parser.add_argument("--warmup", type=int, default=600)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--locations", type=int, default=1_000, help="our own Locations")
    args = parser.parse_args()
    patches = (args.warmup + args.requests) // 5 + 20
    with tempfile.TemporaryDirectory(prefix="openroam-bench-") as tmp:
        seeded, log = Path(tmp) / "seeded.db", Path(tmp) / "servers.log"
        receiver = [("locations", "RECEIVER", f"http://{HOST}:9/ocpi/2.2.1/locations")]
        ids = register_partners(
            seeded,
            [
                PartnerSpec("emsp1", "emsp1-token", "unused", EMSP_PARTY, receiver),
                PartnerSpec("emsp2", "emsp2-token", "unused", EMSP_PARTY, receiver),
                PartnerSpec("cpo", "cpo-token", "unused", PARTNER_CPO),
            ],
        )
        # Enough of our Locations for every status PATCH to change another EVSE.
        seed_locations(seeded, max(args.locations, patches // 2))
        print(
            f"{max(args.locations, patches // 2):,} own Locations; {args.requests:,} requests "
            f"(+{args.warmup:,} warm-up): "
            + ", ".join(f"{share * 5} % {kind}" for kind, share in SHARES)
            + f"; {args.connections} connections; Python {platform.python_version()}; "
            f"load average {load_average()}"
        )
        results = {}
        for label in ("bare", "node"):
            copy = Path(tmp) / f"{label}.db"
            shutil.copyfile(seeded, copy)
            env = node_env(copy, free_port(), [CPO_PARTY, OWN_EMSP])
            port = int(env["OPENROAM_PORT"])
            if label == "bare":
                origins = json.dumps({"locations": ids["cpo"], "tokens": ids["emsp1"]})
                command = [*serve_args("bare-mixed", port, "--db", str(copy)), "--origins", origins]
            else:
                command = serve_args("node", port)
            results[label] = measure(command, env, log, args)
        print_header("mixed load")
        bare, _ = results["bare"]
        node, failures = results["node"]
        for kind in (None, *(kind for kind, _ in SHARES)):
            name = kind or "all requests"
            print_row(f"{name}: bare ASGI", bare[kind])
            print_row(f"{name}: openroam", node[kind], [bare[kind].rate])
        for failure in (results["bare"][1] + failures)[:3]:
            print(f"  failed: {failure.decode(errors='replace')}")
        print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
