"""A partner platform as a small real HTTP server that records every request with all its
headers, and answers from what the test routed (default: an OCPI success without data)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.client.ocpi_fakes import envelope
from tests.loopback import serving


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def routing(self) -> dict[str, str]:
        """Its OCPI-from/to headers, by lower-case name."""
        return {k: v for k, v in self.headers.items() if k.startswith(("ocpi-from", "ocpi-to"))}

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Recorder:
    url: str = ""
    requests: list[Request] = field(default_factory=list)
    #: path prefix → (HTTP status, body, headers)
    answers: dict[str, tuple[int, Any, dict[str, str]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, prefix: str, data: Any = None, **headers: str) -> None:
        self.answers[prefix] = (200, envelope(data), headers)

    def seen(self, method: str, path_part: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.method == method and path_part in r.path]

    def _reply(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            self.requests.append(request)
            for prefix, answer in sorted(self.answers.items(), key=lambda a: -len(a[0])):
                if request.path.startswith(prefix):
                    return answer
        return 200, envelope(None), {}


def routing(from_party: tuple[str, str] | None, to_party: tuple[str, str] | None) -> dict[str, str]:
    """The routing headers a request names, by lower-case name, as :meth:`Request.routing`."""
    headers: dict[str, str] = {}
    if from_party is not None:
        headers["ocpi-from-country-code"], headers["ocpi-from-party-id"] = from_party
    if to_party is not None:
        headers["ocpi-to-country-code"], headers["ocpi-to-party-id"] = to_party
    return headers


def _handler(server: Recorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                self.command,
                self.path,
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length) if length else b"",
            )
            status, body, headers = server._reply(request)
            payload = json.dumps(body).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_PUT = do_PATCH = do_DELETE = do_POST = _serve  # noqa: N815 (http.server)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    with serving(_handler(server), poll_interval=0.05) as url:
        server.url = url
        yield server
