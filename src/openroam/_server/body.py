"""Request bodies where they enter (docs/architecture.md "Decoding at the boundary" and
"Bounded input").

* :class:`BodyGuard` reads every body before any route does: at most ``max_body_bytes``,
  counted as the bytes arrive (413 as soon as they are more, or at once for a larger
  ``Content-Length``), and refuses what cannot be stored and written back exactly (2001, HTTP
  400: an integer beyond 64 bits, a NUL character; ``models._validation.unstorable``).
* :func:`parse_body` decodes a body into a model: services and handlers receive models, never
  dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openroam._server.envelope import error_response
from openroam.errors import ClientError, InvalidOrMissingParameters, OcpiError
from openroam.models._validation import problems, unstorable
from openroam.models.common import OcpiModel

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "BodyGuard",
    "ErrorAnswer",
    "InvalidJson",
    "parse_body",
    "validation_message",
]

#: The default body limit: 4 MiB. A Location of 100 EVSEs with 4 Connectors each, images,
#: opening times and multilingual directions is about 0.5 MB as compact JSON (0.7 MB indented):
#: the limit leaves six to eight times that (docs/architecture.md "Bounded input").
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024

#: How an error is answered under a path prefix (the OCPI envelope, the backend API's shape).
ErrorAnswer = Callable[[OcpiError], Response]


def _ocpi_answer(error: OcpiError) -> Response:
    return error_response(error)


def _content_length(scope: Scope) -> int | None:
    """The Content-Length; -1 when there is a body of unknown length (chunked)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            if not value.isdigit():
                return -1
            # More digits than any limit: no int() of thousands of digits.
            return int(value) if len(value) <= 18 else 2**63
        if name == b"transfer-encoding":
            return -1
    return None


class BodyGuard:
    """See the module docstring. ``answers``: (path prefix, how to answer an error there),
    looked up at each refusal (the backend API registers its own when it is mounted); any
    other path gets the OCPI envelope."""

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, answers: Sequence[tuple[str, ErrorAnswer]]
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.answers = answers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query: bytes = scope["query_string"]
        if b"%00" in query or b"\x00" in query or "\x00" in scope["path"]:
            # No text column or JSONB value can hold it (PostgreSQL): refused on both databases
            # before any route binds a path or query parameter.
            nul = InvalidOrMissingParameters("The URL holds a NUL character (%00)", http_status=400)
            await self._answer(scope, nul)(scope, receive, send)
            return
        length = _content_length(scope)
        if not length:
            # No body (GET, DELETE …): nothing to read or to bound.
            await self.app(scope, receive, send)
            return
        body, refusal = await self._read(receive, length)
        if body is None:
            return  # the client went away
        if refusal is not None:
            await self._answer(scope, refusal)(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive, length: int) -> tuple[bytes | None, OcpiError | None]:
        limit = self.max_body_bytes
        if length > limit:
            return b"", _too_large(limit)
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None, None
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return b"", _too_large(limit)
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        problem = unstorable(body)
        if problem is not None:
            return body, InvalidOrMissingParameters(problem, http_status=400)
        return body, None

    def _answer(self, scope: Scope, error: OcpiError) -> Response:
        path: str = scope["path"]
        for prefix, answer in self.answers:
            if path.startswith(prefix):
                return answer(error)
        return _ocpi_answer(error)


def _too_large(limit: int) -> ClientError:
    # HTTP 413 (RFC 9110 §15.5.14); the OCPI status is the generic client error.
    return ClientError(f"The request body is larger than {limit} bytes", http_status=413)


M = TypeVar("M", bound=OcpiModel)


class InvalidJson(InvalidOrMissingParameters):
    """The body is not valid JSON: HTTP 400 (status_codes.asciidoc: "MUST be returned")."""

    default_http_status = 400
    default_message = "The request body is not valid JSON"


def validation_message(error: ValidationError, limit: int = 5) -> str:
    """``$.roles[0].party_id: String should have at most 3 characters; …`` (first few)."""
    found = problems(error)
    text = "; ".join(str(problem) for problem in found[:limit])
    if len(found) > limit:
        text += f"; and {len(found) - limit} more"
    return text


async def parse_body(request: Request, model: type[M]) -> M:
    """Validate the request body as ``model``.

    A body that is not JSON answers HTTP 400 with 2001; JSON that does not validate answers 2001
    with the JSON path of each problem in ``status_message``. The latter has reached the OCPI
    layer, so it keeps HTTP 200 (status_codes.asciidoc).
    """
    return validated_body(await request.body(), model)


def validated_body(body: bytes, model: type[M]) -> M:
    """``body`` validated as ``model``, with the answers of :func:`parse_body`."""
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        if any(detail["type"] == "json_invalid" for detail in error.errors()):
            raise InvalidJson() from None
        if not body.strip():
            raise InvalidJson("The request has no body") from None
        raise InvalidOrMissingParameters(validation_message(error)) from None
