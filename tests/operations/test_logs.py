"""Log lines of ``openroam serve`` (docs/operations.md "Logs"): text or one JSON object per line,
written by a thread; the request line carries method, path, partner, statuses, duration and
request id as fields, and any line logged while a request is answered carries its request id."""

from __future__ import annotations

import base64
import io
import json
import logging
from typing import Any

from openroam._logging import RequestRecord, _BatchWriter, _LogWriter, logging_to
from openroam._services.node import Node
from openroam._store.db import Database
from tests.operations.conftest import app_for, client_for, node_on
from tests.operations.support import register_receiver


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def _token(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


async def test_json_lines_have_the_request_partner_and_module_as_fields(
    node: Node, database: Database
) -> None:
    await register_receiver(database, "emsp", "http://127.0.0.1:9", [])
    stream = io.StringIO()
    with logging_to(stream, log_format="json"):
        async with client_for(app_for(node)) as http:
            answer = await http.get(
                "/ocpi/2.2.1/sender/locations",
                headers=_token("token-c-emsp") | {"X-Request-ID": "req-1"},
            )
            assert answer.status_code == 200, answer.text
            await http.get("/health", headers={"X-Request-ID": "req-2"})
        # As the pull and push workers name what they work on ("module" is a LogRecord
        # attribute already: the OCPI module is "ocpi_module", written as "module").
        logging.getLogger("openroam._delivery").warning(
            "pull of %s failed", "locations", extra={"partner": "emsp", "ocpi_module": "locations"}
        )
    lines = _lines(stream)  # every line is one JSON object
    (request,) = [line for line in lines if line.get("request_id") == "req-1"]
    assert request["logger"] == "openroam.ocpi"
    assert request["level"] == "INFO"
    assert (request["method"], request["path"]) == ("GET", "/ocpi/2.2.1/sender/locations")
    assert request["partner"] == "emsp"
    assert (request["http_status"], request["status_code"]) == (200, 1000)
    assert request["duration_ms"] >= 0
    assert request["message"].startswith("GET /ocpi/2.2.1/sender/locations partner=emsp")
    assert request["time"].endswith("+00:00")
    (health,) = [line for line in lines if line.get("request_id") == "req-2"]
    assert health["partner"] is None  # no partner calls /health
    (pull,) = [line for line in lines if line["logger"] == "openroam._delivery"]
    assert pull["message"] == "pull of locations failed"
    assert (pull["partner"], pull["module"], pull["level"]) == ("emsp", "locations", "WARNING")
    assert "request_id" not in pull  # logged outside any request


async def test_a_line_logged_while_answering_a_request_has_its_request_id(
    tmp_path: object,
) -> None:
    # Readiness logs why the database is unreachable, while answering /ready.
    db = Database.connect(f"sqlite+aiosqlite:///{tmp_path}/no/such/directory/openroam.db")
    stream = io.StringIO()
    try:
        with logging_to(stream, log_format="json"):
            async with client_for(app_for(node_on(db))) as http:
                response = await http.get("/ready", headers={"X-Request-ID": "probe-7"})
    finally:
        await db.dispose()
    assert response.status_code == 503
    lines = _lines(stream)
    (warning,) = [line for line in lines if line["logger"] == "openroam.monitoring"]
    assert warning["level"] == "WARNING"
    assert warning["request_id"] == "probe-7"
    (request,) = [line for line in lines if line["logger"] == "openroam.ocpi"]
    assert (request["request_id"], request["http_status"]) == ("probe-7", 503)


async def test_text_lines_by_default(node: Node) -> None:
    stream = io.StringIO()
    with logging_to(stream, level="info"):
        async with client_for(app_for(node)) as http:
            await http.get("/health", headers={"X-Request-ID": "text-1"})
    (line,) = [line for line in stream.getvalue().splitlines() if "text-1" in line]
    # "2026-12-07 14:28:05,063 INFO openroam.ocpi GET /health partner=None http=200 …"
    date, clock, level, logger, rest = line.split(" ", 4)
    assert len(date) == 10
    assert len(clock) == 12  # HH:MM:SS,mmm
    assert (level, logger) == ("INFO", "openroam.ocpi")
    assert rest.startswith("GET /health partner=None http=200 status_code=None ")
    assert rest.endswith("ms request_id=text-1")


def test_lines_are_written_while_logging_goes_on() -> None:
    """Not only at the end: the thread writes what is queued within its interval."""
    stream = io.StringIO()
    with logging_to(stream):
        logging.getLogger("openroam.test").info("first line")
        found = _eventually(lambda: "first line" in stream.getvalue())
    assert found


def test_lines_beyond_the_queue_capacity_are_dropped_and_counted() -> None:
    stream = io.StringIO()
    output = _BatchWriter(stream)
    writer = _LogWriter(output, capacity=3)
    for number in range(5):  # the thread is not started yet: nothing is written
        writer.put(_request(f"r{number}"))
    writer.start()
    writer.stop()
    output.flush()
    lines = stream.getvalue().splitlines()
    assert [line.rsplit("=", 1)[1] for line in lines[:3]] == ["r0", "r1", "r2"]
    assert lines[3] == "2 log lines dropped: the log stream did not keep up"


def _request(request_id: str) -> RequestRecord:
    return RequestRecord("openroam.ocpi", "GET", "/health", None, 200, None, 0.001, request_id)


def _eventually(check: Any, seconds: float = 10.0) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.01)
    return False
