"""A small OCPI 2.2.1 platform that no one here wrote, for end-to-end tests of connections: a real
HTTP server (a thread of the test process) on 127.0.0.1.

It accepts only the tokens in ``tokens``, and only in one form: ``raw=True`` wants
``Authorization: Token <token>`` and refuses the Base64-encoded form (as many 2.1.1/2.2
platforms do), ``raw=False`` the reverse (OCPI 2.2.1). Anything else gets HTTP 401. It serves
its versions and 2.2.1 details (``modules``: identifier → interface role), optionally a
credentials GET (``credentials_roles``), one-page Sender lists of ``objects`` per module, and
Receiver PUTs, which it keeps in ``pushed``. Every request is recorded with its Authorization
header. It never registers by itself: a test drives its registration, as its operator would.
"""

from __future__ import annotations

import base64
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


@dataclass
class Request:
    method: str
    path: str
    authorization: str | None


@dataclass
class OcpiPartner:
    raw: bool
    tokens: set[str] = field(default_factory=set)
    #: module identifier → "SENDER" or "RECEIVER"
    modules: dict[str, str] = field(default_factory=dict)
    #: the roles its credentials GET answers; None: it has no credentials module
    credentials_roles: list[dict[str, Any]] | None = None
    #: what each Sender list serves
    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    pushed: dict[str, Any] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    base_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def versions_url(self) -> str:
        return f"{self.base_url}/ocpi/versions"

    def header(self, token: str) -> str:
        """The Authorization value this platform sends (and wants) for ``token``."""
        return f"Token {self._form(token)}"

    def _form(self, token: str) -> str:
        return token if self.raw else base64.b64encode(token.encode()).decode()

    def authorized(self, header: str | None) -> str | None:
        """The token ``header`` carries in this platform's form, or None."""
        value = (header or "").partition(" ")[2].strip()
        return next((token for token in self.tokens if self._form(token) == value), None)

    def calls_from_node(self) -> list[Request]:
        with self.lock:
            return list(self.requests)

    def answer(self, method: str, path: str, auth: str | None, body: Any) -> tuple[int, Any]:
        with self.lock:
            self.requests.append(Request(method, path, auth))
        token = self.authorized(auth)
        if token is None:
            return 401, _envelope(2000, None, "Unknown or malformed token")
        route = path.partition("?")[0].rstrip("/")
        if method == "GET" and route == "/ocpi/versions":
            return 200, _envelope(1000, [{"version": "2.2.1", "url": self.base_url + PREFIX}])
        if method == "GET" and route == PREFIX:
            endpoints = [
                {"identifier": module, "role": role, "url": f"{self.base_url}{PREFIX}/{module}"}
                for module, role in self.modules.items()
            ]
            if self.credentials_roles is not None:
                url = f"{self.base_url}{PREFIX}/credentials"
                endpoints.append({"identifier": "credentials", "role": "SENDER", "url": url})
            return 200, _envelope(1000, {"version": "2.2.1", "endpoints": endpoints})
        if route == f"{PREFIX}/credentials" and method == "GET" and self.credentials_roles:
            data = {"token": token, "url": self.versions_url, "roles": self.credentials_roles}
            return 200, _envelope(1000, data)
        module, _, rest = route.removeprefix(PREFIX + "/").partition("/")
        if method == "GET" and not rest and self.modules.get(module) == "SENDER":
            return 200, _envelope(1000, self.objects.get(module, []))
        if method in ("PUT", "PATCH") and rest and self.modules.get(module) == "RECEIVER":
            with self.lock:
                self.pushed[f"{module}/{rest}"] = body
            return 200, _envelope(1000, None)
        return 404, _envelope(2000, None, f"nothing at {method} {route}")


def _envelope(code: int, data: Any, message: str | None = None) -> dict[str, Any]:
    envelope: dict[str, Any] = {
        "data": data,
        "status_code": code,
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if message:
        envelope["status_message"] = message
    return envelope


def _handler(partner: OcpiPartner) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            auth = self.headers.get("Authorization")
            status, envelope = partner.answer(self.command, self.path, auth, body)
            payload = json.dumps(envelope).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            if isinstance(envelope.get("data"), list):
                # transport_and_format.asciidoc "Pagination": one page holds everything.
                self.send_header("X-Total-Count", str(len(envelope["data"])))
                self.send_header("X-Limit", "100")
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_PUT = do_PATCH = do_POST = do_DELETE = _serve  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def ocpi_partner(**options: Any) -> Iterator[OcpiPartner]:
    """A running :class:`OcpiPartner` on a loopback port."""
    partner = OcpiPartner(**options)
    with serving(_handler(partner)) as url:
        partner.base_url = url
        yield partner
