"""Prometheus metrics of one app (``GET /metrics``; docs/operations.md "Metrics").

* Requests: counted by the OCPI middleware on every request, by method, route template (the
  path pattern of the route that answered, ``unmatched`` when none did — never the raw path,
  whose ids would make a series per object) and HTTP status, with a latency histogram per
  method and route. :meth:`RequestMetrics.observe` is a dictionary look-up and two additions: no
  lock, no label objects (it runs on the event loop's thread only); the Prometheus families
  are built when ``/metrics`` is read.
* The outboxes and pull-sync, read from the database when ``/metrics`` is read
  (:class:`openroam._services.monitoring.Snapshot`): delivery backlog, its oldest pending row and
  failed deliveries per partner; time since the last successful pull and failures per partner
  and module; the webhook backlog. Every process serving the same database shows the same values.
* The process: CPU, memory, open files (``process_*``, prometheus-client's collector).

Each app has its own :class:`~prometheus_client.CollectorRegistry`, so several apps in one
process (tests) keep their counts apart.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, ProcessCollector, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from starlette.routing import BaseRoute
from starlette.types import Scope

from openroam._services.monitoring import Snapshot

__all__ = ["BUCKETS", "UNMATCHED", "NodeMetrics", "RequestMetrics"]

#: Upper bounds of the latency histogram, in seconds (a GET page takes about a millisecond, a
#: pull-through or a partner's slow answer up to seconds).
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: The route label of a request no route answered (unknown path, wrong method).
UNMATCHED = "unmatched"
_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
_BOUNDS = (*(f"{bound:g}" for bound in BUCKETS), "+Inf")


class RequestMetrics(Collector):
    """Answered requests: count and latency per (method, route template, HTTP status)."""

    def __init__(self) -> None:
        # (method, route, status) → bucket counts (one per BUCKETS, then +Inf), then the sum
        self._series: dict[tuple[str, str, int], list[float]] = {}
        # endpoint → route template, for the routes that do not put themselves in the scope
        self._templates: dict[object, str] = {}

    def route_of(self, scope: Scope) -> str:
        """The template of the route that answered the request of ``scope`` (after routing)."""
        route = scope.get("route")
        if route is not None:
            template: str = route.path
            return template
        # FastAPI's router records its own routes in the scope, not plain Starlette routes (the
        # hot ones: _server/v221/roaming.py, _api/plain.py); those leave their endpoint.
        endpoint = scope.get("endpoint")
        if endpoint is None:
            return UNMATCHED
        found = self._templates.get(endpoint)
        if found is None:
            found = self._templates[endpoint] = _template_of(scope["app"].routes, endpoint)
        return found

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one request that took ``seconds``."""
        if method not in _METHODS:
            method = "OTHER"  # any token is a valid method: not a label value per client
        key = (method, route, status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = [0.0] * (len(BUCKETS) + 2)
        # The first bound ≥ seconds (Prometheus buckets are "less than or equal"); +Inf beyond.
        series[bisect_left(BUCKETS, seconds)] += 1
        series[-1] += seconds

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "openroam_http_requests",
            "HTTP requests answered, by method, route template and HTTP status.",
            labels=["method", "route", "status"],
        )
        by_route: dict[tuple[str, str], list[float]] = {}
        for (method, route, status), series in list(self._series.items()):
            requests.add_metric([method, route, str(status)], sum(series[:-1]))
            merged = by_route.setdefault((method, route), [0.0] * len(series))
            for index, value in enumerate(series):
                merged[index] += value
        latency = HistogramMetricFamily(
            "openroam_http_request_duration_seconds",
            "Time from a request's arrival to its answer's last byte, by method and route.",
            labels=["method", "route"],
        )
        for (method, route), series in by_route.items():
            cumulative, buckets = 0.0, []
            for bound, count in zip(_BOUNDS, series[:-1], strict=True):
                cumulative += count
                buckets.append((bound, cumulative))
            latency.add_metric([method, route], buckets, sum_value=series[-1])
        yield requests
        yield latency


