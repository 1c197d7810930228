"""Events over real HTTP: the eMSP node receives a CPO's Session through OCPI and POSTs its
events, signed, to the eMSP backend's webhook receiver — retried after failures, in order per
Session: the receiver gets every event once or more, in order per Session (docs/backend-api.md
"Webhooks")."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from openroam._delivery.webhooks import verify_signature
from tests.e2e.nodes import NodeConfig, Party, admin_api, eventually, free_port, running_together
from tests.e2e.test_roaming import FAST, _register

SECRET = "e2e-webhook-secret"


class Receiver:
    """A webhook receiver: verifies each request, refuses the first ``fail`` with HTTP 500."""

    def __init__(self, fail: int) -> None:
        self.fail = fail
        self.accepted: list[dict[str, Any]] = []
        self.refused = 0
        self.forged = 0
        self.lock = threading.Lock()

    def handle(self, body: bytes, headers: Any) -> int:
        authentic = verify_signature(
            SECRET.encode(),
            body,
            headers.get("X-Openroam-Timestamp", ""),
            headers.get("X-Openroam-Signature", ""),
        )
        with self.lock:
            if not authentic:
                self.forged += 1
                return 401
            if self.fail:
                self.fail -= 1
                self.refused += 1
                return 500
            self.accepted.append(json.loads(body))
            return 204


@pytest.fixture
def receiver() -> Iterator[tuple[str, Receiver]]:
    state = Receiver(fail=2)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(state.handle(body, self.headers))
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks", state
    finally:
        server.shutdown()
        server.server_close()


def _session(stamp: str, **changes: Any) -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "CPO",
        "id": "S1",
        "start_date_time": "2026-01-01T10:00:00Z",
        "kwh": 0,
        "cdr_token": {
            "country_code": "DE",
            "party_id": "MSP",
            "uid": "0123456789",
            "type": "RFID",
            "contract_id": "DE-MSP-C0123456789",
        },
        "auth_method": "WHITELIST",
        "location_id": "LOC1",
        "evse_uid": "LOC1-E1",
        "connector_id": "1",
        "currency": "EUR",
        "status": "ACTIVE",
        "last_updated": stamp,
    } | changes


def test_session_events_reach_the_emsp_webhook_in_order(
    tmp_path: Path, database_url: str, receiver: tuple[str, Receiver]
) -> None:
    url, state = receiver
    cpo = NodeConfig(
        "cpo",
        free_port(),
        f"sqlite+aiosqlite:///{tmp_path / 'cpo.db'}",
        [Party("NL", "CPO", "CPO", "CPO Charging")],
        FAST,
    )
    webhooks = {
        "OPENROAM_WEBHOOKS__SECRET": SECRET,
        "OPENROAM_WEBHOOKS__URLS": json.dumps({"*": url}),
        "OPENROAM_WEBHOOKS__MAX_DELAY": "1",
    }
    emsp = NodeConfig(
        "emsp",
        free_port(),
        database_url,
        [Party("DE", "MSP", "EMSP", "MSP Mobility")],
        FAST | webhooks,
    )
    with running_together((cpo, emsp), tmp_path):
        _register(cpo, emsp)
        admin_api(cpo, "PUT", "sessions/NL/CPO/S1", _session("2026-01-01T10:00:00Z"))
        for minute in range(1, 6):
            stamp = f"2026-01-01T10:{minute:02d}:00Z"
            period = {"start_date_time": stamp, "dimensions": [{"type": "ENERGY", "volume": 1}]}
            patch = {"kwh": minute, "charging_periods": [period], "last_updated": stamp}
            admin_api(cpo, "PATCH", "sessions/NL/CPO/S1", patch)
            time.sleep(0.1)
        end = {"status": "COMPLETED", "end_date_time": "2026-01-01T10:10:00Z"}
        admin_api(
            cpo, "PATCH", "sessions/NL/CPO/S1", end | {"last_updated": "2026-01-01T10:10:00Z"}
        )

        def ended() -> bool:
            with state.lock:
                return any(event["type"] == "session.ended" for event in state.accepted)

        eventually("session.ended at the eMSP's webhook receiver", ended)

        def all_delivered() -> bool:
            found = admin_api(emsp, "GET", "events?subject=session:NL/CPO/S1").json()["data"]
            return all(e["webhook"]["state"] == "delivered" for e in found)

        eventually("every event recorded as delivered", all_delivered)
        listed = admin_api(emsp, "GET", "events?subject=session:NL/CPO/S1").json()["data"]

    with state.lock:
        accepted = list(state.accepted)
    assert state.forged == 0
    assert state.refused == 2  # the receiver failed twice; the events came anyway
    unique = {event["id"]: event for event in accepted}
    in_order = [event["sequence"] for event in accepted]
    # In order per session: each event is first received after every earlier one.
    assert in_order == sorted(in_order)
    assert sorted(unique) == sorted(e["id"] for e in listed)
    kinds = [unique[event_id]["type"] for event_id in sorted(unique)]
    assert kinds[0] == "session.started"
    assert kinds[-1] == "session.ended"
    assert set(kinds[1:-1]) <= {"session.updated"}
    final = unique[max(unique)]["data"]["session"]
    assert (final["status"], final["kwh"]) == ("COMPLETED", 5)
    assert len(final["charging_periods"]) == 5
