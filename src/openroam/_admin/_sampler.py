"""The Health page's history: what ``/metrics`` exposes, sampled in the node's process.

Every ``interval`` seconds (30) the sampler reads this app's metrics registry (requests by
status, their latency, the process's memory and CPU) and the database snapshot ``/metrics``
reads (delivery backlog, pull age, webhook backlog), and keeps one :class:`Sample` in a ring of
``keep_seconds`` (6 h: 720 samples, some 100 kB). It runs with the app's lifespan
(:func:`sampling`).

Nothing is written anywhere: a restart starts with an empty history, and each process of a node
has its own (its requests only; the database values are the same for all).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry

from openroam._services import monitoring
from openroam._store.db import Database

__all__ = ["HealthSampler", "Sample", "downsample", "sampling"]

log = logging.getLogger("openroam.console")

#: The status classes the request chart shows, in order.
STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx")


@dataclass(frozen=True, slots=True)
class Sample:
    """The node at ``at``; rates over the interval since the previous sample (None on the first
    sample, when nothing to compare with; database values None when the database did not
    answer)."""

    at: datetime
    #: requests answered per minute, by status class
    requests_per_minute: dict[str, float] | None
    #: mean and 95th percentile (the upper bound of its latency bucket) in milliseconds
    latency_mean_ms: float | None
    latency_p95_ms: float | None
    #: resident memory (MiB) and CPU use (% of one core) of this process
    memory_mib: float | None
    cpu_percent: float | None
    delivery_backlog: int | None
    deliveries_failed: int | None
    #: the oldest pending push (seconds; 0: none pending)
    oldest_delivery_seconds: float | None
    #: the longest time since a partner module's last successful pull (seconds)
    pull_age_seconds: float | None
    webhook_backlog: int | None


@dataclass(frozen=True, slots=True)
class _Counters:
    """The cumulative values of the registry at one moment."""

    monotonic: float
    by_class: dict[str, float]
    #: latency bucket upper bound → cumulative count, over every route
    buckets: dict[float, float]
    latency_sum: float
    latency_count: float
    cpu_seconds: float | None
    memory_bytes: float | None


def _read_registry(registry: CollectorRegistry, now: float) -> _Counters:
    by_class = dict.fromkeys(STATUS_CLASSES, 0.0)
    buckets: dict[float, float] = {}
    latency_sum = latency_count = 0.0
    cpu: float | None = None
    memory: float | None = None
    for family in registry.collect():
        for sample in family.samples:
            if sample.name == "openroam_http_requests_total":
                status = sample.labels.get("status", "")
                key = f"{status[:1]}xx"
                if key in by_class:
                    by_class[key] += sample.value
            elif sample.name == "openroam_http_request_duration_seconds_bucket":
                bound = float(sample.labels["le"])
                buckets[bound] = buckets.get(bound, 0.0) + sample.value
            elif sample.name == "openroam_http_request_duration_seconds_sum":
                latency_sum += sample.value
            elif sample.name == "openroam_http_request_duration_seconds_count":
                latency_count += sample.value
            elif sample.name == "process_cpu_seconds_total":
                cpu = sample.value
            elif sample.name == "process_resident_memory_bytes":
                memory = sample.value
    return _Counters(now, by_class, buckets, latency_sum, latency_count, cpu, memory)


def _p95(before: dict[float, float], after: dict[float, float]) -> float | None:
    # The buckets are cumulative: the first bound whose count reaches 95 % of all.
    bounds = sorted(after)
    total = after.get(math.inf, 0.0) - before.get(math.inf, 0.0)
    if total <= 0:
        return None
    for bound in bounds:
        if after[bound] - before.get(bound, 0.0) >= 0.95 * total:
            return bound
    return None


class HealthSampler:
    """A bounded ring of :class:`Sample`, filled by :meth:`sample` (see the module docstring)."""

    def __init__(
        self,
        registry: CollectorRegistry,
        interval: float = 30.0,
        keep_seconds: float = 6 * 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.registry = registry
        self.interval = interval
        self.samples: deque[Sample] = deque(maxlen=max(1, int(keep_seconds // interval)))
        self._clock = clock
        self._previous: _Counters | None = None
        #: when this process started sampling (None: not yet)
        self.since: datetime | None = None

    async def sample(self, db: Database, at: datetime | None = None) -> Sample:
        """Read the registry and the database now, and keep the sample."""
        at = at or datetime.now(UTC)
        self.since = self.since or at
        counters = _read_registry(self.registry, self._clock())
        previous, self._previous = self._previous, counters
        try:
            snapshot: monitoring.Snapshot | None = await monitoring.snapshot(db)
        except Exception:
            log.warning("health sampler: the database did not answer", exc_info=True)
            snapshot = None
        taken = Sample(at, *_rates(previous, counters), *_database_values(snapshot, at))
        self.samples.append(taken)
        return taken

    async def run(self, db: Database, stop: asyncio.Event) -> None:
        """Sample now and every ``interval`` seconds until ``stop`` is set."""
        while not stop.is_set():
            try:
                await self.sample(db)
            except Exception:
                log.exception("health sampler round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.interval)


def _rates(
    before: _Counters | None, after: _Counters
) -> tuple[dict[str, float] | None, float | None, float | None, float | None, float | None]:
    memory = after.memory_bytes / 2**20 if after.memory_bytes is not None else None
    if before is None or after.monotonic <= before.monotonic:
        return None, None, None, memory, None
    minutes = (after.monotonic - before.monotonic) / 60
    per_minute = {
        key: max(after.by_class[key] - before.by_class[key], 0.0) / minutes
        for key in STATUS_CLASSES
    }
    count = after.latency_count - before.latency_count
    mean = (after.latency_sum - before.latency_sum) / count * 1000 if count > 0 else None
    p95 = _p95(before.buckets, after.buckets)
    cpu = None
    if after.cpu_seconds is not None and before.cpu_seconds is not None:
        cpu = max(after.cpu_seconds - before.cpu_seconds, 0.0) / (minutes * 60) * 100
    return per_minute, mean, p95 * 1000 if p95 is not None else None, memory, cpu


def _database_values(
    snapshot: monitoring.Snapshot | None, at: datetime
) -> tuple[int | None, int | None, float | None, float | None, int | None]:
    if snapshot is None:
        return None, None, None, None, None

    def age(then: datetime | None) -> float:
        return max((at - then).total_seconds(), 0.0) if then is not None else 0.0

    oldest = max((age(row.oldest_pending_at) for row in snapshot.deliveries), default=0.0)
    pulled = [age(row.last_pull_at) for row in snapshot.pulls if row.last_pull_at is not None]
    return (
        sum(row.pending for row in snapshot.deliveries),
        sum(row.failed for row in snapshot.deliveries),
        oldest,
        max(pulled, default=None),
        snapshot.webhooks.pending,
    )


def downsample(
    points: Sequence[tuple[float, float]],
    most: int,
    combine: Callable[[Iterable[float]], float] = max,
) -> list[tuple[float, float]]:
    """At most ``most`` points: consecutive points merged (x of the last, y combined — ``max``
    for backlogs and latency, so a peak is never averaged away)."""
    if len(points) <= most:
        return list(points)
    size = math.ceil(len(points) / most)
    merged = []
    for start in range(0, len(points), size):
        chunk = points[start : start + size]
        merged.append((chunk[-1][0], combine(y for _, y in chunk)))
    return merged


@contextlib.asynccontextmanager
async def sampling(sampler: HealthSampler, db: Database) -> AsyncIterator[None]:
    """``sampler`` running for the duration of the block."""
    stop = asyncio.Event()
    task = asyncio.create_task(sampler.run(db, stop), name="openroam-health-sampler")
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(task, return_exceptions=True)
