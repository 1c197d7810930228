"""A Hub's forwarding of a request to a connected party, as raw HTTP (transport_and_format.asciidoc
"Message Routing", "Unique message IDs"; status_codes.asciidoc "4xxx: Hub errors").

Unlike :class:`~openroam.client.OcpiHttpClient`, nothing of the answer is read: its status,
headers and body bytes are handed back as they came, so the Hub answers the requester with the
receiving party's own bytes (``last_updated`` and everything else untouched). One connection pool
serves every partner (each call names its token); redirects are not followed (an answer that is
not OCPI), and nothing is sent twice (the requester retries, if it wants to).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Mapping

import httpx

from openroam.client._auth import authorization_value
from openroam.errors import ConnectionProblem, TimeoutOnForwardedRequest

__all__ = ["Forwarder"]

logger = logging.getLogger("openroam.client")


class Forwarder:
    """Sends the requests a Hub forwards (``_services/hub_routing.py`` ``ForwardApi``).

    ``transport`` is injected for tests.
    """

    def __init__(self, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._http = httpx.AsyncClient(transport=transport, follow_redirects=False)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

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
        sent = httpx.Headers(headers)
        sent["Authorization"] = authorization_value(token, encode=encode_token)
        # transport_and_format.asciidoc "Unique message IDs": a forwarded request carries a new
        # X-Request-ID, and the X-Correlation-ID it came with (in ``headers``).
        sent["X-Request-ID"] = str(uuid.uuid4())
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                response = await self._http.request(
                    method, url, headers=sent, content=body or None, timeout=timeout
                )
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
        seconds = time.perf_counter() - started
        logger.info(
            "OCPI forwarded %s %s -> HTTP %d in %.0f ms",
            method,
            url,
            response.status_code,
            seconds * 1000,
            extra={
                "ocpi_method": method,
                "ocpi_url": url,
                "http_status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
                "request_id": sent["X-Request-ID"],
                "correlation_id": sent.get("X-Correlation-ID"),
            },
        )
        answer: dict[str, str] = {}
        for name, value in response.headers.items():
            answer.setdefault(name.lower(), value)
        return response.status_code, answer, response.content
