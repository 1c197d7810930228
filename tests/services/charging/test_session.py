"""The live Session: closed ChargingPeriods only, PATCH appends, total_cost estimate.

Spec: mod_sessions.asciidoc "Session Object", "PATCH Method" (charging_periods are appended);
mod_cdrs "ChargingPeriod"; docs/spec-decisions.md "A repeated PATCH of charging_periods".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from openroam._services.charging import (
    ChargingState,
    build_cdr,
    live_session,
    record,
    session_patch,
    stop,
)
from openroam.models.v221.sessions import Session, SessionStatus
from openroam.models.v221.tariffs import Tariff
from openroam.pricing import MeterSample, price, timeline_from_samples
from tests.pricing.strategies import tariffs
from tests.services.charging.support import START, location, minute_samples, started
from tests.services.charging.test_cdr import EVENING

NOW = datetime(2024, 11, 5, 18, 0, tzinfo=UTC)


def test_an_active_session_reports_closed_periods_and_a_running_cost() -> None:
    state = started(EVENING)
    samples = minute_samples(25)  # 17:22 .. 18:10 local: one period closed at 18:00
    for sample in samples:
        state = record(state, sample)
    session = live_session(state, NOW)
    assert session.status is SessionStatus.ACTIVE
    assert session.kwh == Decimal("8.75")
    assert session.end_date_time is None
    assert [p.start_date_time for p in session.charging_periods or []] == [START]
    expected = price(
        EVENING,
        timeline_from_samples([MeterSample(START, Decimal(0)), *samples]),
        "Europe/Amsterdam",
    )
    assert session.total_cost == expected.totals.total_cost
    assert (session.location_id, session.evse_uid, session.connector_id) == ("LOC1", "E1", "1")
    assert session.last_updated == NOW


def test_before_any_meter_value_the_session_has_no_periods_and_no_cost() -> None:
    session = live_session(started(EVENING), NOW)
    assert session.charging_periods is None
    assert session.total_cost is None  # absent = unknown, not free
    assert session.kwh == Decimal(0)


def test_without_a_tariff_the_session_has_no_total_cost() -> None:
    state = started(None, currency="EUR", location=location(tariff_ids=()))
    for sample in minute_samples(3):
        state = record(state, sample)
    assert live_session(state, NOW).total_cost is None


def test_the_completed_session_has_the_cdr_periods() -> None:
    state = started(EVENING)
    samples = minute_samples(30)
    for sample in samples[:-1]:
        state = record(state, sample)
    state = stop(state, samples[-1].timestamp, samples[-1])
    session = live_session(state, NOW)
    cdr = build_cdr(state, cdr_id="CDR1", now=NOW)
    assert session.status is SessionStatus.COMPLETED
    assert session.end_date_time == cdr.end_date_time
    assert session.charging_periods == cdr.charging_periods
    assert session.total_cost == cdr.total_cost
    assert session.kwh == cdr.total_energy


def test_session_patch_sends_changed_fields_and_new_periods_only() -> None:
    state = started(EVENING)
    for sample in minute_samples(19):  # before 18:00: no closed period yet
        state = record(state, sample)
    before = live_session(state, NOW)
    state = record(state, minute_samples(21)[-1])  # 18:02: the first period closed
    after = live_session(state, NOW + timedelta(minutes=2))
    body = session_patch(before, after)
    assert set(body) == {"kwh", "total_cost", "charging_periods", "last_updated"}
    assert len(body["charging_periods"]) == 1
    assert body["last_updated"] == "2024-11-05T18:02:00Z"


# Meter values: (seconds after the previous one, kWh in that interval, charging flag).
steps = st.lists(
    st.tuples(
        st.integers(1, 1800),
        st.integers(0, 5000).map(lambda wh: Decimal(wh) / 1000),
        st.none() | st.booleans(),
        st.none() | st.integers(0, 64).map(Decimal),
    ),
    min_size=1,
    max_size=12,
)
starts = st.integers(0, 3 * 24 * 60).map(
    lambda m: datetime(2024, 10, 25, tzinfo=UTC) + timedelta(minutes=m)
)


def _samples(begin: datetime, drawn: list[Any]) -> list[MeterSample]:
    at, kwh, result = begin, Decimal(0), []
    for seconds, energy, charging, current in drawn:
        at, kwh = at + timedelta(seconds=seconds), kwh + energy
        result.append(MeterSample(at, kwh, current=current, charging=charging))
    return result


@settings(max_examples=150, deadline=None)
@given(tariff=tariffs(), begin=starts, drawn=steps)
def test_patches_rebuild_the_final_session(tariff: Tariff, begin: datetime, drawn: Any) -> None:
    # The partner that applies every PATCH (appending periods, mod_sessions "PATCH Method") to
    # the first PUT holds the final Session: closed periods never change.
    state: ChargingState = started(tariff, start=begin)
    held: dict[str, Any] = live_session(state, begin).to_dict()
    sent = live_session(state, begin)
    samples = _samples(begin, drawn)
    for sample in samples[:-1]:
        state = record(state, sample)
        new = live_session(state, sample.timestamp)
        _apply(held, session_patch(sent, new))
        sent = new
    state = stop(state, samples[-1].timestamp, samples[-1])
    final = live_session(state, samples[-1].timestamp)
    _apply(held, session_patch(sent, final))
    assert Session.model_validate(held, strict=False).to_dict() == final.to_dict()
    assert final.total_cost == build_cdr(state, cdr_id="C", now=begin).total_cost


def _apply(held: dict[str, Any], patch: dict[str, Any]) -> None:
    periods = patch.pop("charging_periods", [])
    held.update(patch)
    if periods:
        held["charging_periods"] = [*held.get("charging_periods", []), *periods]
