"""The Health page's sampler: what /metrics exposes, kept in a bounded ring
(openroam._admin._sampler), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from openroam._admin._sampler import HealthSampler, downsample, sampling
from openroam._server.metrics import NodeMetrics
from openroam._store.db import Database

START = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_rates_and_latency_come_from_the_counts_between_two_samples(
    database: Database,
) -> None:
    metrics, clock = NodeMetrics(), _Clock()
    sampler = HealthSampler(metrics.registry, clock=clock)
    first = await sampler.sample(database, at=START)
    # Nothing to compare with yet; the database values are there from the first sample.
    assert first.requests_per_minute is None
    assert first.latency_mean_ms is None
    assert (first.delivery_backlog, first.deliveries_failed, first.webhook_backlog) == (0, 0, 0)
    assert first.oldest_delivery_seconds == 0
    assert first.pull_age_seconds is None  # nothing ever pulled

    for _ in range(30):
        metrics.requests.observe("GET", "/ocpi/versions", 200, 0.003)
    for _ in range(3):
        metrics.requests.observe("POST", "/ocpi/x", 500, 0.2)
    clock.now += 60
    second = await sampler.sample(database, at=START + timedelta(seconds=60))

    assert second.requests_per_minute == {"2xx": 30.0, "3xx": 0.0, "4xx": 0.0, "5xx": 3.0}
    assert second.latency_mean_ms == pytest.approx((30 * 3 + 3 * 200) / 33)
    # 95 % of 33 requests is 31.35: the 0.25 s bucket is the first to hold that many.
    assert second.latency_p95_ms == pytest.approx(250)
    assert list(sampler.samples) == [first, second]
    assert sampler.since == START

    # A quiet minute: no requests, so no latency.
    clock.now += 60
    third = await sampler.sample(database, at=START + timedelta(seconds=120))
    assert third.requests_per_minute == {"2xx": 0.0, "3xx": 0.0, "4xx": 0.0, "5xx": 0.0}
    assert third.latency_mean_ms is None
    assert third.latency_p95_ms is None


async def test_the_process_memory_and_cpu_are_sampled(database: Database) -> None:
    metrics, clock = NodeMetrics(), _Clock()
    sampler = HealthSampler(metrics.registry, clock=clock)
    first = await sampler.sample(database)
    clock.now += 30
    second = await sampler.sample(database)
    if first.memory_mib is None:
        pytest.skip("no /proc on this system: prometheus-client reads no process metrics")
    assert first.memory_mib > 1
    assert second.cpu_percent is not None
    assert second.cpu_percent >= 0


async def test_the_ring_keeps_the_newest_samples_only(database: Database) -> None:
    sampler = HealthSampler(NodeMetrics().registry, interval=30, keep_seconds=90)
    for minute in range(5):
        await sampler.sample(database, at=START + timedelta(minutes=minute))
    assert [s.at.minute for s in sampler.samples] == [2, 3, 4]


async def test_the_sampler_runs_with_its_block_and_stops_after(database: Database) -> None:
    sampler = HealthSampler(NodeMetrics().registry, interval=3600)
    async with sampling(sampler, database):
        for _ in range(500):  # bounded: the first sample is taken at once
            if sampler.samples:
                break
            await asyncio.sleep(0.01)
        assert len(sampler.samples) == 1
    running = [t for t in asyncio.all_tasks() if t.get_name() == "openroam-health-sampler"]
    assert not running


def test_downsampling_keeps_peaks_and_the_last_time() -> None:
    points = [(float(x), 1.0) for x in range(720)]
    points[100] = (100.0, 50.0)
    merged = downsample(points, 120)
    assert len(merged) == 120
    assert max(y for _, y in merged) == 50.0
    assert merged[-1][0] == 719.0
    assert downsample(points[:10], 120) == points[:10]