def _template_of(routes: list[BaseRoute], endpoint: object) -> str:
    for route in routes:
        if getattr(route, "endpoint", None) is endpoint:
            return str(getattr(route, "path", UNMATCHED))
    return UNMATCHED


class _DatabaseGauges(Collector):
    """The gauges of the :class:`Snapshot` read for the scrape in progress (none between)."""

    def __init__(self) -> None:
        self.snapshot: Snapshot | None = None
        self.database_up = False

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "openroam_database_up",
            "1 if the database answered the queries of this scrape, else 0.",
            value=1.0 if self.database_up else 0.0,
        )
        snapshot = self.snapshot
        if snapshot is None:
            return
        yield from _delivery_gauges(snapshot)
        yield from _pull_gauges(snapshot)
        yield from _webhook_gauges(snapshot)


def _age(now: datetime, then: datetime | None) -> float:
    return 0.0 if then is None else max((now - then).total_seconds(), 0.0)


def _delivery_gauges(snapshot: Snapshot) -> Iterator[Metric]:
    labels = ["partner"]
    backlog = GaugeMetricFamily(
        "openroam_delivery_backlog",
        "Pushes to the partner waiting to be delivered (pending outbox rows).",
        labels=labels,
    )
    oldest = GaugeMetricFamily(
        "openroam_delivery_oldest_pending_seconds",
        "Age of the partner's oldest pending push; 0 when none is pending.",
        labels=labels,
    )
    failed = GaugeMetricFamily(
        "openroam_deliveries_failed",
        "Pushes to the partner given up (state failed) and not yet pruned or retried.",
        labels=labels,
    )
    for row in snapshot.deliveries:
        backlog.add_metric([row.partner], row.pending)
        oldest.add_metric([row.partner], _age(snapshot.taken_at, row.oldest_pending_at))
        failed.add_metric([row.partner], row.failed)
    yield from (backlog, oldest, failed)


def _pull_gauges(snapshot: Snapshot) -> Iterator[Metric]:
    labels = ["partner", "module"]
    lag = GaugeMetricFamily(
        "openroam_pull_lag_seconds",
        "Time since the last successful pull of the partner's module (absent before the first).",
        labels=labels,
    )
    failures = GaugeMetricFamily(
        "openroam_pull_failures",
        "Failed pulls of the partner's module since its last successful one.",
        labels=labels,
    )
    for row in snapshot.pulls:
        if row.last_pull_at is not None:
            lag.add_metric([row.partner, row.module], _age(snapshot.taken_at, row.last_pull_at))
        failures.add_metric([row.partner, row.module], row.failures)
    yield from (lag, failures)


def _webhook_gauges(snapshot: Snapshot) -> Iterator[Metric]:
    webhooks = snapshot.webhooks
    yield GaugeMetricFamily(
        "openroam_webhook_backlog",
        "Events waiting to be POSTed to the backend's webhooks.",
        value=webhooks.pending,
    )
    yield GaugeMetricFamily(
        "openroam_webhook_oldest_pending_seconds",
        "Age of the oldest event waiting for its webhook; 0 when none is waiting.",
        value=_age(snapshot.taken_at, webhooks.oldest_pending_at),
    )
    yield GaugeMetricFamily(
        "openroam_webhooks_failed",
        "Events whose webhook was given up (state failed).",
        value=webhooks.failed,
    )


class NodeMetrics:
    """The metrics of one app: its request counts, the database snapshot of a scrape, the
    process."""

    def __init__(self) -> None:
        self.requests = RequestMetrics()
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self.requests)
        self._database = _DatabaseGauges()
        self.registry.register(self._database)
        ProcessCollector(registry=self.registry)

    def exposition(self, snapshot: Snapshot | None) -> bytes:
        """The text exposition format of every metric, with ``snapshot``'s gauges (None: the
        database did not answer, ``openroam_database_up`` is 0)."""
        # Synchronous from here to the end: no other scrape can change the snapshot meanwhile.
        self._database.snapshot = snapshot
        self._database.database_up = snapshot is not None
        try:
            return generate_latest(self.registry)
        finally:
            self._database.snapshot = None
