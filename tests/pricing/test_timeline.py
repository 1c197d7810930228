"""Session timelines from meter samples and from ChargingPeriods (mod_cdrs "ChargingPeriod")."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from openroam.models.v221.cdrs import CDR, ChargingPeriod
from openroam.models.v221.sessions import Session
from openroam.pricing import (
    MeterSample,
    Reservation,
    State,
    timeline_from_periods,
    timeline_from_samples,
)
from openroam.pricing._timeline import to_datetime, to_micros
from tests import documents
from tests.spec_examples import example_bytes, spec_example

T0 = datetime(2024, 6, 3, 8, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_microseconds_round_trip_exactly() -> None:
    moment = datetime(2024, 6, 3, 8, 0, 1, 250_000, tzinfo=UTC)
    assert to_micros(moment) == 1_717_401_601_250_000
    assert to_datetime(to_micros(moment)) == moment


def test_samples_state_follows_energy_unless_given() -> None:
    """Without a charging flag, an interval is charging when energy increases; the flag wins
    (PARKING_TIME is "not requesting power", which only the charger knows)."""
    timeline = timeline_from_samples(
        [
            MeterSample(at(0), Decimal(0)),
            MeterSample(at(30), Decimal(10)),
            MeterSample(at(40), Decimal(10), charging=True),
            MeterSample(at(50), Decimal(10)),
            MeterSample(at(60), Decimal(10)),
        ]
    )
    states = [segment.state for segment in timeline.segments]
    assert states == [State.CHARGING, State.PARKING, State.CHARGING, State.PARKING]


def test_samples_power_defaults_to_average_and_holds_measured_values() -> None:
    timeline = timeline_from_samples(
        [
            MeterSample(at(0), Decimal(0), current=Decimal(16)),
            MeterSample(at(30), Decimal(11), power=Decimal(20)),
            MeterSample(at(60), Decimal(21)),
        ]
    )
    first, second = timeline.segments
    assert (first.current, first.power) == (Decimal(16), Decimal(22))
    assert (second.current, second.power) == (None, Decimal(20))


def test_samples_must_be_in_time_order_and_at_least_two() -> None:
    with pytest.raises(ValueError, match="time order"):
        timeline_from_samples([MeterSample(at(10), Decimal(0)), MeterSample(at(0), Decimal(1))])
    with pytest.raises(ValueError, match="at least two"):
        timeline_from_samples([MeterSample(at(0), Decimal(0))])


def test_periods_of_our_cdr_document() -> None:
    """tests/documents/cdr.json: charging 18:15-19:45 with 16.2 kWh, then parking until the CDR's
    end at 20:03; each period's span (to the next start, or to the CDR end) is its length."""
    cdr = CDR.from_json(documents.raw("cdr.json"))
    timeline = timeline_from_periods(cdr.charging_periods, cdr.end_date_time)
    assert [(s.state, s.energy, s.end - s.start) for s in timeline.segments] == [
        (State.CHARGING, Decimal("16.2"), 90 * 60 * 10**6),
        (State.PARKING, Decimal(0), 18 * 60 * 10**6),
    ]


def test_periods_of_our_completed_session_document() -> None:
    """tests/documents/session_completed.json: two charging periods (ENERGY with MAX_CURRENT, then
    with MIN_CURRENT), then parking until the Session's end."""
    session = Session.from_json(documents.raw("session_completed.json"))
    assert session.end_date_time is not None
    timeline = timeline_from_periods(session.charging_periods or [], session.end_date_time)
    states = [(s.state, s.energy, s.current) for s in timeline.segments]
    assert states == [
        (State.CHARGING, Decimal("2.25"), Decimal(16)),
        (State.CHARGING, Decimal("18.75"), Decimal(32)),
        (State.PARKING, Decimal(0), None),
    ]
    parking = timeline.segments[-1]
    assert parking.end - parking.start == 18 * 60 * 10**6


@spec_example
def test_periods_of_the_spec_cdr_example() -> None:
    """cdr_example.json: one period with TIME 1.973 h; its span (start to CDR end) is its length."""
    cdr = CDR.from_json(example_bytes("cdr_example.json"))
    timeline = timeline_from_periods(cdr.charging_periods, cdr.end_date_time)
    (segment,) = timeline.segments
    assert segment.state is State.CHARGING
    assert segment.end - segment.start == 7103 * 10**6  # 21:39:09 → 23:37:32


@spec_example
def test_periods_of_the_spec_session_example_2() -> None:
    """session_example_2_short_finished.json: two energy periods then parking
    (docs/spec-decisions.md "Session examples: ENERGY volumes in Wh": they are read as kWh, as
    the spec defines)."""
    session = Session.from_json(example_bytes("session_example_2_short_finished.json"))
    assert session.end_date_time is not None
    timeline = timeline_from_periods(session.charging_periods or [], session.end_date_time)
    states = [(s.state, s.energy, s.current) for s in timeline.segments]
    assert states == [
        (State.CHARGING, Decimal(120), Decimal(30)),
        (State.CHARGING, Decimal(41000), Decimal(34)),
        (State.PARKING, Decimal(0), None),
    ]
    parking = timeline.segments[-1]
    assert parking.end - parking.start == (43 * 60 + 7) * 10**6


def _period(start: str, **volumes: str) -> ChargingPeriod:
    dims = [{"type": k.upper(), "volume": float(v)} for k, v in volumes.items()]
    return ChargingPeriod.from_json(json.dumps({"start_date_time": start, "dimensions": dims}))


def test_period_with_time_and_parking_is_split_charging_first() -> None:
    """A period holding TIME and PARKING_TIME: charging first for its TIME, parking for the rest."""
    period = _period("2024-06-03T08:00:00Z", energy="5", time="0.5", parking_time="0.5")
    timeline = timeline_from_periods([period], at(60))
    assert [(s.state, s.end - s.start, s.energy) for s in timeline.segments] == [
        (State.CHARGING, 1800 * 10**6, Decimal(5)),
        (State.PARKING, 1800 * 10**6, Decimal(0)),
    ]


def test_reservation_only_periods_mean_an_expired_reservation() -> None:
    """A CDR "for a reservation that never resulted in a charging session" (mod_cdrs
    CdrLocation) holds only reservation time: it is read as expired unless told otherwise."""
    period = _period("2024-06-03T08:00:00Z", reservation_time="1")
    assert timeline_from_periods([period], at(60)).reservation_expired
    assert not timeline_from_periods(
        [period], at(60), reservation_expired=False
    ).reservation_expired
    session = _period("2024-06-03T09:00:00Z", energy="1")
    assert not timeline_from_periods([period, session], at(90)).reservation_expired


def test_reservation_cannot_overlap_the_session() -> None:
    """mod_tariffs "TariffRestrictions" reservation ends when the driver starts charging."""
    session = [MeterSample(at(10), Decimal(0)), MeterSample(at(20), Decimal(1))]
    with pytest.raises(ValueError, match="ends after the session starts"):
        timeline_from_samples(session, reservation=Reservation(at(0), at(15)))
    timeline = timeline_from_samples(session, reservation=Reservation(at(0)))
    assert [s.state for s in timeline.segments] == [State.RESERVATION, State.CHARGING]
    assert timeline.segments[0].end == timeline.segments[1].start
