"""Session start, tariff choice, meter values and status changes (pure state).

Spec: mod_sessions.asciidoc "Session Object", "SessionStatus"; mod_locations "Connector Object"
tariff_ids; docs/spec-decisions.md "Which Tariff applies to a session".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from openroam._services.charging import (
    ChargingError,
    change_status,
    find_connector,
    record,
    select_tariff,
    stop,
)
from openroam.models.common import fold_id
from openroam.models.v221.sessions import SessionStatus
from openroam.models.v221.tariffs import Tariff, TariffType
from openroam.pricing import MeterSample
from tests.pricing.support import component, element, make_tariff
from tests.services.charging.support import START, location, minute_samples, started

ENERGY = make_tariff(element(component("ENERGY", "0.25")))


def _tariff(tariff_id: str, **fields: object) -> Tariff:
    return make_tariff(element(component("ENERGY", "0.30")), id=tariff_id, **fields)


def _choose(tariffs: list[Tariff], at: datetime = START, **kind: TariffType) -> str | None:
    connector = find_connector(location(tariff_ids=[t.id for t in tariffs]), "E1", "1")[1]
    chosen = select_tariff(connector, {fold_id(t.id): t for t in tariffs}, at, **kind)
    return None if chosen is None else chosen.id


def test_the_tariff_of_the_session_type_wins_over_an_untyped_one() -> None:
    # docs/spec-decisions.md "Which Tariff applies to a session": REGULAR for RFID / no
    # preference; a Tariff without type applies to all.
    untyped, regular, adhoc = (
        _tariff("ANY"),
        _tariff("REG", type="REGULAR"),
        _tariff("ADH", type="AD_HOC_PAYMENT"),
    )
    assert _choose([untyped, regular, adhoc]) == "REG"
    assert _choose([untyped, adhoc]) == "ANY"
    assert _choose([untyped, regular, adhoc], tariff_type=TariffType.AD_HOC_PAYMENT) == "ADH"
    assert _choose([adhoc]) is None


def test_the_tariff_valid_at_session_start_applies() -> None:
    # mod_locations "Connector Object": two Tariffs of one type with non-overlapping windows.
    switch = "2024-11-05T17:00:00Z"
    old = _tariff("OLD", type="REGULAR", end_date_time=switch)
    new = _tariff("NEW", type="REGULAR", start_date_time=switch)
    assert _choose([old, new], START) == "OLD"
    assert _choose([old, new], datetime(2024, 11, 5, 17, tzinfo=UTC)) == "NEW"


def test_unknown_tariff_ids_are_skipped() -> None:
    connector = find_connector(location(tariff_ids=["GONE", "T1"]), "E1", "1")[1]
    assert select_tariff(connector, {"T1": ENERGY}, START) is ENERGY
    assert select_tariff(connector, {}, START) is None


def test_the_state_is_sealed_with_the_start_tariff_and_currency() -> None:
    state = started(ENERGY)
    assert state.tariff is ENERGY
    assert state.currency == "EUR"
    assert (state.evse_uid, state.connector_id) == ("E1", "1")  # the Location's spelling
    assert state.status is SessionStatus.ACTIVE
    assert state.kwh == Decimal(0)


def test_start_refusals() -> None:
    with pytest.raises(ChargingError, match="no EVSE"):
        started(ENERGY, evse_uid="E9")
    with pytest.raises(ChargingError, match="no connector"):
        started(ENERGY, connector_id="7")
    with pytest.raises(ChargingError, match="evse_id"):  # mod_cdrs "CdrLocation" evse_id
        started(ENERGY, evse_uid="E2")
    with pytest.raises(ChargingError, match="currency"):
        started(None, location=location(tariff_ids=()))
    with pytest.raises(ChargingError, match="differs"):
        started(ENERGY, currency="USD")
    with pytest.raises(ChargingError, match="another party"):
        started(ENERGY, party_id="XYZ")
    with pytest.raises(ChargingError, match="cannot start"):
        started(ENERGY, status=SessionStatus.COMPLETED)


def test_meter_values_in_order_with_energy_that_never_decreases() -> None:
    first, second = minute_samples(2)
    state = record(record(started(ENERGY), first), second)
    assert state.kwh == Decimal("0.70")
    with pytest.raises(ChargingError, match="time order"):
        record(state, MeterSample(first.timestamp, Decimal(1)))
    with pytest.raises(ChargingError, match="decrease"):
        record(state, MeterSample(second.timestamp + timedelta(minutes=1), Decimal("0.5")))
    with pytest.raises(ChargingError, match="before the session start"):
        record(started(ENERGY), MeterSample(START - timedelta(seconds=1), Decimal(0)))


def test_pending_to_active_moves_the_start() -> None:
    # mod_sessions "Session Object" start_date_time: SHALL be updated to the moment the
    # session became ACTIVE.
    pending = started(ENERGY, status=SessionStatus.PENDING)
    active = change_status(pending, SessionStatus.ACTIVE, START + timedelta(minutes=3))
    assert (active.status, active.start) == (SessionStatus.ACTIVE, START + timedelta(minutes=3))
    with pytest.raises(ChargingError, match="cannot become"):
        change_status(active, SessionStatus.PENDING, START + timedelta(minutes=4))


def test_completed_and_invalid_are_final() -> None:
    state = started(ENERGY)
    with pytest.raises(ChargingError, match="stopped"):
        change_status(state, SessionStatus.COMPLETED, START)
    invalid = change_status(state, SessionStatus.INVALID, START + timedelta(minutes=1))
    assert invalid.end == START + timedelta(minutes=1)
    with pytest.raises(ChargingError, match="INVALID"):
        record(invalid, minute_samples(1)[0])
    done = stop(record(state, minute_samples(1)[0]), START + timedelta(minutes=5))
    assert (done.status, done.end) == (SessionStatus.COMPLETED, START + timedelta(minutes=5))
    for change in (
        lambda s: record(s, minute_samples(3)[2]),
        lambda s: change_status(s, SessionStatus.ACTIVE, START),
        lambda s: stop(s, START + timedelta(minutes=9)),
    ):
        with pytest.raises(ChargingError, match="COMPLETED"):
            change(done)


def test_stop_with_a_final_meter_value_and_refusals() -> None:
    state = record(started(ENERGY), minute_samples(1)[0])
    end = START + timedelta(minutes=4)
    done = stop(state, end, MeterSample(end, Decimal("0.9")))
    assert done.kwh == Decimal("0.9")
    with pytest.raises(ChargingError, match="after it starts"):
        stop(started(ENERGY), START)
    with pytest.raises(ChargingError, match="last meter value"):
        stop(state, START + timedelta(minutes=1))
