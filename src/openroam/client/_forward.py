"""A Hub's forwarding of a request to a connected party, as raw HTTP (transport_and_format.asciidoc
"Message Routing", "Unique message IDs"; status_codes.asciidoc "4xxx: Hub errors").

Unlike :class:`~openroam.client.OcpiHttpClient`, nothing of the answer is read: its status,
headers and body bytes are handed back as they came, so the Hub answers the requester with the
receiving party's own bytes (``last_updated`` and everything else untouched). One connection pool
serves every partner (each call names its token); redirects are not followed (an answer that is
not OCPI), and nothing is sent twice (the requester retries, if it wants to).

The request goes straight to httpx's transport (its connection pool), not through an
``httpx.AsyncClient``: the client's layers (cookies, auth and redirect flows, default headers)
did nothing here and cost about a third of the Hub's CPU per forwarded page (bench/hub.py).
When the environment names an HTTP proxy, the client is used as before (it reads the proxy
settings, ``NO_PROXY`` included).
"""

from __future__ import annotations

import asyncio
import logging
import time
import urllib.request
import uuid
from collections.abc import Mapping

import httpx

from openroam.client._auth import authorization_value
from openroam.client._observe import ExchangeObserver, SentExchange
from openroam.errors import ConnectionProblem, TimeoutOnForwardedRequest

__all__ = ["Forwarder"]

logger = logging.getLogger("openroam.client")


class Forwarder:
    """Sends the requests a Hub forwards (``_services/hub_routing.py`` ``ForwardApi``).

    ``transport`` is injected for tests. ``observer`` is told about every request forwarded and
    its answer (the node's message log).
    """

    def __init__(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        observer: ExchangeObserver | None = None,
    ) -> None:
        self._observer = observer
        self._client: httpx.AsyncClient | None = None
        if transport is None and _proxied():
            self._client = httpx.AsyncClient(follow_redirects=False)
        self._transport = transport or httpx.AsyncHTTPTransport()

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            await self._client.aclose()
        await self._transport.aclose()

    async def forward(
        self,
        method: str,
        url: str,
        *,
        token: str,
        encode_token: bool,
        headers: Mapping[str, str],
        body: bytes,
        timeout: float,
    ) -> tuple[int, Mapping[str, str], bytes]:
        """One request; the answer's HTTP status, headers (lower-case names, the first of a
        repeated one) and body.

        :class:`ConnectionProblem` (4003) when the partner cannot be reached (no connection, or
        none within ``timeout``: the message was not forwarded); :class:`TimeoutOnForwardedRequest`
        (4002) when it was sent but the whole answer did not come within ``timeout`` seconds.
        """
        # As bytes, the way they arrived (read as latin-1): a partner's X-Correlation-ID with
        # bytes beyond ASCII is passed on as sent, not refused by httpx's ASCII encoding of text.
        sent = httpx.Headers(
            {
                name.encode("latin-1"): value.encode("latin-1", "replace")
                for name, value in headers.items()
            }
        )
        sent["Authorization"] = authorization_value(token, encode=encode_token)
        # transport_and_format.asciidoc "Unique message IDs": a forwarded request carries a new
        # X-Request-ID, and the X-Correlation-ID it came with (in ``headers``).
        sent["X-Request-ID"] = str(uuid.uuid4())
        started = time.perf_counter()
        try:
            status, answer, content = await self._timed(method, url, sent, body, timeout)
        except (ConnectionProblem, TimeoutOnForwardedRequest) as failure:
            self._observe(method, url, token, sent, body, started, None, None, failure.message)
            raise
        seconds = time.perf_counter() - started
        logger.info(
            "OCPI forwarded %s %s -> HTTP %d in %.0f ms",
            method,
            url,
            status,
            seconds * 1000,
            extra={
                "ocpi_method": method,
                "ocpi_url": url,
                "http_status": status,
                "duration_ms": round(seconds * 1000, 1),
                "request_id": sent["X-Request-ID"],
                "correlation_id": sent.get("X-Correlation-ID"),
            },
        )
        self._observe(method, url, token, sent, body, started, status, content, None)
        return status, answer, content

    async def _timed(
        self, method: str, url: str, headers: httpx.Headers, body: bytes, timeout: float
    ) -> tuple[int, dict[str, str], bytes]:
        """:meth:`_send` within ``timeout``; its failures as the Hub's errors."""
        try:
            async with asyncio.timeout(timeout):
                return await self._send(method, url, headers, body, timeout)
        except (TimeoutError, httpx.TimeoutException) as error:
            if isinstance(error, httpx.ConnectTimeout | httpx.PoolTimeout):
                raise ConnectionProblem(
                    f"{method} {url}: could not connect within {timeout:g} s"
                ) from None
            raise TimeoutOnForwardedRequest(
                f"{method} {url}: no answer within {timeout:g} s"
            ) from None
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as error:
            raise ConnectionProblem(
                f"{method} {url}: could not reach the party ({type(error).__name__})"
            ) from None
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise ConnectionProblem(
                f"{method} {url}: could not reach the party ({type(error).__name__}: {error})"
            ) from None

    def _observe(
        self,
        method: str,
        url: str,
        token: str,
        headers: httpx.Headers,
        body: bytes,
        started: float,
        status: int | None,
        content: bytes | None,
        error: str | None,
    ) -> None:
        if self._observer is None:
            return
        seconds = time.perf_counter() - started
        self._observer(
            SentExchange(
                started=time.time() - seconds,
                method=method,
                url=url,
                token=token,
                request_id=headers.get("X-Request-ID"),
                correlation_id=headers.get("X-Correlation-ID"),
                request_body=body or None,
                status=status,
                response_body=content,
                seconds=seconds,
                error=error,
            )
        )

    async def _send(
        self, method: str, url: str, headers: httpx.Headers, body: bytes, timeout: float
    ) -> tuple[int, dict[str, str], bytes]:
        if self._client is not None:
            response = await self._client.request(
                method, url, headers=headers, content=body or None, timeout=timeout
            )
        else:
            request = httpx.Request(
                method,
                url,
                headers=headers,
                content=body or None,
                extensions={"timeout": httpx.Timeout(timeout).as_dict()},
            )
            response = await self._transport.handle_async_request(request)
            try:
                await response.aread()  # the body, decoded as a client reads it
            finally:
                await response.aclose()
        answer: dict[str, str] = {}
        for name, value in response.headers.items():
            answer.setdefault(name.lower(), value)
        return response.status_code, answer, response.content


def _proxied() -> bool:
    """Whether the environment names a proxy for HTTP(S) (``HTTPS_PROXY``, ``ALL_PROXY``, …)."""
    proxies = urllib.request.getproxies()
    return any(proxies.get(scheme) for scheme in ("http", "https", "all"))
