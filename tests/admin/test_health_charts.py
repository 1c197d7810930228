"""The Health page's charts drawn from the sampler's ring (openroam._admin.health_page)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from openroam._admin._sampler import Sample
from openroam._admin.health_page import MOST_POINTS, charts, duration, utc

START = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def _sample(index: int, *, first: bool = False) -> Sample:
    return Sample(
        at=START + timedelta(seconds=30 * index),
        requests_per_minute=None if first else {"2xx": 60.0, "3xx": 0.0, "4xx": 2.0, "5xx": 0.0},
        latency_mean_ms=None if first else 3.0,
        latency_p95_ms=None if first else 10.0,
        memory_mib=120.0 + index % 7,
        cpu_percent=None if first else 4.0,
        delivery_backlog=index % 50,
        deliveries_failed=0,
        oldest_delivery_seconds=float(index),
        pull_age_seconds=None,
        webhook_backlog=0,
    )


def test_six_hours_of_samples_are_drawn_in_at_most_120_points_per_line() -> None:
    ring = [_sample(0, first=True)] + [_sample(index) for index in range(1, 720)]
    drawn = charts(ring)
    assert all(chart.svg is not None for chart in drawn)
    for chart in drawn:
        points = str(chart.svg).count('class="point"')
        assert 0 < points <= MOST_POINTS * len(chart.names), chart.title
    requests = drawn[0]
    assert requests.names == ("2xx", "3xx", "4xx", "5xx")
    # The peak of the backlog (49) survives the merging of points.
    backlog = next(chart for chart in drawn if chart.title.startswith("Pushes"))
    assert "waiting: 49 pushes" in str(backlog.svg)
    # The time axis is labelled in UTC from the first to the last sample.
    assert ">06:00<" in str(requests.svg)
    assert ">11:59<" in str(requests.svg)


def test_the_first_sample_draws_what_needs_no_rate() -> None:
    drawn = {chart.title: chart for chart in charts([_sample(0, first=True)])}
    assert drawn["Requests answered per minute, by HTTP status"].svg is None
    assert drawn["CPU use of this process"].svg is None
    memory = drawn["Memory of this process (resident)"].svg
    assert memory is not None
    assert str(memory).count('class="point"') == 1


def test_nothing_sampled_draws_nothing() -> None:
    assert all(chart.svg is None for chart in charts([]))


def test_times_and_durations_read_plainly() -> None:
    assert utc(datetime(2026, 12, 7, 23, 20, 5, 123, tzinfo=UTC)) == "2026-12-07T23:20:05Z"
    assert [duration(s) for s in (5, 600, 3 * 3600, 3 * 86400)] == [
        "5 s",
        "10 min",
        "3.0 h",
        "3.0 d",
    ]
