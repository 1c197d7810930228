"""A CDR's reported time volumes against its timestamps (docs/pricing.md "Reported volumes and
timestamps"; mod_cdrs "ChargingPeriod", "CdrDimensionType").

A period is placed on the clock by its timestamps (start to the next period's start, the last to
the CDR's end). Its TIME / PARKING_TIME / RESERVATION_TIME volume is what the CPO reports: within
2 s of the span it is the span rounded and the exact span is priced; beyond it the volume is
priced, and a finding names the period, the dimension and both values.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from openroam.models.v221.cdrs import CDR, CdrDimension, CdrDimensionType, ChargingPeriod
from openroam.models.v221.tariffs import Tariff
from openroam.pricing import PricingResult, VolumeFinding, audit, explain, price
from openroam.pricing import timeline_from_periods as periods_timeline
from tests import documents
from tests.pricing.support import charge, component, element, make_tariff, run
from tests.pricing.test_audit import cdr_from
from tests.spec_examples import dump_json

T0 = datetime(2024, 6, 3, 10, 0, tzinfo=UTC)  # a Monday; all times UTC
D = Decimal

TIME_AND_PARKING = make_tariff(
    element(component("TIME", "2.00"), component("PARKING_TIME", "6.00")),
)


def at(minutes: float) -> datetime:
    return T0 + timedelta(seconds=round(minutes * 60))


def period(minutes: float, **volumes: str) -> ChargingPeriod:
    """A ChargingPeriod starting ``minutes`` after 10:00 with the given volumes (kWh, hours)."""
    dims = [{"type": k.upper(), "volume": D(v)} for k, v in volumes.items()]
    body = {"start_date_time": f"{at(minutes):%Y-%m-%dT%H:%M:%SZ}", "dimensions": dims}
    return ChargingPeriod.from_json(dump_json(body))


def priced(tariff: Tariff, end: float, *periods: ChargingPeriod) -> PricingResult:
    return price(tariff, periods_timeline(list(periods), at(end)), "UTC")


def cost(result: PricingResult) -> Decimal:
    return result.totals.total_cost.excl_vat


def cdr(tariff: Tariff, end: float, *periods: ChargingPeriod, **changes: Any) -> CDR:
    """A CDR with these periods and the totals a CPO pricing its volumes would send."""
    body = documents.load_decimal("cdr.json")
    body.update(
        {
            "start_date_time": json.loads(periods[0].to_json())["start_date_time"],
            "end_date_time": f"{at(end):%Y-%m-%dT%H:%M:%SZ}",
            "tariffs": [json.loads(tariff.to_json())],
            "charging_periods": [
                {**json.loads(p.to_json()), "tariff_id": tariff.id} for p in periods
            ],
            **json.loads(priced(tariff, end, *periods).totals.to_json()),
        }
    )
    body.update(changes)
    return CDR.from_json(dump_json(body))


# --- which is priced -------------------------------------------------------------------------


def test_disagreeing_time_volume_is_priced_with_a_finding() -> None:
    """30 minutes of timestamps, 1 h of reported TIME at 2.00/h: 2.00, not 1.00."""
    result = priced(TIME_AND_PARKING, 30, period(0, energy="10", time="1"))
    assert cost(result) == D("2.00")
    assert result.totals.total_time == D("1.0000")
    assert result.findings == (
        VolumeFinding(
            0,
            "TIME",
            D(1),
            D("0.5"),
            "volume",
            "the TIME volume 1 h differs from the timestamps' 0.5000 h by more than 2 s: "
            "the volume is priced",
        ),
    )
    assert result.charging_periods()[0].dimensions[1].volume == D("1.0000")


def test_agreeing_volumes_change_nothing() -> None:
    """17 minutes reported as 0.2833 h (4 decimals, 0.12 s short): no finding, and the exact
    17 minutes are priced, as without any volume."""
    agreeing = priced(TIME_AND_PARKING, 17, period(0, energy="5", time="0.2833"))
    without = priced(TIME_AND_PARKING, 17, period(0, energy="5"))
    assert agreeing.findings == ()
    assert agreeing.totals == without.totals
    assert cost(agreeing) == D("0.5667")  # 17/60 h at 2.00, to 4 decimals
    assert [row.duration_from for row in explain(agreeing)[:-1]] == ["timestamps"]


def test_within_two_seconds_is_agreement_beyond_is_not() -> None:
    """2 s is the tolerance: 0.5 h reported for 30 min 2 s agrees, for 30 min 3 s it does not."""
    tolerated = priced(TIME_AND_PARKING, 30 + 2 / 60, period(0, time="0.5"))
    assert tolerated.findings == ()
    assert tolerated.totals.total_time == D("0.5006")  # the exact span, 30 min 2 s
    beyond = priced(TIME_AND_PARKING, 30 + 3 / 60, period(0, time="0.5"))
    assert [f.priced for f in beyond.findings] == ["volume"]
    assert cost(beyond) == D("1.00")


def test_missing_volumes_use_the_timestamps() -> None:
    """Periods with ENERGY only: charging for their span, as before; no finding."""
    result = priced(TIME_AND_PARKING, 45, period(0, energy="5"), period(20, energy="3"))
    assert result.findings == ()
    assert cost(result) == D("1.50")
    assert {row.duration_from for row in explain(result)[:-1]} == {"timestamps"}


def test_parking_time_volume_is_priced_as_parking() -> None:
    """Charging agrees (30 min); parking reports 1 h over 30 min of timestamps: 1.00 + 6.00."""
    result = priced(
        TIME_AND_PARKING, 60, period(0, energy="10", time="0.5"), period(30, parking_time="1")
    )
    assert cost(result) == D("7.00")
    assert (result.totals.total_time, result.totals.total_parking_time) == (D("1.5"), D(1))
    assert [(f.period, f.dimension, f.reported, f.timestamps) for f in result.findings] == [
        (1, "PARKING_TIME", D(1), D("0.5"))
    ]
    rows = [r for r in explain(result) if r.kind == "line"]
    assert [(r.dimension, r.duration_from) for r in rows] == [
        ("TIME", "timestamps"),
        ("PARKING_TIME", "volume"),
    ]
    assert "reported time volume is priced" in rows[1].why


def test_step_size_applies_to_the_volume_total() -> None:
    """Parking step 15 min: 36 min reported over 30 min of timestamps is billed as 45 min."""
    tariff = make_tariff(element(component("TIME", "2.00"), component("PARKING_TIME", "6", 900)))
    result = priced(tariff, 60, period(0, time="0.5"), period(30, parking_time="0.6"))
    assert result.totals.total_parking_cost.excl_vat == D("4.50")
    assert [(s.measured, s.billed) for s in result.steps] == [(D("0.6"), D("0.75"))]


def test_time_and_parking_in_one_period_are_compared_as_a_sum() -> None:
    """TIME 0.5 + PARKING_TIME 1 over 30 min: both priced as reported (1.00 + 6.00); on the
    clock the span is shared 1:2 (10 min charging, then 20 min parking)."""
    result = priced(TIME_AND_PARKING, 30, period(0, energy="4", time="0.5", parking_time="1"))
    assert cost(result) == D("7.00")
    assert [(f.dimension, f.reported) for f in result.findings] == [("TIME+PARKING_TIME", D("1.5"))]
    assert [(p.state.value, p.end - p.start, p.volume) for p in result.periods] == [
        ("CHARGING", 600_000_000, 1_800_000_000),
        ("PARKING", 1_200_000_000, 3_600_000_000),
    ]


def test_reservation_time_volume() -> None:
    tariff = make_tariff(
        element(component("TIME", "1.00"), reservation="RESERVATION"),
        element(component("TIME", "2.00")),
    )
    result = priced(tariff, 40, period(0, reservation_time="0.5"), period(10, time="0.5"))
    assert cost(result) == D("0.50") + D("1.00")
    assert [(f.period, f.dimension) for f in result.findings] == [(0, "RESERVATION_TIME")]


# --- restrictions: the clock from timestamps, durations from reported time -------------------


def test_time_of_day_comes_from_the_timestamps() -> None:
    """1.00/h until 10:30, 3.00/h after. 2 h reported over 10:00-11:00: spread evenly, 1 h at
    each price (4.00), and the period is split at 10:30 where the price changes."""
    tariff = make_tariff(
        element(component("TIME", "1.00"), end_time="10:30"),
        element(component("TIME", "3.00")),
    )
    result = priced(tariff, 60, period(0, energy="5", time="2"))
    assert cost(result) == D("4.00")
    assert [(p.end - p.start, p.volume) for p in result.periods] == [
        (1_800_000_000, 3_600_000_000),
        (1_800_000_000, 3_600_000_000),
    ]
    starts = [f"{p.start_date_time:%H:%M}" for p in result.charging_periods()]
    assert starts == ["10:00", "10:30"]


def test_durations_count_reported_time() -> None:
    """max_duration 1 h at 1.00/h, then 3.00/h. The first period reports 1.5 h over 30 min, the
    second 0.5 h over 30 min (agreeing): the session's first hour is reached inside the first
    period, so 1 h at 1.00 + 0.5 h + 0.5 h at 3.00 = 4.00 (by timestamps: 1 h at 1.00)."""
    tariff = make_tariff(
        element(component("TIME", "1.00"), max_duration=3600),
        element(component("TIME", "3.00")),
    )
    result = priced(tariff, 60, period(0, time="1.5"), period(30, time="0.5"))
    assert cost(result) == D("4.00")
    first, second, third = result.periods
    assert (first.end - first.start, first.volume) == (1_200_000_000, 3_600_000_000)
    assert (second.end - second.start, second.volume) == (600_000_000, 1_800_000_000)
    assert (third.volume, third.selection.time) == (None, second.selection.time)
    by_timestamps = priced(tariff, 60, period(0, energy="1"), period(30, energy="1"))
    assert cost(by_timestamps) == D("1.00")


# --- hostile CDRs ----------------------------------------------------------------------------


def test_negative_volume_is_not_priced() -> None:
    result = priced(TIME_AND_PARKING, 30, period(0, time="-1"))
    assert cost(result) == D("1.00")  # the timestamps' 30 min
    [finding] = result.findings
    assert (finding.priced, finding.reported) == ("timestamps", D(-1))
    assert "negative" in finding.message


def test_negative_volume_in_a_shared_period_is_not_priced() -> None:
    result = priced(TIME_AND_PARKING, 30, period(0, time="0.25", parking_time="-0.25"))
    assert [(f.dimension, f.priced) for f in result.findings] == [("PARKING_TIME", "timestamps")]
    assert cost(result) == D("2.00") / 4 + D("6.00") / 4  # 15 min each, by the timestamps


@pytest.mark.parametrize("volume", ["8785", "1E+30"])
def test_absurd_volume_is_not_priced(volume: str) -> None:
    result = priced(TIME_AND_PARKING, 30, period(0, time=volume))
    assert cost(result) == D("1.00")
    [finding] = result.findings
    assert finding.priced == "timestamps"
    assert "longer than 8784 h" in finding.message


@pytest.mark.parametrize("volume", ["NaN", "1E+999999", "-Infinity"])
@pytest.mark.parametrize("shared", [False, True])
def test_volumes_no_json_can_carry_are_not_priced(volume: str, shared: bool) -> None:
    """JSON cannot carry these (the model refuses them), but a library caller can construct
    periods without the model's checks: still a finding, never a crash."""
    dims = [CdrDimension.model_construct(type=CdrDimensionType.TIME, volume=D(volume))]
    if shared:
        dims.append(CdrDimension.model_construct(type=CdrDimensionType.PARKING_TIME, volume=D(0)))
    raw = ChargingPeriod.model_construct(start_date_time=at(0), dimensions=dims, tariff_id=None)
    result = priced(TIME_AND_PARKING, 30, raw)
    assert [(f.dimension, f.priced) for f in result.findings] == [("TIME", "timestamps")]
    assert cost(result) == (D("1.00") if not shared else D("3.00"))


