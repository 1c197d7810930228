"""Answers of the backend API: ``{"data": …}`` on success, ``{"error": {…}}`` on failure.

This API is not OCPI: it talks to the party's own systems, so a failure is answered with an HTTP
error status a backend can act on (``raise_for_status``), never with HTTP 200. The error body
still carries the OCPI status code of the failure (2001 for invalid data, 2000 otherwise).

Every route of the API uses :class:`ApiRoute`, which turns OCPI errors, parameter validation
errors and unexpected failures into that error body, whatever handlers the app around it has.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

import orjson
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from openroam._server.envelope import array_parts
from openroam.errors import ClientError, InvalidOrMissingParameters, OcpiError, ServerError

__all__ = [
    "ApiRoute",
    "ErrorAnswer",
    "ErrorDetail",
    "Handler",
    "WriteAnswer",
    "WriteData",
    "answering_errors",
    "data_response",
    "error_response",
    "http_status_of",
    "list_response",
    "raw_response",
    "validation_error",
]

log = logging.getLogger("openroam._api")

JSON = "application/json"


class ErrorDetail(BaseModel):
    status_code: int
    """The OCPI status code of the failure (status_codes.asciidoc)."""
    message: str


class ErrorAnswer(BaseModel):
    """What every failed request of the backend API answers."""

    error: ErrorDetail


class WriteData(BaseModel):
    created: bool
    """The object did not exist before (the answer is HTTP 201)."""
    applied: bool
    """False when ``last_updated`` was older than the stored object's: nothing was changed."""
    last_updated: str | None
    """The ``last_updated`` of the written object (the one filled in, if the body had none)."""


class WriteAnswer(BaseModel):
    """What a successful PUT or PATCH answers."""

    data: WriteData


def raw_response(data: bytes, status: int = 200) -> Response:
    """``{"data": <data>}`` where ``data`` is JSON text already (a stored document)."""
    return Response(b'{"data":' + data + b"}", status_code=status, media_type=JSON)


def data_response(data: Any, status: int = 200) -> Response:
    """``{"data": <data>}`` for JSON-ready Python data."""
    return Response(orjson.dumps({"data": data}), status_code=status, media_type=JSON)


def list_response(documents: Sequence[bytes], total: int) -> Response:
    """``{"data": [<documents>], "total": <total>}``, the documents joined as stored."""
    parts = [b'{"data":', *array_parts(documents), b',"total":', str(total).encode(), b"}"]
    return Response(b"".join(parts), media_type=JSON)


def http_status_of(error: OcpiError) -> int:
    """The HTTP status for ``error`` here: its own when it is an HTTP error status, else 400 for
    a client error and 500 for anything else (OCPI's "HTTP 200 once the request reached the OCPI
    layer" rule is for partners, not for this API)."""
    if error.http_status >= 400:
        return error.http_status
    return 400 if isinstance(error, ClientError) else 500


def error_response(error: OcpiError, headers: Mapping[str, str] | None = None) -> Response:
    body = {"error": {"status_code": int(error.status_code), "message": error.message}}
    status = http_status_of(error)
    extra = dict(headers or {})
    if status == 401:
        # RFC 6750 §3: a 401 for a bearer-protected resource names the scheme.
        extra.setdefault("WWW-Authenticate", "Bearer")
    return Response(orjson.dumps(body), status_code=status, headers=extra, media_type=JSON)


def _where(location: Sequence[int | str]) -> str:
    # ("query", "limit") → "query parameter limit"; ("body", "status") → "body field status".
    if not location:
        return "request"
    kind, *rest = location
    name = ".".join(str(part) for part in rest)
    if kind == "body":
        return f"body field {name}" if name else "body"
    return f"{kind} parameter {name}" if name else str(kind)


def validation_error(error: RequestValidationError) -> InvalidOrMissingParameters:
    details = error.errors()
    if any(detail.get("type") == "json_invalid" for detail in details):
        return InvalidOrMissingParameters("The request body is not valid JSON", http_status=400)
    found = [f"{_where(detail.get('loc', ()))}: {detail.get('msg')}" for detail in details]
    more = f"; and {len(found) - 5} more" if len(found) > 5 else ""
    return InvalidOrMissingParameters("; ".join(found[:5]) + more, http_status=400)


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def _framework_error(error: HTTPException) -> OcpiError:
    if error.status_code == 400:
        return InvalidOrMissingParameters("The request body is not valid JSON", http_status=400)
    if 400 < error.status_code < 500:
        return ClientError(str(error.detail), http_status=error.status_code)
    return ServerError("Unexpected server error; see the logs")


def answering_errors(handler: Handler) -> Handler:
    """``handler`` with every failure answered as :class:`ErrorAnswer`."""

    async def handle(request: Request) -> Response:
        try:
            return await handler(request)
        except OcpiError as error:
            return error_response(error)
        except RequestValidationError as error:
            return error_response(validation_error(error))
        except HTTPException as error:
            # FastAPI's own refusals: a body it cannot decode (not UTF-8, not JSON) is a 400.
            return error_response(_framework_error(error))
        except Exception:
            # Never a traceback to the caller (docs/architecture.md "HTTP status policy"); the
            # log has it.
            log.exception("unexpected error in %s %s", request.method, request.url.path)
            return error_response(ServerError("Unexpected server error; see the logs"))

    return handle


class ApiRoute(APIRoute):
    """A route whose every failure is answered as :class:`ErrorAnswer`."""

    def get_route_handler(self) -> Handler:
        return answering_errors(super().get_route_handler())
