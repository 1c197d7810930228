"""The core of the partner client: one OCPI call in, one OCPI answer (or error) out.

Module calls (versions, credentials, and later the functional modules) are small mixins on
top of :class:`OcpiHttpClient` that call :meth:`OcpiHttpClient.send` and parse ``data``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

import httpx

from openroam.client._auth import OcpiTokenAuth
from openroam.client._replies import OcpiReply, read_reply
from openroam.errors import PartnerRequestError
from openroam.models.common import OcpiModel, OcpiResponse

__all__ = ["OcpiHttpClient"]

logger = logging.getLogger("openroam.client")

QueryParams = Mapping[str, str | int]


class OcpiHttpClient:
    """An ``httpx.AsyncClient`` that speaks OCPI to one partner with one credentials token.

    ``transport`` is injected for tests (``httpx.MockTransport``, ``httpx.ASGITransport``).
    Redirects are not followed: a 301/302 would silently turn a POST into a GET.
    """

    def __init__(
        self,
        token: str,
        *,
        encode_token: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._timeout = timeout
        self._http = httpx.AsyncClient(
            auth=OcpiTokenAuth(token, encode=encode_token),
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def request(
        self,
        method: str,
        url: str,
        *,
        json_body: OcpiModel | None = None,
        params: QueryParams | None = None,
        headers: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
    ) -> OcpiResponse[Any]:
        """One OCPI call; the answer's envelope with ``data`` not parsed."""
        reply = await self.send(
            method,
            url,
            json_body=json_body,
            params=params,
            headers=headers,
            correlation_id=correlation_id,
        )
        return reply.envelope

    async def send(
        self,
        method: str,
        url: str,
        *,
        json_body: OcpiModel | bytes | None = None,
        params: QueryParams | None = None,
        headers: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
        data_model: Any = None,
    ) -> OcpiReply:
        """One OCPI call; the envelope with the HTTP status and headers of the answer
        (``data`` validated as ``data_model`` when it is one, see ``replies.read_reply``).

        Raises ``PartnerRequestError`` when no OCPI answer came back, ``Unauthorized`` on HTTP 401,
        and the ``OcpiError`` of the status code for a non-1xxx answer (see ``replies``).
        """
        method = method.upper()
        request_headers = _ocpi_headers(headers, correlation_id, has_body=json_body is not None)
        # bytes: an already serialised document (a stored object pushed as it is).
        content = json_body if isinstance(json_body, bytes | None) else json_body.to_json()
        started = time.perf_counter()
        try:
            response = await self._http.request(
                method, url, params=params, headers=request_headers, content=content
            )
        except httpx.TimeoutException as error:
            raise PartnerRequestError(
                f"{method} {url}: no answer within {self._timeout:g} s ({type(error).__name__})"
            ) from error
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise PartnerRequestError(
                f"{method} {url}: could not reach the partner ({type(error).__name__}: {error})"
            ) from error
        _log(method, url, response, request_headers, time.perf_counter() - started)
        return read_reply(method, url, response, data_model)


def _ocpi_headers(
    extra: Mapping[str, str] | None, correlation_id: str | None, *, has_body: bool
) -> httpx.Headers:
    headers = httpx.Headers(extra)
    # transport_and_format.asciidoc "Unique message IDs": every request SHALL have a unique
    # X-Request-ID; X-Correlation-ID is kept when the caller continues a conversation.
    headers["X-Request-ID"] = str(uuid.uuid4())
    if correlation_id is not None:
        headers["X-Correlation-ID"] = correlation_id
    elif "X-Correlation-ID" not in headers:
        headers["X-Correlation-ID"] = str(uuid.uuid4())
    # transport_and_format.asciidoc "Request format": Content-Type SHALL be application/json
    # on every request with a body.
    if has_body:
        headers["Content-Type"] = "application/json"
    return headers


def _log(
    method: str, url: str, response: httpx.Response, headers: httpx.Headers, seconds: float
) -> None:
    logger.info(
        "OCPI %s %s -> HTTP %d in %.0f ms",
        method,
        url,
        response.status_code,
        seconds * 1000,
        extra={
            "ocpi_method": method,
            "ocpi_url": url,
            "http_status": response.status_code,
            "duration_ms": round(seconds * 1000, 1),
            "request_id": headers["X-Request-ID"],
            "correlation_id": headers["X-Correlation-ID"],
        },
    )