def test_volume_on_a_last_period_without_time() -> None:
    """The last period starts when the CDR ends (no time of its own) but reports 0.5 h of
    parking: priced as reported, with a finding."""
    result = priced(
        TIME_AND_PARKING, 30, period(0, energy="5", time="0.5"), period(30, parking_time="0.5")
    )
    assert cost(result) == D("1.00") + D("3.00")
    assert [(f.period, f.timestamps) for f in result.findings] == [(1, D(0))]


def test_period_after_the_end_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        priced(TIME_AND_PARKING, 30, period(0, time="0.5"), period(45, parking_time="0.5"))


def test_findings_name_periods_as_sent_when_out_of_order() -> None:
    result = priced(TIME_AND_PARKING, 60, period(30, parking_time="1"), period(0, time="0.5"))
    assert [(f.period, f.dimension) for f in result.findings] == [(0, "PARKING_TIME")]


# --- the audit -------------------------------------------------------------------------------


@pytest.mark.parametrize("kwh", ["18.5", "22.7", "23.5", "20"])
def test_our_own_cdrs_have_no_findings(kwh: str) -> None:
    """A CDR as openroam writes it: the 5 kWh threshold is crossed inside a second, the
    DateTime is written in whole seconds and the volumes with 4 decimals. With these energies
    span and volume differ by more than 1 s (1.08 s for 18.5 kWh) but less than 2 s: no
    finding, and the CDR passes its audit."""
    tariff = make_tariff(
        element(component("ENERGY", "0.20"), max_kwh="5"),
        element(component("ENERGY", "0.30"), component("TIME", "1")),
    )
    result = run(tariff, T0, charge(60, kwh), zone="UTC")
    report = audit(cdr_from(result, tariff), zone="UTC")
    assert report.findings == ()
    assert report.ok, report.differences


