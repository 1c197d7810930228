"""The charging state survives the store: JSON and back, exactly."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from openroam._services.charging import record, stop
from openroam._services.charging.codec import dump_state, load_state
from openroam.models.v221.sessions import SessionStatus
from openroam.pricing import MeterSample
from tests.services.charging.support import START, location, minute_samples, started
from tests.services.charging.test_cdr import EVENING


def test_a_state_with_meter_values_round_trips() -> None:
    state = started(EVENING, meter_id="M-1", status=SessionStatus.PENDING)
    state = record(state, MeterSample(START + timedelta(microseconds=1), Decimal("0.0001")))
    for sample in minute_samples(3):
        state = record(state, sample)
    state = record(state, MeterSample(START + timedelta(minutes=7), Decimal("1.5"), charging=False))
    assert load_state(dump_state(state)) == state
    done = stop(state, START + timedelta(minutes=9, seconds=1, microseconds=5))
    assert load_state(dump_state(done)) == done


def test_a_state_without_tariff_round_trips() -> None:
    state = started(None, currency="EUR", location=location(tariff_ids=()))
    assert load_state(dump_state(state)) == state


def test_an_unknown_version_is_refused() -> None:
    data = dump_state(started(EVENING)).replace(b'"version":1', b'"version":9')
    with pytest.raises(ValueError, match="version"):
        load_state(data)
