"""Crash tests of push delivery (docs/architecture.md "Delivery"), on SQLite and PostgreSQL:
a real node (``openroam serve``, no worker inside), real ``openroam worker`` processes and a
fake partner that is a small real HTTP server applying what it receives in arrival order.

(a) A worker is killed (SIGKILL) while PUTs, DELETEs and PATCHes of the same objects go on, and
    a new worker is started; (b) two workers run at once during the same kind of traffic.
Afterwards the partner's copy of every object equals ours, and nothing is pending or failed:
no accepted change was lost or delivered out of order (a DELETE leased by the dead worker must
not overtake a later PUT of the same Tariff once its lease runs out).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from openroam._store.db import Database
from tests.api.support import location, tariff
from tests.delivery.fake_partner import FakePartner, fake_partner, register
from tests.e2e.nodes import NodeConfig, Party, free_port, running, stop

ADMIN = "e2e-admin-token"
TRAFFIC_SECONDS = 3.0
SETTLE_SECONDS = 60.0
#: the least number of changes one traffic run makes, whatever the machine's speed
MIN_STEPS = 25
TARIFFS = [f"T{n}" for n in range(5)]
LOCATIONS = [f"L{n}" for n in range(3)]
START = datetime(2026, 2, 1, tzinfo=UTC)


def _node(database_url: str) -> NodeConfig:
    return NodeConfig(
        name="cpo",
        port=free_port(),
        database_url=database_url,
        parties=[Party("NL", "ORM", "CPO", "Crash CPO")],
        extra={
            "OPENROAM_ADMIN_TOKEN": ADMIN,
            "OPENROAM_WORKER": "false",
            # Short enough for the test, longer than a worker's start: the new worker finds the
            # dead one's rows still leased.
            "OPENROAM_PUSH_LEASE_SECONDS": "4",
            "OPENROAM_PUSH_MAX_DELAY": "1",
        },
    )


@contextmanager
def _worker(node: NodeConfig, log_dir: Path, name: str) -> Iterator[subprocess.Popen[bytes]]:
    log = (log_dir / f"{name}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "openroam", "worker"],
        env=node.env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        stop(process)
        log.close()


def _api(http: httpx.Client, method: str, path: str, body: Any = None) -> httpx.Response:
    response = http.request(method, f"/api/{path}", json=body)
    # Partners are not the only ones never to see a 5xx: concurrent writes of one object get
    # 200/201, or 404 for a DELETE/PATCH of an object gone meanwhile.
    assert response.status_code < 500, f"{method} {path}: {response.status_code} {response.text}"
    return response


class Traffic:
    """Seeded random PUT/DELETE of Tariffs and PUT/PATCH of Locations, each with a newer
    ``last_updated`` than the one before."""

    def __init__(self, http: httpx.Client, seed: int) -> None:
        self.http = http
        self.random = random.Random(seed)
        self.step = 0

    def stamp(self) -> str:
        self.step += 1
        return (START + timedelta(seconds=self.step)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def put_tariff(self, tariff_id: str) -> None:
        body = tariff(tariff_id, last_updated=self.stamp())
        _api(self.http, "PUT", f"tariffs/NL/ORM/{tariff_id}", body)

    def one(self) -> None:
        if self.random.random() < 0.6:
            tariff_id = self.random.choice(TARIFFS)
            if self.random.random() < 0.4:
                _api(self.http, "DELETE", f"tariffs/NL/ORM/{tariff_id}")
                if self.random.random() < 0.5:  # deleted and created again at once
                    self.put_tariff(tariff_id)
            else:
                self.put_tariff(tariff_id)
        else:
            location_id = self.random.choice(LOCATIONS)
            if self.random.random() < 0.5:
                body = location(location_id, last_updated=self.stamp())
                _api(self.http, "PUT", f"locations/NL/ORM/{location_id}", body)
            else:
                patch = {"name": f"name {self.step}", "last_updated": self.stamp()}
                _api(self.http, "PATCH", f"locations/NL/ORM/{location_id}", patch)

    def run(self, seconds: float) -> None:
        """Changes for ``seconds``, and on until at least ``MIN_STEPS`` more were made: on a
        loaded machine a few seconds may hold only a handful of requests (bounded by
        ``SETTLE_SECONDS``)."""
        started = time.monotonic()
        first_step = self.step
        while time.monotonic() - started < seconds or (
            self.step - first_step < MIN_STEPS and time.monotonic() - started < SETTLE_SECONDS
        ):
            self.one()


def _ours(http: httpx.Client, module: str) -> dict[str, dict[str, Any]]:
    documents = _api(http, "GET", f"{module}?limit=1000").json()["data"]
    return {f"{d['country_code']}/{d['party_id']}/{d['id']}".upper(): d for d in documents}


def _settled(http: httpx.Client) -> None:
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        if not _api(http, "GET", "deliveries?state=pending").json()["data"]:
            return
        time.sleep(0.1)
    pending = _api(http, "GET", "deliveries?state=pending").json()["data"]
    raise AssertionError(f"still pending after {SETTLE_SECONDS}s: {json.dumps(pending)[:2000]}")


def _assert_equal(http: httpx.Client, partner: FakePartner) -> None:
    _settled(http)
    assert _api(http, "GET", "deliveries?state=failed").json()["data"] == []
    for module in ("tariffs", "locations"):
        ours, theirs = _ours(http, module), partner.copy_of(module)
        assert sorted(theirs) == sorted(ours), module
        for key, document in ours.items():
            assert theirs[key] == document, (module, key)


@contextmanager
def _setup(database_url: str, tmp_path: Path) -> Iterator[tuple[NodeConfig, FakePartner]]:
    node = _node(database_url)
    # DELETEs take a while (and are applied at the end of it), so a worker is often in the
    # middle of one, and a later PUT of the same Tariff sent meanwhile would overtake it.
    delays = {"DELETE": 0.3, "PUT": 0.01, "PATCH": 0.01}
    with fake_partner(delays=delays) as partner, running(node, tmp_path):
        yield node, partner


async def _register(database_url: str, partner: FakePartner) -> None:
    db = Database.connect(database_url)
    try:
        await register(db, partner, "fake", ["tariffs", "locations"])
    finally:
        await db.dispose()


def _client(node: NodeConfig) -> httpx.Client:
    headers = {"Authorization": f"Bearer {ADMIN}"}
    return httpx.Client(base_url=node.base_url, headers=headers, timeout=30)


async def test_a_killed_worker_loses_nothing(database_url: str, tmp_path: Path) -> None:
    with _setup(database_url, tmp_path) as (node, partner), _client(node) as http:
        await _register(database_url, partner)
        traffic = Traffic(http, seed=1)
        with _worker(node, tmp_path, "worker-1") as first:
            traffic.run(TRAFFIC_SECONDS * 2 / 3)
            # Killed (SIGKILL) in the middle of sending a DELETE: that row, and the others it
            # claimed, stay leased until the lease runs out.
            partner.delete_arrived.clear()
            while not partner.delete_arrived.wait(0.01):
                traffic.one()
            first.kill()
            first.wait(timeout=10)
        traffic.run(TRAFFIC_SECONDS / 3)
        for tariff_id in TARIFFS:  # each Tariff exists at the end: a late DELETE would show
            traffic.put_tariff(tariff_id)
        with _worker(node, tmp_path, "worker-2"):
            _assert_equal(http, partner)
        assert traffic.step > 20  # the traffic did run
        # What an operator sees: nothing pending or failed, the delivered rows on request.
        assert "no deliveries" in node.cli("deliveries").stdout
        listed = node.cli("deliveries", "--all", "--partner", "fake").stdout
        assert "next attempt" in listed
        assert "delivered" in listed
        assert node.cli("deliveries", "skip", "999999", check=False).returncode == 1


async def test_two_workers_at_once_lose_nothing(database_url: str, tmp_path: Path) -> None:
    with _setup(database_url, tmp_path) as (node, partner), _client(node) as http:
        await _register(database_url, partner)
        traffic = Traffic(http, seed=2)
        with _worker(node, tmp_path, "worker-1"), _worker(node, tmp_path, "worker-2"):
            traffic.run(TRAFFIC_SECONDS)
            _assert_equal(http, partner)
        assert traffic.step > 20
