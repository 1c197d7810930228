"""The Health page (docs/console.md "Health"): readiness, the database, the workers of this
process, the webhook and delivery backlogs and pull-sync now — and the history of what
``/metrics`` exposes as small charts (``_sampler``)."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from markupsafe import Markup
from starlette.responses import Response

from openroam._admin._auth import Visitor, visitor
from openroam._admin._charts import Series, line_chart
from openroam._admin._render import render
from openroam._admin._sampler import STATUS_CLASSES, HealthSampler, Sample, downsample
from openroam._services import monitoring
from openroam._services.node import Node
from openroam._services.worker_activity import WorkerBoard

__all__ = ["add_routes"]

#: Shown for a time or duration that does not exist (yet).
NONE = "\N{EN DASH}"

#: The most points a chart draws (6 h of 30 s samples are merged into 3-minute steps).
MOST_POINTS = 120


def utc(moment: datetime | None) -> str:
    """``2026-12-07T23:20:00Z``, or a dash."""
    if moment is None:
        return NONE
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def duration(seconds: float | None) -> str:
    """``45 s``, ``12 min``, ``3.5 h``, ``2.1 d``."""
    if seconds is None:
        return NONE
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


_Merge = Callable[[Iterable[float]], float]


@dataclass(frozen=True)
class _Chart:
    ident: str
    title: str
    unit: str
    #: (name, value of a sample or None, how to merge points when there are too many)
    lines: Sequence[
        tuple[str, Callable[[Sample], float | None], Callable[[Iterable[float]], float]]
    ]


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


def _per_minute(key: str) -> Callable[[Sample], float | None]:
    def value(sample: Sample) -> float | None:
        rates = sample.requests_per_minute
        return None if rates is None else rates[key]

    return value


_CHARTS = (
    _Chart(
        "chart-requests",
        "Requests answered per minute, by HTTP status",
        "per minute",
        [(status, _per_minute(status), statistics.fmean) for status in STATUS_CLASSES],
    ),
    _Chart(
        "chart-latency",
        "Request latency",
        "ms",
        [
            ("mean", lambda s: s.latency_mean_ms, max),
            ("95th percentile (bucket bound)", lambda s: s.latency_p95_ms, max),
        ],
    ),
    _Chart(
        "chart-deliveries",
        "Pushes to partners: waiting and failed",
        "pushes",
        [
            ("waiting", lambda s: s.delivery_backlog, max),
            ("failed", lambda s: s.deliveries_failed, max),
        ],
    ),
    _Chart(
        "chart-ages",
        "Oldest waiting push and longest time since a successful pull",
        "minutes",
        [
            ("oldest waiting push", lambda s: _minutes(s.oldest_delivery_seconds), max),
            ("pull age", lambda s: _minutes(s.pull_age_seconds), max),
        ],
    ),
    _Chart(
        "chart-webhooks",
        "Events waiting for their webhook",
        "events",
        [("waiting", lambda s: s.webhook_backlog, max)],
    ),
    _Chart(
        "chart-memory",
        "Memory of this process (resident)",
        "MiB",
        [("memory", lambda s: s.memory_mib, max)],
    ),
    _Chart(
        "chart-cpu",
        "CPU use of this process",
        "% of one core",
        [("CPU", lambda s: s.cpu_percent, statistics.fmean)],
    ),
)


def _time_ticks(samples: Sequence[Sample]) -> list[tuple[float, str]]:
    first, last = samples[0].at.timestamp(), samples[-1].at.timestamp()
    if last - first < 60:
        return [(first, samples[0].at.strftime("%H:%M"))]
    return [
        (moment, datetime.fromtimestamp(moment, UTC).strftime("%H:%M"))
        for moment in (first + (last - first) * step / 4 for step in range(5))
    ]


def _number(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _point_label(name: str, unit: str) -> Callable[[float, float], str]:
    def label(x: float, y: float) -> str:
        moment = datetime.fromtimestamp(x, UTC).strftime("%H:%M")
        return f"{moment} UTC, {name}: {_number(y)} {unit}"

    return label


@dataclass(frozen=True)
class DrawnChart:
    title: str
    #: None: nothing to draw yet
    svg: Markup | None
    #: the series' names, in the order of the chart's colours (the legend)
    names: tuple[str, ...] = ()


def charts(samples: Sequence[Sample]) -> list[DrawnChart]:
    """Every chart of the page, drawn from ``samples``."""
    drawn: list[DrawnChart] = []
    ticks = _time_ticks(samples) if samples else []
    for chart in _CHARTS:
        series = []
        for name, value, merge in chart.lines:
            points = [
                (sample.at.timestamp(), found)
                for sample in samples
                if (found := value(sample)) is not None
            ]
            if points:
                label = _point_label(name, chart.unit)
                series.append(Series(name, downsample(points, MOST_POINTS, merge), label=label))
        if not series:
            drawn.append(DrawnChart(chart.title, None))
            continue
        names = tuple(line.name for line in series)
        svg = line_chart(
            series,
            title=f"{chart.title} ({chart.unit})",
            description=f"{', '.join(names)} over time (UTC), in {chart.unit}.",
            x_ticks=ticks,
            y_format=_number,
            ident=chart.ident,
        )
        drawn.append(DrawnChart(chart.title, svg, names))
    return drawn


def add_routes(router: APIRouter) -> None:
    async def page(request: Request, who: Annotated[Visitor, Depends(visitor)]) -> Response:
        node: Node = request.app.state.node
        ready = await monitoring.readiness(node.db)
        try:
            snapshot: monitoring.Snapshot | None = await monitoring.snapshot(node.db)
        except Exception:
            snapshot = None  # the readiness above says why
        board: WorkerBoard | None = getattr(request.app.state, "workers", None)
        sampler: HealthSampler | None = getattr(request.app.state, "health_sampler", None)
        samples = list(sampler.samples) if sampler is not None else []
        now = datetime.now(UTC)
        return render(
            request,
            "health.html",
            visitor=who,
            ready=ready,
            database=monitoring.database_kind(node.db),
            snapshot=snapshot,
            workers=list(board.workers.values()) if board is not None else None,
            sampler=sampler,
            samples=samples,
            charts=charts(samples),
            now=now,
            age=lambda then: duration((now - then).total_seconds()) if then else NONE,
            utc=utc,
            duration=duration,
        )

    router.add_api_route("/admin/health", page, methods=["GET"])
