"""A real node (``openroam serve``) as production runs it, on SQLite and PostgreSQL: ``/metrics``
shows the delivery backlog of a partner that is down growing, and draining once it answers again
(a fake partner: a small real HTTP server answering 503 meanwhile); ``/health`` and ``/ready``;
its log lines as JSON objects, the last ones written when SIGTERM stops it."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from openroam._store.db import Database
from tests.api.support import location
from tests.delivery.fake_partner import fake_partner
from tests.e2e.nodes import NodeConfig, Party, eventually, free_port, running
from tests.operations.support import register_receiver, samples, value

ADMIN = "e2e-admin-token"
DOWN_FOR = 1_000_000  # requests answered 503: until the test says otherwise


def _backlog(http: httpx.Client, partner: str) -> float | None:
    response = http.get("/metrics")
    assert response.status_code == 200, response.text
    return value(samples(response.text), "openroam_delivery_backlog", partner=partner)


def _put_location(http: httpx.Client, location_id: str) -> None:
    response = http.put(
        f"/api/locations/NL/ORM/{location_id}",
        json=location(location_id),
        headers={"Authorization": f"Bearer {ADMIN}"},
    )
    assert response.status_code in (200, 201), response.text


async def _register(database_url: str, base_url: str) -> None:
    db = Database.connect(database_url)
    try:
        await register_receiver(db, "fake", base_url, ["locations"])
    finally:
        await db.dispose()


async def test_metrics_show_a_backlog_growing_while_a_partner_is_down_and_draining_after(
    database_url: str, tmp_path: Path
) -> None:
    node = NodeConfig(
        name="cpo",
        port=free_port(),
        database_url=database_url,
        parties=[Party("NL", "ORM", "CPO", "Operations CPO")],
        extra={
            "OPENROAM_ADMIN_TOKEN": ADMIN,
            # Retries at most a second apart: the backlog drains soon after the partner is back.
            "OPENROAM_PUSH_MAX_DELAY": "1",
            "OPENROAM_LOG_FORMAT": "json",
        },
    )
    first, second = ["L1", "L2"], ["L3", "L4", "L5"]
    down = dict.fromkeys(first + second, DOWN_FOR)
    with fake_partner(unavailable=down) as partner, running(node, tmp_path):
        await _register(database_url, partner.base_url)
        with httpx.Client(base_url=node.base_url, timeout=30) as http:
            assert http.get("/health").json() == {"status": "ok"}
            ready = http.get("/ready")
            assert ready.status_code == 200, ready.text
            assert _backlog(http, "fake") == 0

            for location_id in first:
                _put_location(http, location_id)
            # The worker tries and the partner refuses (503): the pushes stay in the backlog.
            eventually("the partner refused a push", lambda: bool(partner.received))
            assert _backlog(http, "fake") == len(first)
            for location_id in second:
                _put_location(http, location_id)
            assert _backlog(http, "fake") == len(first) + len(second)
            found = samples(http.get("/metrics").text)
            oldest = value(found, "openroam_delivery_oldest_pending_seconds", partner="fake")
            assert oldest is not None
            assert oldest > 0
            assert partner.copy_of("locations") == {}

            with partner.lock:
                partner.unavailable.clear()  # the partner is back
            eventually("the backlog drained", lambda: _backlog(http, "fake") == 0)
            delivered = partner.copy_of("locations")
            assert sorted(delivered) == [f"NL/ORM/{i}" for i in first + second]
            found = samples(http.get("/metrics").text)
            assert value(found, "openroam_deliveries_failed", partner="fake") == 0
            # What the scrapes themselves looked like to Prometheus.
            scrapes = value(
                found, "openroam_http_requests_total", method="GET", route="/metrics", status="200"
            )
            assert scrapes is not None
            assert scrapes >= 5

    # --log-format json (here OPENROAM_LOG_FORMAT): every log line is a JSON object (the three
    # lines before them are the terminal's: the listen address, the versions URL, the operator
    # console's address), down to the last one of the shutdown.
    output = (tmp_path / "cpo.log").read_text().splitlines()
    lines = [json.loads(line) for line in output if line.startswith("{")]
    assert len(lines) == len(output) - 3
    assert output[2].startswith("operator console: ")
    puts = [line for line in lines if line.get("method") == "PUT"]
    assert len(puts) == len(first) + len(second)
    assert all(line["http_status"] in (200, 201) and line["request_id"] for line in puts)
    assert lines[-1]["message"].startswith("Finished server process")
