"""A real node pulls Locations from CPO partners whose DateTimes have a space for the ``T``
(and ``+00:00``), as Python's ``str(datetime)`` writes them (docs/spec-decisions.md "DateTimes
with a space or an offset").

The partners are small real HTTP servers (threads of the test): versions, version details,
credentials and a Locations Sender list. The node registers with each of them
(``openroam register``); then

* a partner read ``lenient`` (``openroam partners reading NAME lenient``) connects: its
  Locations are stored in the spec's form (read back through the backend API with ``T`` and
  ``Z``) and every deviation is counted per field and kind (``GET /api/partners/{name}/
  deviations``);
* a partner read ``strict`` (the default) is refused object by object, with the reason naming
  the field, the value and the deviation in the pull report.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.support import location
from tests.e2e.nodes import NodeConfig, Party, free_port, running
from tests.loopback import serving

ADMIN = "admin-token-for-the-lenient-test"
SPACED = "2026-01-02 10:00:00"


@dataclass
class DatedPartner:
    """A CPO whose DateTimes are written by ``str(datetime)``: a space, and ``+00:00``."""

    party_id: str
    base_url: str = ""

    def locations(self) -> list[dict[str, Any]]:
        found = []
        for number in (1, 2):
            body = location(f"LOC{number}", "DE", self.party_id, last_updated=SPACED)
            body["evses"][0]["last_updated"] = f"{SPACED}Z"
            body["evses"][0]["connectors"][0]["last_updated"] = f"{SPACED}+00:00"
            found.append(body)
        return found

    def answer(self, method: str, path: str) -> dict[str, Any] | None:
        """The envelope's data for a request, or None for an unknown path."""
        base = f"{self.base_url}/ocpi"
        if method == "GET" and path == "/ocpi/versions":
            return {"data": [{"version": "2.2.1", "url": f"{base}/2.2.1"}]}
        if method == "GET" and path == "/ocpi/2.2.1":
            endpoints = [
                {"identifier": "credentials", "role": "SENDER", "url": f"{base}/2.2.1/credentials"},
                {"identifier": "locations", "role": "SENDER", "url": f"{base}/2.2.1/locations"},
            ]
            return {"data": {"version": "2.2.1", "endpoints": endpoints}}
        if method == "POST" and path == "/ocpi/2.2.1/credentials":
            role = {
                "role": "CPO",
                "business_details": {"name": f"CPO {self.party_id}"},
                "country_code": "DE",
                "party_id": self.party_id,
            }
            token = f"token-c-{self.party_id}"
            return {"data": {"token": token, "url": f"{base}/versions", "roles": [role]}}
        if method == "GET" and path.partition("?")[0] == "/ocpi/2.2.1/locations":
            return {"data": self.locations(), "headers": {"X-Total-Count": "2"}}
        return None


