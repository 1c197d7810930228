"""ASGI middleware around every request of the OCPI server.

One pure ASGI layer (cheaper than Starlette's BaseHTTPMiddleware) that:

* serves a path with and without a trailing slash alike — Starlette would answer 307, which OCPI
  clients do not follow for POST/PUT (they would have to send the body again, or drop it);
* echoes ``X-Request-ID`` and ``X-Correlation-ID``, generating them when absent
  (transport_and_format.asciidoc "Unique message IDs");
* turns any unexpected exception into a 3000 envelope, logged with the request id, so a partner
  never sees a traceback or a framework-shaped body;
* logs every request as one structured line: method, path, partner, HTTP status, OCPI
  status_code and duration.
"""

from __future__ import annotations

import logging
import time
from random import getrandbits
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openroam._server.envelope import error_response
from openroam.errors import ServerError

__all__ = ["OcpiMiddleware", "new_id"]

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


class OcpiMiddleware:
    """See the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
        extra = [
            (b"x-request-id", request_id.encode("latin-1")),
            (b"x-correlation-id", correlation_id.encode("latin-1")),
        ]
        outcome: dict[str, Any] = {"http_status": None, "status_code": None, "started": False}
        start = time.perf_counter()

        async def send_with_ids(message: Message) -> None:
            if message["type"] == "http.response.start":
                outcome["started"] = True
                outcome["http_status"] = message["status"]
                message = dict(message, headers=[*message.get("headers", ()), *extra])
            elif message["type"] == "http.response.body" and not message.get("more_body"):
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
            self._log(scope, request_id, outcome, time.perf_counter() - start)

    @staticmethod
    def _log(scope: Scope, request_id: str, outcome: dict[str, Any], seconds: float) -> None:
        if not log.isEnabledFor(logging.INFO):
            return
        partner = scope["state"].get("partner_name")
        log.info(
            "%s %s partner=%s http=%s status_code=%s %.1fms request_id=%s",
            scope["method"],
            scope["path"],
            partner,
            outcome["http_status"],
            outcome["status_code"],
            seconds * 1000,
            request_id,
            extra={
                "method": scope["method"],
                "path": scope["path"],
                "partner": partner,
                "http_status": outcome["http_status"],
                "status_code": outcome["status_code"],
                "duration_ms": round(seconds * 1000, 2),
                "request_id": request_id,
            },
        )
