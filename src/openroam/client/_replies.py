"""Turning a partner's HTTP answer into an OCPI envelope, or into the right error.

* A body that is not JSON, or JSON that is not an OCPI envelope (transport_and_format.asciidoc
  "Response format"), raises :class:`~openroam.errors.PartnerRequestError` (3001: we cannot use
  the partner's API, credentials.asciidoc "Errors during registration").
* HTTP 401 means the partner refused our credentials token (transport_and_format.asciidoc
  "Authorization header") and raises :class:`~openroam.errors.Unauthorized`.
* An envelope whose ``status_code`` is not 1xxx raises the exception of that code
  (:func:`~openroam.errors.error_for_status_code`), with ``http_status`` set to what was received.
* ``data`` that does not validate as the expected model raises ``PartnerRequestError`` when the
  caller asks for it (:meth:`OcpiReply.parse`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, TypeVar, get_args, get_origin

import httpx
import orjson
from pydantic import TypeAdapter, ValidationError

from openroam.errors import (
    MethodNotAllowed,
    NotFound,
    OcpiError,
    PartnerRequestError,
    Unauthorized,
    error_for_status_code,
)
from openroam.models._validation import collector_paused
from openroam.models.common import OcpiResponse, StatusCode

__all__ = ["OcpiReply", "first_error", "read_reply"]

T = TypeVar("T")

# How much of a body that is not OCPI to quote in an error message.
_SNIPPET = 120


@dataclass(frozen=True, slots=True)
class OcpiReply:
    """A successful (1xxx) OCPI answer: the envelope, with the HTTP status and headers it came
    with (pagination and the CDR ``Location`` header live in the headers)."""

    method: str
    url: str
    http_status: int
    headers: httpx.Headers
    envelope: OcpiResponse[Any]

    def parse(self, model: type[T]) -> T:
        """``data`` validated as ``model`` (for example ``Version`` or ``list[Version]``).

        The data is validated in JSON mode, exactly as if it had been read from the wire, so the
        models' strict rules apply (an enum value is a string, a number is not a string).
        """
        if self.envelope.data is None:
            raise PartnerRequestError(
                f"{self.what}: HTTP {self.http_status}, the answer has no data"
            )
        try:
            return _adapter(model).validate_json(orjson.dumps(self.envelope.data))
        except ValidationError as error:
            raise PartnerRequestError(
                f"{self.what}: HTTP {self.http_status}, data is not a valid "
                f"{_type_name(model)}: {first_error(error)}"
            ) from None

    @property
    def what(self) -> str:
        """``METHOD URL``, for messages."""
        return f"{self.method} {self.url}"


def read_reply(
    method: str, url: str, response: httpx.Response, data_model: Any = None
) -> OcpiReply:
    """The OCPI answer in ``response``, or the error it stands for.

    With ``data_model`` (a type such as ``list[Location]``) the envelope is first read with
    ``data`` validated as that type, in one pass over the JSON text; only when that fails (an
    error answer, or data that is not all valid) is it read as any JSON, as without it.
    """
    what = f"{method} {url}"
    status = response.status_code
    try:
        envelope = _typed_envelope(response.content, data_model) if data_model else None
        if envelope is None:
            envelope = _envelope(response.content)
    except ValidationError as error:
        if status == 401:
            raise _refused(what, None, None) from None
        not_ocpi = PartnerRequestError(_not_ocpi(what, response, error))
        not_ocpi.received_http_status = status
        raise not_ocpi from None
    if status == 401:
        raise _refused(what, envelope.status_message, envelope.status_code)
    if envelope.status_code // 1000 != 1:
        raise _ocpi_error(what, status, envelope)
    if not 200 <= status < 300:
        raise PartnerRequestError(
            f"{what}: HTTP {status} with the success status_code {envelope.status_code}"
        )
    return OcpiReply(method, url, status, response.headers, envelope)


@functools.cache
def _typed(data_model: Any) -> type[OcpiResponse[Any]]:
    typed: type[OcpiResponse[Any]] = OcpiResponse[data_model]
    return typed


def _typed_envelope(content: bytes, data_model: Any) -> OcpiResponse[Any] | None:
    try:
        # A page of a pull is read here: its whole object tree stays alive while it is built.
        with collector_paused():
            return _typed(data_model).model_validate_json(content)
    except ValidationError:
        return None


def _envelope(content: bytes) -> OcpiResponse[Any]:
    try:
        # orjson builds ``data`` (a page of 100 Locations, say) in less than half the time
        # pydantic takes for an ``Any`` field; the envelope is then validated as usual.
        parsed = orjson.loads(content)
    except orjson.JSONDecodeError:
        # Not JSON for orjson (or a number beyond 64 bits): pydantic reads it or names the problem.
        return OcpiResponse[Any].model_validate_json(content)
    return OcpiResponse[Any].model_validate(parsed)


def first_error(error: ValidationError) -> str:
    """The first validation error as ``field.path: message`` (plus how many more there are)."""
    first = error.errors(include_url=False)[0]
    location = ".".join(str(part) for part in first["loc"])
    text = f"{location}: {first['msg']}" if location else first["msg"]
    more = error.error_count() - 1
    return f"{text} (and {more} more)" if more else text


def _not_ocpi(what: str, response: httpx.Response, error: ValidationError) -> str:
    # A redirect never gets here: it is followed or refused (``_redirects``).
    prefix = f"{what}: HTTP {response.status_code}"
    if not response.content:
        return f"{prefix}, the body is empty (no OCPI envelope)"
    if error.errors(include_url=False)[0]["type"] == "json_invalid":
        kind = response.headers.get("Content-Type", "no Content-Type")
        snippet = response.content[:_SNIPPET].decode("utf-8", "replace")
        return f"{prefix}, the body is not JSON ({kind}: {snippet!r})"
    return f"{prefix}, the body is not an OCPI response envelope: {first_error(error)}"


def _refused(what: str, message: str | None, status_code: int | None) -> Unauthorized:
    text = f"{what}: the partner refused our credentials token (HTTP 401)"
    error = Unauthorized(f"{text}: {message}" if message else text)
    if status_code is not None:
        error.received_status_code = status_code
    return error


def _ocpi_error(what: str, status: int, envelope: OcpiResponse[Any]) -> OcpiError:
    code, message = envelope.status_code, envelope.status_message
    error: OcpiError
    # Generic 2000 with the HTTP status the spec names for it (status_codes.asciidoc;
    # credentials.asciidoc: 405 for POST while registered, PUT/DELETE while not registered).
    if code == StatusCode.CLIENT_ERROR and status == 404:
        error = NotFound(message)
    elif code == StatusCode.CLIENT_ERROR and status == 405:
        error = MethodNotAllowed(message)
    else:
        error = error_for_status_code(code, message)
    error.http_status = status
    error.received_status_code = code
    error.answered_by = what
    # The message stays the partner's own status_message (a hub forwards it, status_codes
    # "4xxx"); where it came from is kept as a note for logs and tracebacks.
    error.add_note(f"answered by {what} (HTTP {status}, status_code {code})")
    return error


_ADAPTERS: dict[object, TypeAdapter[Any]] = {}


def _adapter(model: type[T]) -> TypeAdapter[T]:
    # Building a TypeAdapter compiles a validator; do it once per model.
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        adapter = _ADAPTERS[model] = TypeAdapter(model)
    return adapter


def _type_name(model: object) -> str:
    if get_origin(model) is list:
        (item,) = get_args(model)
        return f"list of {_type_name(item)}"
    return getattr(model, "__name__", repr(model))
