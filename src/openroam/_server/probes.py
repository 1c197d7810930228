"""``/health``, ``/ready`` and ``/metrics``: for load balancers, orchestrators and Prometheus,
not for partners (docs/operations.md "Running in production").

They are not OCPI endpoints: plain JSON (metrics: Prometheus' text format), no OCPI token.

* ``GET /health``: 200 ``{"status": "ok"}`` while the process serves; touches no database.
* ``GET /ready``: 200 ``{"status": "ready", …}`` when the database answers and its schema is at
  the newest migration; else 503 ``{"status": "unavailable", "reason": …}``.
* ``GET /metrics``: per ``metrics`` access — ``open`` (whoever reaches the node's listen
  address), ``token`` (``Authorization: Bearer <admin token>``), ``off`` (no route: 404).
"""

from __future__ import annotations

import hmac
import logging
from typing import Literal

import orjson
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openroam._server.metrics import NodeMetrics
from openroam._services import monitoring
from openroam._services.node import Node

__all__ = ["MetricsAccess", "probe_routes"]

MetricsAccess = Literal["open", "token", "off"]

log = logging.getLogger("openroam.monitoring")


def _json(status: int, body: dict[str, object], headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status, headers, media_type="application/json")


async def _health(request: Request) -> Response:
    return _json(200, {"status": "ok"})


async def _ready(request: Request) -> Response:
    node: Node | None = getattr(request.app.state, "node", None)
    if node is None:
        return _json(503, {"status": "unavailable", "reason": "starting"})
    state = await monitoring.readiness(node.db)
    if state.ready:
        return _json(200, {"status": "ready", "schema_revision": ", ".join(state.revisions)})
    return _json(503, {"status": "unavailable", "reason": state.reason})


def _metrics_endpoint(metrics: NodeMetrics, admin_token: str | None) -> Route:
    expected = admin_token.encode() if admin_token else None

    async def scrape(request: Request) -> Response:
        if expected is not None:
            given = request.headers.get("authorization", "")
            scheme, _, credentials = given.partition(" ")
            # Constant time: the comparison must not tell how much of a guess was right.
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                credentials.strip().encode(), expected
            ):
                return _json(
                    401,
                    {"status": "unauthorized", "reason": "Authorization: Bearer <admin token>"},
                    {"WWW-Authenticate": "Bearer"},
                )
        node: Node = request.app.state.node
        try:
            snapshot = await monitoring.snapshot(node.db)
        except Exception:
            # The request metrics are still worth a scrape; openroam_database_up says 0.
            log.warning("metrics: the database did not answer", exc_info=True)
            snapshot = None
        return Response(metrics.exposition(snapshot), media_type=CONTENT_TYPE_LATEST)

    return Route("/metrics", scrape, methods=["GET"], include_in_schema=False)


def probe_routes(
    metrics: NodeMetrics, access: MetricsAccess = "open", admin_token: str | None = None
) -> list[Route]:
    """The routes of this module; ``admin_token`` is required for ``access="token"``."""
    routes = [
        Route("/health", _health, methods=["GET"], include_in_schema=False),
        Route("/ready", _ready, methods=["GET"], include_in_schema=False),
    ]
    if access == "token":
        if not admin_token:
            raise ValueError("metrics access 'token' needs an admin token")
        routes.append(_metrics_endpoint(metrics, admin_token))
    elif access == "open":
        routes.append(_metrics_endpoint(metrics, None))
    return routes
