"""A partner's Sender interface as a small real HTTP server on 127.0.0.1, for pull tests.

It serves one GET list (Tariffs) in pages of ``page_size`` and records every request it
receives (URL and Authorization header). What a test wants to be wrong with the partner is
set on the object: the ``Link`` it writes (``link``), the ``X-Total-Count`` it announces
(``total``), how many objects it really serves (``served``). After ``fuse`` requests it answers
HTTP 500 without an OCPI envelope, so a client that would otherwise loop for ever fails fast.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

LIST_PATH = "/ocpi/2.2.1/tariffs"
PARTY = ("DE", "CPO")

#: ``link(server, request, next_offset)``: the Link header value for a page that is not the last
LinkWriter = Callable[["SenderServer", Request, int], str | None]


def tariff(number: int) -> dict[str, Any]:
    """A valid Tariff of the partner's party; ``last_updated`` grows with ``number``."""
    country_code, party_id = PARTY
    return {
        "country_code": country_code,
        "party_id": party_id,
        "id": f"T{number}",
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0.3, "step_size": 1}]}],
        "last_updated": f"2026-01-01T10:00:{number:02d}Z",
    }


def absolute_link(server: SenderServer, request: Request, next_offset: int) -> str:
    """A well-behaved next link: absolute, on this server, the filters repeated."""
    following = request.url.include_query_params(offset=next_offset)
    return f'<{server.url}{LIST_PATH}?{following.query}>; rel="next"'


@dataclass
class SenderServer:
    url: str = ""
    page_size: int = 2
    tariffs: list[dict[str, Any]] = field(default_factory=list)
    link: LinkWriter = absolute_link
    #: the X-Total-Count announced (default: the number of matching objects)
    total: int | None = None
    #: how many of the matching objects are really served (default: all)
    served: int | None = None
    fuse: int = 20
    #: answer ``LIST_PATH`` with a 307 to ``LIST_PATH/`` (a framework that wants the slash)
    slash_redirect: bool = False
    #: the origin that 307 points to (default: this server's)
    redirect_origin: str | None = None
    requests: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def urls(self) -> list[str]:
        return [url for url, _ in self.requests]

    async def handle(self, request: Request) -> Response:
        self.requests.append((str(request.url), request.headers.get("authorization")))
        if len(self.requests) > self.fuse:
            return PlainTextResponse("too many requests for this test", status_code=500)
        if self.slash_redirect and request.url.path == LIST_PATH:
            slashed = request.url.replace(path=f"{LIST_PATH}/")
            if self.redirect_origin is not None:
                slashed = slashed.replace(netloc=self.redirect_origin.split("://", 1)[1])
            return Response(status_code=307, headers={"Location": str(slashed)})
        offset = int(request.query_params.get("offset", "0"))
        since = request.query_params.get("date_from")
        matching = [t for t in self.tariffs if since is None or t["last_updated"] >= since]
        served = matching[: self.served] if self.served is not None else matching
        page = served[offset : offset + self.page_size]
        total = self.total if self.total is not None else len(matching)
        headers = {"X-Total-Count": str(total), "X-Limit": str(self.page_size)}
        if offset + self.page_size < len(served):
            link = self.link(self, request, offset + self.page_size)
            if link is not None:
                headers["Link"] = link
        body = {"data": page, "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}
        return JSONResponse(body, headers=headers)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def serving(sender: SenderServer) -> AsyncIterator[SenderServer]:
    """``sender`` answering every path on its own port of 127.0.0.1 while the block runs."""
    app = Starlette(routes=[Route("/{path:path}", sender.handle, methods=["GET"])])
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    sender.url = f"http://127.0.0.1:{port}"
    try:
        yield sender
    finally:
        server.should_exit = True
        await task
