"""A partner as a small real HTTP server on 127.0.0.1 (a thread of the test process), for the
client's HTTP behaviour: redirects, timeouts and repetitions.

Each path answers with what the test routed to it (:meth:`HttpPartner.route`): a fixed answer,
a list of answers taken one per request (the last repeats), or a redirect. Every request is
recorded with its method, path, Authorization header, X-Request-ID and body, so a test can tell
what reached this server, and with which token.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.client.ocpi_fakes import envelope
from tests.loopback import serving


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    #: seconds before answering (a slow partner)
    delay: float = 0.0

    @classmethod
    def ok(cls, data: Any = None, **headers: str) -> Answer:
        return cls(200, envelope(data), headers)

    @classmethod
    def redirect(cls, status: int, location: str) -> Answer:
        return cls(status, None, {"Location": location})


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    authorization: str | None
    request_id: str | None
    body: bytes


@dataclass
class HttpPartner:
    url: str = ""
    routes: dict[str, list[Answer]] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def route(self, path: str, *answers: Answer) -> None:
        """``path`` (with its query, if any) answers ``answers`` in turn, the last repeating."""
        self.routes[path] = list(answers)

    @property
    def paths(self) -> list[str]:
        return [seen.path for seen in self.requests]

    def answer(self, seen: Seen) -> Answer:
        with self.lock:
            self.requests.append(seen)
            answers = self.routes.get(seen.path)
            if not answers:
                return Answer(404, envelope(None, 2000, f"nothing at {seen.path}"))
            return answers.pop(0) if len(answers) > 1 else answers[0]


def _handler(partner: HttpPartner) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            seen = Seen(
                self.command,
                self.path,
                self.headers.get("Authorization"),
                self.headers.get("X-Request-ID"),
                self.rfile.read(length) if length else b"",
            )
            answer = partner.answer(seen)
            time.sleep(answer.delay)
            payload = json.dumps(answer.body).encode() if answer.body is not None else b""
            try:
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client gave up waiting (a timeout test)

        do_GET = do_PUT = do_PATCH = do_DELETE = do_POST = _serve  # noqa: N815 (http.server)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def http_partner() -> Iterator[HttpPartner]:
    """A running :class:`HttpPartner` on its own loopback port."""
    partner = HttpPartner()
    with serving(_handler(partner), poll_interval=0.05) as url:
        partner.url = url
        yield partner