def _handler(partner: DatedPartner) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            found = partner.answer(self.command, self.path)
            headers = (found or {}).pop("headers", {})
            envelope = {
                **(found or {}),
                "status_code": 1000 if found is not None else 2000,
                # py_ocpi's envelope timestamp: str(datetime.now(timezone.utc))
                "timestamp": str(datetime.now(UTC)),
            }
            payload = json.dumps(envelope).encode()
            self.send_response(200 if found is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve  # noqa: N815 (http.server names)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def dated_partner(party_id: str) -> Iterator[DatedPartner]:
    partner = DatedPartner(party_id)
    with serving(_handler(partner)) as url:
        partner.base_url = url
        yield partner


@pytest.fixture
def node(tmp_path: Path, database_url: str) -> Iterator[NodeConfig]:
    emsp = NodeConfig(
        name="emsp",
        port=free_port(),
        database_url=database_url,
        parties=[Party("NL", "EMS", "EMSP", "E Mobility")],
        # No background pulls: the test pulls by hand, after choosing the reading policy.
        extra={"OPENROAM_ADMIN_TOKEN": ADMIN, "OPENROAM_WORKER": "false"},
    )
    with running(emsp, tmp_path):
        yield emsp


def _api(node: NodeConfig, path: str) -> Any:
    response = httpx.get(
        f"{node.base_url}{path}", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _register(node: NodeConfig, partner: DatedPartner, name: str) -> None:
    node.cli(
        "register",
        f"{partner.base_url}/ocpi/versions",
        "--token",
        "token-a",
        "--name",
        name,
        "--role",
        "CPO",
        "--party",
        f"DE*{partner.party_id}",
    )


def test_a_lenient_partner_connects_and_its_deviations_are_counted(node: NodeConfig) -> None:
    with dated_partner("CPL") as partner:
        _register(node, partner, "cpo-lenient")
        changed = node.cli("partners", "reading", "cpo-lenient", "lenient")
        assert "cpo-lenient is read lenient" in changed.stdout
        pulled = node.cli("pull", "cpo-lenient", "--module", "locations", "--full")
    assert "locations from cpo-lenient: 2 stored, 0 unchanged, 0 invalid" in pulled.stdout, (
        pulled.stdout
    )

    # Stored, and served onward, in the spec's form (types.asciidoc "DateTime").
    stored = _api(node, "/api/partners/cpo-lenient/locations")
    assert sorted(doc["id"] for doc in stored) == ["LOC1", "LOC2"]
    for doc in stored:
        assert doc["last_updated"] == "2026-01-02T10:00:00Z"
        assert doc["evses"][0]["last_updated"] == "2026-01-02T10:00:00Z"
        assert doc["evses"][0]["connectors"][0]["last_updated"] == "2026-01-02T10:00:00Z"

    # Each deviation counted per field and kind: what the operator tells the partner to fix.
    found = _api(node, "/api/partners/cpo-lenient/deviations")
    assert found["reading_policy"] == "lenient"
    counted = {(d["module"], d["field"], d["kind"]): d["count"] for d in found["deviations"]}
    assert counted == {
        ("locations", "last_updated", "space"): 2,
        ("locations", "evses.last_updated", "space"): 2,
        ("locations", "evses.connectors.last_updated", "space"): 2,
        ("locations", "evses.connectors.last_updated", "utc_offset"): 2,
    }
    examples = {d["field"]: d["example"] for d in found["deviations"]}
    assert examples["evses.connectors.last_updated"] == f"{SPACED}+00:00"

    # Shown again with the policy.
    shown = node.cli("partners", "reading", "cpo-lenient", "lenient")
    assert "evses.connectors.last_updated" in shown.stdout
    # ... and in the operator view of the connection.
    status = _api(node, "/api/partners/cpo-lenient")
    assert status["reading_policy"] == "lenient"
    assert {(d["field"], d["kind"]) for d in status["deviations"]} == {
        (field, kind) for _, field, kind in counted
    }
    shown = node.cli("partners", "show", "cpo-lenient")
    assert "reading:        lenient" in shown.stdout
    assert "utc_offset" in shown.stdout


def test_a_strict_partner_is_refused_with_the_field_value_and_deviation(
    node: NodeConfig,
) -> None:
    with dated_partner("CPS") as partner:
        _register(node, partner, "cpo-strict")
        pulled = node.cli("pull", "cpo-strict", "--module", "locations", "--full")
    assert "locations from cpo-strict: 0 stored, 0 unchanged, 2 invalid" in pulled.stdout, (
        pulled.stdout
    )
    reasons = {
        line.split(": ", 1)[0].strip(): line.split(": ", 1)[1]
        for line in pulled.stdout.splitlines()
        if line.strip().startswith("invalid ")
    }
    assert set(reasons) == {"invalid LOC1", "invalid LOC2"}, pulled.stdout
    for reason in reasons.values():
        assert f"$.last_updated: '{SPACED}' is not an OCPI DateTime (space instead of T)" in reason
        assert (
            f"$.evses[0].connectors[0].last_updated: '{SPACED}+00:00' is not an OCPI DateTime "
            "(space instead of T, +00:00 instead of Z)"
        ) in reason
    assert _api(node, "/api/partners/cpo-strict/locations") == []
    found = _api(node, "/api/partners/cpo-strict/deviations")
    assert found == {"reading_policy": "strict", "deviations": []}