def test_audit_prices_the_volumes_and_reports_a_finding() -> None:
    """A CDR priced from its volumes (7.00) passes the audit; the disagreement is a finding
    naming the period, the dimension, the timestamps' and the reported hours."""
    periods = (period(0, energy="10", time="0.5"), period(30, parking_time="1"))
    report = audit(cdr(TIME_AND_PARKING, 60, *periods))
    assert report.ok, report.differences
    assert cost(report.result) == D("7.00")
    assert [(f.where, f.expected, f.actual) for f in report.findings] == [
        ("charging_periods[1].dimensions.PARKING_TIME", "0.5000 h", "1 h")
    ]


def test_audit_of_a_cdr_priced_by_timestamps_says_why_it_differs() -> None:
    """A CDR whose totals were computed from its timestamps (4.00) differs from the volumes'
    7.00: the differences and the finding that explains them."""
    periods = (period(0, energy="10", time="0.5"), period(30, parking_time="1"))
    stamped = cdr(
        TIME_AND_PARKING,
        60,
        *periods,
        total_cost={"excl_vat": D(4), "incl_vat": D(4)},
        total_parking_cost={"excl_vat": D(3), "incl_vat": D(3)},
        total_time=D(1),
        total_parking_time=D("0.5"),
    )
    report = audit(stamped)
    assert [d.where for d in report.differences] == [
        "total_cost.excl_vat",
        "total_cost.incl_vat",
        "total_parking_cost.excl_vat",
        "total_parking_cost.incl_vat",
        "total_time",
        "total_parking_time",
    ]
    assert [f.where for f in report.findings] == ["charging_periods[1].dimensions.PARKING_TIME"]


def test_audit_of_agreeing_volumes_has_no_finding() -> None:
    report = audit(
        cdr(TIME_AND_PARKING, 47, period(0, time="0.5"), period(30, parking_time="0.2833"))
    )
    assert report.ok, report.differences
    assert report.findings == ()


def test_zero_reported_parking_is_no_parking() -> None:
    """A parking period that reports PARKING_TIME 0 over 10 minutes: no parking is priced, so
    the charging time is rounded (step 15 min: 20 min billed as 30), as in a session without
    parking (mod_cdrs "step_size": only parking rounds when parking is priced)."""
    tariff = make_tariff(
        element(component("TIME", "2.00", 900), component("PARKING_TIME", "6.00", 900))
    )
    result = priced(tariff, 30, period(0, time="0.3333"), period(20, parking_time="0"))
    assert cost(result) == D("1.00")
    assert [(f.period, f.reported) for f in result.findings] == [(1, D(0))]
    assert result.totals.total_parking_time == 0
