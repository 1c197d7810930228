"""The core of the partner client: one OCPI call in, one OCPI answer (or error) out.

Module calls (versions, credentials, and later the functional modules) are small mixins on
top of :class:`OcpiHttpClient` that call :meth:`OcpiHttpClient.send` and parse ``data``.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx

from openroam.client._auth import OcpiTokenAuth
from openroam.client._links import origin_of
from openroam.client._observe import ExchangeObserver, SentExchange
from openroam.client._redirects import MAX_HOPS, log_hop, redirect_target, too_many_hops
from openroam.client._replies import OcpiReply, read_reply
from openroam.errors import PartnerRequestError
from openroam.models.common import OcpiModel, OcpiResponse

__all__ = ["Backoff", "OcpiHttpClient"]

logger = logging.getLogger("openroam.client")

QueryParams = Mapping[str, str | int]


class OcpiHttpClient:
    """An ``httpx.AsyncClient`` that speaks OCPI to one partner with one credentials token.

    ``transport`` is injected for tests (``httpx.MockTransport``, ``httpx.ASGITransport``).
    ``observer`` is told about every request sent and its answer (the node's message log).

    Every call:

    * waits ``timeout`` seconds at most for each request (``timeout=`` on a call overrides it);
    * follows the partner's redirects to the same origin only, the method kept, a few hops
      (httpx's own redirect handling is off: it would follow to another origin; see
      ``_redirects``);
    * for a GET (safe to send again), tries ``retries`` more times when the partner cannot be
      reached, does not answer in time or answers HTTP 503, waiting ``backoff(n)`` seconds
      before the n-th repetition (n from 0). Other methods are sent once: the delivery workers
      retry them with their own bookkeeping. ``retries=`` on a call overrides the default.
    """

    def __init__(
        self,
        token: str,
        *,
        encode_token: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        retries: int = 0,
        backoff: Backoff | None = None,
        observer: ExchangeObserver | None = None,
    ) -> None:
        self._token = token
        self._observer = observer
        self._timeout = timeout
        self._retries = _checked_retries(retries, backoff)
        self._backoff = backoff
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
        timeout: float | None = None,
    ) -> OcpiResponse[Any]:
        """One OCPI call; the answer's envelope with ``data`` not parsed."""
        reply = await self.send(
            method,
            url,
            json_body=json_body,
            params=params,
            headers=headers,
            correlation_id=correlation_id,
            timeout=timeout,
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
        timeout: float | None = None,
        retries: int | None = None,
    ) -> OcpiReply:
        """One OCPI call; the envelope with the HTTP status and headers of the answer
        (``data`` validated as ``data_model`` when it is one, see ``replies.read_reply``).
        ``timeout`` and ``retries`` override the client's for this call.

        Raises ``PartnerRequestError`` when no OCPI answer came back (``RedirectRefused`` for a
        redirect not followed), ``Unauthorized`` on HTTP 401, and the ``OcpiError`` of the status
        code for a non-1xxx answer (see ``replies``).
        """
        method = method.upper()
        request_headers = _ocpi_headers(headers, correlation_id, has_body=json_body is not None)
        # bytes: an already serialised document (a stored object pushed as it is).
        content = json_body if isinstance(json_body, bytes | None) else json_body.to_json()
        call = _Call(
            method,
            content,
            request_headers,
            self._timeout if timeout is None else timeout,
            # Only a GET is repeated: it is safe, and nothing else keeps count of it.
            _checked_retries(self._retries if retries is None else retries, self._backoff)
            if method == "GET"
            else 0,
        )
        try:
            target = httpx.URL(url)
            if params:
                # As httpx merges ``params`` into the URL; done here so a redirect is resolved
                # against what was really requested.
                target = target.copy_merge_params(params)
        except httpx.InvalidURL as error:
            raise PartnerRequestError(f"{method} {url}: not a URL ({error})") from None
        origin = origin_of(target)
        for hop in range(MAX_HOPS + 1):
            response = await self._exchange(call, target)
            following = redirect_target(method, target, response, origin)
            if following is None:
                # Messages name the URL the caller asked for, or the one that answered.
                return read_reply(method, str(target) if hop else url, response, data_model)
            if hop == MAX_HOPS:
                break
            log_hop(method, response.status_code, target, following)
            target = following
        raise too_many_hops(method, url, response)

    async def _exchange(self, call: _Call, url: httpx.URL) -> httpx.Response:
        """One request, repeated ``call.retries`` times at most while the partner is
        unreachable, too slow or answers HTTP 503."""
        for attempt in range(call.retries):
            try:
                response = await self._once(call, url)
            except _Unreachable as error:
                reason = error.message
            else:
                if response.status_code != 503:
                    return response
                reason = f"{call.method} {url}: HTTP 503"
            assert self._backoff is not None  # checked with the retries
            delay = self._backoff(attempt)
            logger.info(
                "%s; trying again in %.1f s (repetition %d of %d)",
                reason,
                delay,
                attempt + 1,
                call.retries,
                extra={"ocpi_method": call.method, "ocpi_url": str(url)},
            )
            await asyncio.sleep(delay)
        return await self._once(call, url)

    async def _once(self, call: _Call, url: httpx.URL) -> httpx.Response:
        # transport_and_format.asciidoc "Unique message IDs": every request, a repetition or a
        # redirect's next hop too, has its own X-Request-ID.
        call.headers["X-Request-ID"] = str(uuid.uuid4())
        started = time.perf_counter()
        try:
            response = await self._http.request(
                call.method, url, headers=call.headers, content=call.content, timeout=call.timeout
            )
        except httpx.TimeoutException as error:
            failure: PartnerRequestError = _Unreachable(
                f"{call.method} {url}: no answer within {call.timeout:g} s ({type(error).__name__})"
            )
            self._observe(call, url, started, None, failure)
            raise failure from error
        except httpx.ConnectError as error:
            failure = _Unreachable(
                f"{call.method} {url}: could not reach the partner ({type(error).__name__}: "
                f"{error})"
            )
            self._observe(call, url, started, None, failure)
            raise failure from error
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            failure = PartnerRequestError(
                f"{call.method} {url}: could not reach the partner ({type(error).__name__}: "
                f"{error})"
            )
            self._observe(call, url, started, None, failure)
            raise failure from error
        _log(call.method, str(url), response, call.headers, time.perf_counter() - started)
        self._observe(call, url, started, response, None)
        return response

    def _observe(
        self,
        call: _Call,
        url: httpx.URL,
        started: float,
        response: httpx.Response | None,
        failure: PartnerRequestError | None,
    ) -> None:
        if self._observer is None:
            return
        seconds = time.perf_counter() - started
        self._observer(
            SentExchange(
                started=time.time() - seconds,
                method=call.method,
                url=str(url),
                token=self._token,
                request_id=call.headers.get("X-Request-ID"),
                correlation_id=call.headers.get("X-Correlation-ID"),
                request_body=call.content,
                status=None if response is None else response.status_code,
                response_body=None if response is None else response.content,
                seconds=seconds,
                error=None if failure is None else failure.message,
            )
        )


#: ``backoff(n)``: seconds to wait before the n-th repetition of a GET (n from 0).
Backoff = Callable[[int], float]


class _Unreachable(PartnerRequestError):
    """No answer: the partner could not be reached or did not answer in time (worth another
    try for a GET)."""


@dataclass(slots=True)
class _Call:
    """What stays the same across the requests of one call (repetitions and redirects)."""

    method: str
    content: bytes | None
    headers: httpx.Headers
    timeout: float
    retries: int


def _checked_retries(retries: int, backoff: Backoff | None) -> int:
    if retries < 0:
        raise ValueError(f"retries must be 0 or more, not {retries}")
    if retries and backoff is None:
        raise ValueError("retries need a backoff (seconds to wait before each repetition)")
    return retries


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
