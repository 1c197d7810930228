"""A party connected to a Hub, for the HubClientInfo tests: a small real OCPI 2.2.1 server (a
thread of the test process) on 127.0.0.1 that records every request with its headers and body.

It serves its versions and details (``modules``: identifier → interface role, ``hubclientinfo``
RECEIVER by default), a credentials GET naming ``roles``, empty Sender lists, and takes PUTs on
its Receivers. With ``down`` set it answers everything with HTTP 503 (a platform that is not
there), so the Hub's still-alive check fails.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.loopback import serving

PREFIX = "/ocpi/2.2.1"


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Party:
    """A party's platform; ``token`` is what the Hub calls it with."""

    token: str
    roles: list[dict[str, Any]]
    modules: dict[str, str] = field(default_factory=lambda: {"hubclientinfo": "RECEIVER"})
    down: bool = False
    seen: list[Seen] = field(default_factory=list)
    base_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def versions_url(self) -> str:
        return f"{self.base_url}/ocpi/versions"

    def requests(self, method: str | None = None, under: str = "") -> list[Seen]:
        with self.lock:
            return [
                s
                for s in self.seen
                if (method is None or s.method == method) and s.path.startswith(PREFIX + under)
            ]

    def client_infos(self) -> dict[str, dict[str, Any]]:
        """The last ClientInfo PUT for each ``CC/PID``."""
        return {
            s.path.removeprefix(f"{PREFIX}/hubclientinfo/"): s.body
            for s in self.requests("PUT", "/hubclientinfo/")
        }

    def answer(self, seen: Seen) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.seen.append(seen)
            down = self.down
        if down:
            return 503, _envelope(3000, None, "down")
        if seen.headers.get("authorization") not in (f"Token {self.token}", _b64(self.token)):
            return 401, _envelope(2000, None, "unknown token")
        route = seen.path.partition("?")[0].rstrip("/")
        if seen.method == "GET" and route == "/ocpi/versions":
            return 200, _envelope(1000, [{"version": "2.2.1", "url": self.base_url + PREFIX}])
        if seen.method == "GET" and route == PREFIX:
            endpoints = [
                {"identifier": m, "role": r, "url": f"{self.base_url}{PREFIX}/{m}"}
                for m, r in self.modules.items()
            ]
            endpoints.append(
                {
                    "identifier": "credentials",
                    "role": "SENDER",
                    "url": f"{self.base_url}{PREFIX}/credentials",
                }
            )
            return 200, _envelope(1000, {"version": "2.2.1", "endpoints": endpoints})
        if route == f"{PREFIX}/credentials" and seen.method == "GET":
            data = {"token": self.token, "url": self.versions_url, "roles": self.roles}
            return 200, _envelope(1000, data)
        module, _, rest = route.removeprefix(PREFIX + "/").partition("/")
        if seen.method == "GET" and not rest and self.modules.get(module) == "SENDER":
            return 200, _envelope(1000, [])
        if seen.method == "PUT" and rest and self.modules.get(module) == "RECEIVER":
            return 200, _envelope(1000, None)
        return 404, _envelope(2000, None, f"nothing at {seen.method} {route}")


def _b64(token: str) -> str:
    import base64

    return "Token " + base64.b64encode(token.encode()).decode()


def _envelope(code: int, data: Any, message: str | None = None) -> dict[str, Any]:
    envelope: dict[str, Any] = {
        "data": data,
        "status_code": code,
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if message:
        envelope["status_message"] = message
    return envelope


def _handler(party: Party) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            seen = Seen(self.command, self.path, headers, json.loads(raw) if raw else None)
            status, envelope = party.answer(seen)
            payload = json.dumps(envelope).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            if isinstance(envelope.get("data"), list):
                self.send_header("X-Total-Count", str(len(envelope["data"])))
                self.send_header("X-Limit", "100")
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_PUT = do_PATCH = do_POST = do_DELETE = _serve  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def party_platform(token: str, role: str, country_code: str, party_id: str) -> Iterator[Party]:
    """A running :class:`Party` hosting one party."""
    details = {"name": f"{country_code}*{party_id}"}
    roles = [
        {
            "role": role,
            "business_details": details,
            "party_id": party_id,
            "country_code": country_code,
        }
    ]
    party = Party(token, roles)
    with serving(_handler(party)) as url:
        party.base_url = url
        yield party
