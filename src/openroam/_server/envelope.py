"""The OCPI response envelope on the wire (transport_and_format.asciidoc "Response format").

Every answer of the server, success or error, is ``{"data": …, "status_code": …,
"status_message": …, "timestamp": …}``. ``data`` may be given as already serialised JSON bytes, so
stored documents are served without being validated or re-encoded (docs/architecture.md "One
table for every object").
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.responses import Response
from starlette.types import Send

from openroam.errors import OcpiError
from openroam.models.common import OcpiModel, StatusCode, format_datetime

__all__ = [
    "JsonArray",
    "RawJson",
    "array_parts",
    "envelope_bytes",
    "error_response",
    "json_data",
    "ocpi_response",
    "send_json",
]


class RawJson(bytes):
    """JSON text that goes into ``data`` as it is (a stored document, a pre-built page)."""


class JsonArray(tuple[bytes, ...]):
    """A JSON array of JSON texts (stored documents, a page of a list) that goes into ``data``
    as they are: the body is built with one copy of the documents."""


Data = OcpiModel | Sequence[OcpiModel] | RawJson | JsonArray | str | int | None


def array_parts(documents: Sequence[bytes]) -> list[bytes]:
    """``"[", d1, ",", d2, …, "]"``, to be joined once with the rest of a body.

    A page is large (50 Locations ≈ 90 kB) and each intermediate bytes object of that size costs
    more than the copy itself (an allocation the size of the page, freed again): joining the
    parts once made a page answer about 70 µs cheaper than joining the documents first.
    """
    if not documents:
        return [b"[]"]
    parts = [b"["]
    for document in documents:
        parts += (document, b",")
    parts[-1] = b"]"
    return parts


def _data_parts(
    data: OcpiModel | Sequence[OcpiModel] | RawJson | JsonArray | str | int,
) -> list[bytes]:
    if isinstance(data, RawJson):
        return [data]
    if isinstance(data, JsonArray):
        return array_parts(data)
    if isinstance(data, OcpiModel):
        return [data.to_json()]
    if isinstance(data, str | int):
        return [orjson.dumps(data)]
    return [orjson.dumps([item.to_dict() for item in data])]


def envelope_bytes(
    data: Data = None,
    *,
    status_code: int = StatusCode.SUCCESS,
    status_message: str | None = None,
) -> bytes:
    """The envelope as JSON bytes.

    ``data`` is left out when there is none: where the spec does not define ``data`` (PUT and PATCH
    acknowledgements, errors) the sender should leave it unset (transport_and_format NOTE).
    ``status_code`` comes after ``data`` so request logging can find it at the end of the body.
    """
    parts: list[bytes] = [b"{"]
    if data is not None:
        parts += [b'"data":', *_data_parts(data), b","]
    parts += [b'"status_code":', str(int(status_code)).encode()]
    if status_message is not None:
        parts += [b',"status_message":', orjson.dumps(status_message)]
    parts += [b',"timestamp":"', _timestamp(), b'"}']
    return b"".join(parts)


_now: tuple[int, bytes] = (0, b"")


def _timestamp() -> bytes:
    """The current time as the envelope's ``timestamp`` (whole seconds, as OCPI writes them),
    formatted once per second rather than once per answer."""
    global _now
    second = int(time.time())
    if _now[0] != second:
        _now = (second, format_datetime(datetime.fromtimestamp(second, UTC)).encode())
    return _now[1]


def ocpi_response(
    data: Data = None,
    *,
    status_code: int = StatusCode.SUCCESS,
    status_message: str | None = None,
    http_status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """An OCPI answer: the envelope as ``application/json`` with the given HTTP status."""
    body = envelope_bytes(data, status_code=status_code, status_message=status_message)
    return Response(body, status_code=http_status, headers=headers, media_type="application/json")


async def send_json(
    send: Send, body: bytes, headers: Mapping[str, str], http_status: int = 200
) -> None:
    """Send ``body`` as ``application/json`` with ``headers`` through ASGI ``send``: what an
    :func:`ocpi_response` sends, without building a Starlette ``Response`` and normalising its
    headers (≈ 10 µs of the GET list hot path, ``_server/v221/roaming.py``)."""
    raw = [(b"content-length", b"%d" % len(body)), (b"content-type", b"application/json")]
    raw += [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    ]
    await send({"type": "http.response.start", "status": http_status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def error_response(error: OcpiError, headers: Mapping[str, str] | None = None) -> Response:
    """The envelope for an :class:`OcpiError`: its status code, message and HTTP status."""
    if error.http_status == 401:
        # RFC 9110 §15.5.2: a 401 MUST carry a challenge; OCPI's scheme is "Token"
        # (transport_and_format.asciidoc "Authorization header").
        headers = {"WWW-Authenticate": "Token"} | dict(headers or {})
    return ocpi_response(
        status_code=error.status_code,
        status_message=error.message,
        http_status=error.http_status,
        headers=headers,
    )


def json_data(value: Any) -> RawJson:
    """Wrap plain JSON-ready Python data for ``data``."""
    return RawJson(orjson.dumps(value))
