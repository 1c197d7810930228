"""The CDR built at the stop: periods, totals, CdrLocation, no-Tariff rule, Credit CDRs.

Spec: mod_cdrs.asciidoc "CDR Object", "CdrLocation", "ChargingPeriod", "Credit CDRs";
docs/spec-decisions.md "Which Tariff applies to a session", "CDR totals add up".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from openroam._services.charging import (
    ChargingError,
    ChargingState,
    build_cdr,
    credit_cdr,
    record,
    stop,
)
from openroam.models.v221.cdrs import CDR, CdrDimensionType
from openroam.models.v221.locations import ConnectorFormat, ConnectorType, PowerType
from openroam.models.v221.types import Price
from openroam.pricing import MeterSample, audit, price, timeline_from_samples
from tests.pricing.support import component, element, make_tariff
from tests.services.charging.support import START, location, minute_samples, started

NOW = datetime(2024, 11, 5, 18, 0, tzinfo=UTC)

# ENERGY 0.35/kWh from 18:00 local, 0.25/kWh before; TIME 1.00/h all day; VAT 21 %.
EVENING = make_tariff(
    element(component("ENERGY", "0.35", vat="21"), start_time="18:00", end_time="00:00"),
    element(component("ENERGY", "0.25", vat="21"), component("TIME", "1.00", vat="21")),
)


def _run(state: ChargingState, samples: list[MeterSample]) -> ChargingState:
    for sample in samples[:-1]:
        state = record(state, sample)
    return stop(state, samples[-1].timestamp, samples[-1])


def test_cdr_totals_across_an_18_00_price_change_equal_a_recomputation() -> None:
    # 30 meter values every 2 minutes, 17:20-18:20 Amsterdam: the price changes at 18:00
    # local (17:00 UTC), so a new ChargingPeriod starts there (mod_cdrs "ChargingPeriod").
    samples = minute_samples(30)
    cdr = build_cdr(_run(started(EVENING), samples), cdr_id="CDR1", now=NOW)

    starts = [p.start_date_time for p in cdr.charging_periods]
    assert starts == [START, datetime(2024, 11, 5, 17, 0, tzinfo=UTC)]
    assert all(p.tariff_id == "T1" for p in cdr.charging_periods)

    # An independent recomputation over the same samples.
    expected = price(
        EVENING,
        timeline_from_samples([MeterSample(START, Decimal(0)), *samples]),
        "Europe/Amsterdam",
    ).totals
    for name in type(expected).model_fields:
        if name != "total_reservation_cost":
            assert getattr(cdr, name) == getattr(expected, name), name
    assert cdr.total_reservation_cost is None
    # And by hand: 7.0 kWh at 0.25 + 3.5 kWh at 0.35 + 1 h at 1.00 = 3.975, + 21 % VAT.
    assert cdr.total_cost == Price(excl_vat=Decimal("3.975"), incl_vat=Decimal("4.8098"))
    assert cdr.total_energy == Decimal("10.5")
    assert cdr.total_time == Decimal(1)
    assert cdr.total_parking_time == Decimal(0)
    # The eMSP's audit of the CDR against the Tariff it carries finds nothing.
    report = audit(CDR.from_json(cdr.to_json()), zone="Europe/Amsterdam")
    assert report.ok, report.differences


def test_cdr_carries_the_session_data_and_the_tariff() -> None:
    cdr = build_cdr(_run(started(EVENING), minute_samples(3)), cdr_id="CDR1", now=NOW)
    assert (cdr.country_code, cdr.party_id, cdr.id, cdr.session_id) == ("NL", "ORM", "CDR1", "S1")
    assert cdr.start_date_time == START
    assert cdr.end_date_time == START + timedelta(minutes=6)
    assert cdr.cdr_token.uid == "04A1B2C3"
    assert cdr.authorization_reference == "AUTH1"
    assert cdr.currency == "EUR"
    assert cdr.tariffs == [EVENING]
    assert cdr.last_updated == NOW
    assert cdr.credit is None


def test_cdr_location_copies_location_evse_and_connector() -> None:
    # mod_cdrs "CdrLocation": the connector's standard, format and power type included.
    cdr = build_cdr(_run(started(EVENING), minute_samples(2)), cdr_id="CDR1", now=NOW)
    place = cdr.cdr_location
    assert (place.id, place.name, place.address, place.city) == (
        "LOC1",
        "Stationsplein",
        "Stationsplein 1",
        "Utrecht",
    )
    assert (place.postal_code, place.country) == ("3511ED", "NLD")
    assert place.coordinates == location().coordinates
    assert (place.evse_uid, place.evse_id, place.connector_id) == ("E1", "NL*ORM*E1", "1")
    assert place.connector_standard is ConnectorType.IEC_62196_T2
    assert place.connector_format is ConnectorFormat.SOCKET
    assert place.connector_power_type is PowerType.AC_3_PHASE


def test_parking_after_the_last_meter_value_is_parking_time() -> None:
    # Stopped 30 minutes after the last meter value, without a final one: not charging.
    state = started(EVENING)
    for sample in minute_samples(5):
        state = record(state, sample)
    state = stop(state, START + timedelta(minutes=40))
    cdr = build_cdr(state, cdr_id="CDR1", now=NOW)
    last = cdr.charging_periods[-1]
    assert {d.type for d in last.dimensions} >= {CdrDimensionType.PARKING_TIME}
    assert cdr.total_parking_time == Decimal("0.5")
    assert cdr.total_time == Decimal("0.6667")


def test_without_a_tariff_the_backend_states_total_cost() -> None:
    # mod_locations "Connector Object" tariff_ids: free charging points to a free Tariff; with
    # none, openroam cannot price (absent cost is unknown, mod_sessions total_cost).
    state = _run(started(None, currency="EUR", location=location(tariff_ids=())), minute_samples(4))
    with pytest.raises(ChargingError, match="total_cost"):
        build_cdr(state, cdr_id="CDR1", now=NOW)
    cost = Price(excl_vat=Decimal("2.00"), incl_vat=Decimal("2.42"))
    cdr = build_cdr(state, cdr_id="CDR1", now=NOW, total_cost=cost)
    assert cdr.total_cost == cost
    assert cdr.tariffs is None
    assert cdr.total_energy_cost is None
    assert cdr.total_energy == Decimal("1.4")
    # "absent: no tariff relevant in this period" (mod_cdrs "ChargingPeriod")
    assert all(p.tariff_id is None for p in cdr.charging_periods)
    assert b"tariff_id" not in cdr.to_json()


def test_with_a_tariff_the_backend_cannot_override_the_total() -> None:
    state = _run(started(EVENING), minute_samples(2))
    with pytest.raises(ChargingError, match="total_cost"):
        build_cdr(state, cdr_id="CDR1", now=NOW, total_cost=Price(excl_vat=Decimal(1)))


def test_a_cdr_needs_a_stopped_session() -> None:
    state = record(started(EVENING), minute_samples(1)[0])
    with pytest.raises(ChargingError, match="not been stopped"):
        build_cdr(state, cdr_id="CDR1", now=NOW)


def test_credit_cdr_negates_total_cost_and_references_the_original() -> None:
    # mod_cdrs "Credit CDRs": new id (e.g. "-C" appended), credit=true, credit_reference_id,
    # all data of the original, "only the values in the total_cost field" negative.
    original = build_cdr(_run(started(EVENING), minute_samples(30)), cdr_id="CDR1", now=NOW)
    later = NOW + timedelta(days=3)
    credit = credit_cdr(original, now=later)
    assert (credit.id, credit.credit, credit.credit_reference_id) == ("CDR1-C", True, "CDR1")
    assert credit.total_cost == Price(excl_vat=Decimal("-3.975"), incl_vat=Decimal("-4.8098"))
    assert credit.last_updated == later
    same = {"id", "credit", "credit_reference_id", "total_cost", "last_updated"}
    assert credit.model_dump(exclude=same) == original.model_dump(exclude=same)


def test_credit_cdr_may_take_an_id_of_up_to_39_characters() -> None:
    original = build_cdr(_run(started(EVENING), minute_samples(2)), cdr_id="A" * 36, now=NOW)
    assert credit_cdr(original, now=NOW).id == "A" * 36 + "-C"
    assert credit_cdr(original, now=NOW, cdr_id="B" * 39).id == "B" * 39
    with pytest.raises(ValidationError, match="id"):
        credit_cdr(original, now=NOW, cdr_id="B" * 40)
    with pytest.raises(ChargingError):
        credit_cdr(original, now=NOW, cdr_id="a" * 36)


def test_a_credit_cdr_is_not_credited_again() -> None:
    original = build_cdr(_run(started(EVENING), minute_samples(2)), cdr_id="CDR1", now=NOW)
    with pytest.raises(ChargingError, match="Credit CDR itself"):
        credit_cdr(credit_cdr(original, now=NOW), now=NOW)
