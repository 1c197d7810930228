"""ASGI middleware around every request of the OCPI server.

One pure ASGI layer (cheaper than Starlette's BaseHTTPMiddleware) that:

* serves a path with and without a trailing slash alike — Starlette would answer 307, which OCPI
  clients do not follow for POST/PUT (they would have to send the body again, or drop it);
* echoes ``X-Request-ID`` and ``X-Correlation-ID``, generating them when absent
  (transport_and_format.asciidoc "Unique message IDs");
* turns any unexpected exception into a 3000 envelope, logged with the request id, so a partner
  never sees a traceback or a framework-shaped body;
* logs every request as one structured line: method, path, partner, HTTP status, OCPI
  status_code, duration and request id (:class:`openroam._logging.RequestRecord`); lines logged
  while a request is answered get its request id too (``current_request_id``);
* counts it for ``/metrics`` by route template and HTTP status, with its latency
  (:class:`openroam._server.metrics.RequestMetrics`);
* hands a request under ``/ocpi`` with its answer to the node's message log when it has one
  (:class:`MessageTap`; docs/console.md "Message log"): the bodies referenced as they pass (cut
  at the log's ``body_bytes``), appended to the log's buffer — the writing happens elsewhere.

It runs on every request, also on the hot GET list pages: what it adds is kept to dictionary
look-ups and a record handed to the logging handlers (docs/operations.md "What logging and
metrics cost").
"""

from __future__ import annotations

import logging
import time
from random import getrandbits
from typing import Any

from starlette.datastructures import State
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openroam._logging import RequestRecord, current_request_id
from openroam._server.envelope import error_response
from openroam._server.metrics import RequestMetrics
from openroam._services.credentials import Caller
from openroam._services.message_log import MessageLog
from openroam.errors import ServerError

__all__ = ["MessageTap", "OcpiMiddleware", "new_id"]

log = logging.getLogger("openroam.ocpi")

_STATUS_MARKER = b'"status_code":'


# The version (4) and variant (RFC 4122) bits of a random UUID.
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)


def new_id() -> str:
    """A random UUID (version 4) as text, for a request or correlation id the caller did not send.

    These ids must be unique, not unpredictable: the bits come from the process's Mersenne
    Twister (seeded from ``os.urandom``, reseeded in a forked child) rather than from
    ``uuid.uuid4()``'s system call and ``UUID`` object — 3 µs each in a request, two per request.
    """
    text = f"{(getrandbits(128) & _UUID4_CLEAR) | _UUID4_SET:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _ocpi_status(body: bytes) -> int | None:
    # Our envelopes put status_code after data (envelope_bytes), so it is near the end.
    index = body.rfind(_STATUS_MARKER)
    if index < 0:
        return None
    digits = body[index + len(_STATUS_MARKER) : index + len(_STATUS_MARKER) + 4]
    return int(digits) if digits.isdigit() else None


class MessageTap:
    """The message log of the node an app serves (``state.node.message_log``), looked up
    again only when the node changes (it is set on start-up); None: nothing is captured."""

    __slots__ = ("_log", "_node", "_state")

    def __init__(self, state: State) -> None:
        self._state = state
        self._node: object = None
        self._log: MessageLog | None = None

    def log(self) -> MessageLog | None:
        node = getattr(self._state, "node", None)
        if node is not self._node:
            self._node = node
            self._log = getattr(node, "message_log", None)
        return self._log


class OcpiMiddleware:
    """See the module docstring. ``metrics``: where requests are counted (none: not counted);
    ``tap``: where exchanges are logged (none: not logged)."""

    def __init__(
        self, app: ASGIApp, metrics: RequestMetrics | None = None, tap: MessageTap | None = None
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.tap = tap

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            scope = dict(scope, path=path.rstrip("/") or "/")
            scope["raw_path"] = scope["path"].encode()
        request_id = _header(scope, b"x-request-id") or new_id()
        correlation_id = _header(scope, b"x-correlation-id") or new_id()
        scope.setdefault("state", {})
        # For a Hub's forwarding (``_server/hub``): the correlation id goes on with the request.
        scope["state"]["request_ids"] = (request_id, correlation_id)
        extra = [
            (b"x-request-id", request_id.encode("latin-1")),
            (b"x-correlation-id", correlation_id.encode("latin-1")),
        ]
        outcome: dict[str, Any] = {"http_status": None, "status_code": None, "started": False}
        message_log = self.tap.log() if self.tap is not None else None
        # The bodies' pieces as they pass (references, no copies), when the log takes this one.
        answer: list[bytes] | None = None
        asked: list[bytes] = []
        if message_log is not None and path.startswith("/ocpi"):
            answer = []
            receive = _recording(receive, asked)
        context = current_request_id.set(request_id)
        start = time.perf_counter()

        async def send_with_ids(message: Message) -> None:
            if message["type"] == "http.response.start":
                outcome["started"] = True
                outcome["http_status"] = message["status"]
                message = dict(message, headers=[*message.get("headers", ()), *extra])
            elif message["type"] == "http.response.body":
                if answer is not None and message.get("body"):
                    answer.append(message["body"])
                if not message.get("more_body"):
                    outcome["status_code"] = _ocpi_status(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_with_ids)
        except Exception:
            log.exception("unexpected error", extra={"request_id": request_id})
            if outcome["started"]:
                raise
            response = error_response(
                ServerError(f"Unexpected server error; request id {request_id}")
            )
            await response(scope, receive, send_with_ids)
        finally:
            seconds = time.perf_counter() - start
            current_request_id.reset(context)
            if answer is not None:
                assert message_log is not None
                _log_exchange(
                    message_log, scope, outcome, seconds, request_id, correlation_id, asked, answer
                )
            if self.metrics is not None:
                self.metrics.observe(
                    scope["method"],
                    self.metrics.route_of(scope),
                    outcome["http_status"] or 0,  # 0: no answer sent (the client left)
                    seconds,
                )
            if log.isEnabledFor(logging.INFO):
                caller = scope["state"].get("caller")
                log.handle(
                    RequestRecord(
                        log.name,
                        scope["method"],
                        scope["path"],
                        caller.partner_name if caller is not None else None,
                        outcome["http_status"],
                        outcome["status_code"],
                        seconds,
                        request_id,
                    )
                )


def _recording(receive: Receive, pieces: list[bytes]) -> Receive:
    """``receive``, keeping a reference to each piece of the request body."""

    async def recorded() -> Message:
        message = await receive()
        body = message.get("body")
        if body:
            pieces.append(body)
        return message

    return recorded


def _log_exchange(
    message_log: MessageLog,
    scope: Scope,
    outcome: dict[str, Any],
    seconds: float,
    request_id: str,
    correlation_id: str,
    asked: list[bytes],
    answer: list[bytes],
) -> None:
    # The partner: the caller its token told (``scope["state"]["caller"]``, set where a
    # request is authenticated), None when it was not.
    caller: Caller | None = scope["state"].get("caller")
    message_log.append_answered(
        scope["method"],
        scope["path"],
        scope["query_string"],
        caller.partner_id if caller is not None else None,
        caller.partner_name if caller is not None else None,
        outcome["http_status"],
        outcome["status_code"],
        time.time() - seconds,
        seconds,
        request_id,
        correlation_id,
        asked,
        answer,
    )
