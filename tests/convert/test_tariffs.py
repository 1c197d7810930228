"""The Tariffs converter: prices stay the same across the element rules of 2.1.1 (the first
element that holds applies whole, mod_tariffs.md 3.1) and 2.2.1 (per dimension), checked with
the tariff engine; every output is validated by the target version's models."""

from __future__ import annotations

import copy
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openroam._convert._context import Context, Owner
from openroam._convert.locations import Unconvertible
from openroam._convert.tariffs import (
    CONVERTER,
    elements_from_v211,
    tariff_from_v211,
    tariff_to_v211,
    tariff_to_v211_checked,
)
from openroam.models.v211 import tariffs as v211
from openroam.models.v221.cdrs import ChargingPeriod
from openroam.models.v221.tariffs import Tariff
from openroam.pricing import MeterSample, price, timeline_from_periods, timeline_from_samples
from tests.convert import strictly
from tests.spec_examples import dump_json

CONTEXT = Context(owner=Owner("BE", "BEC"))
PROPERTIES = settings(max_examples=50, deadline=None, derandomize=True)
D = Decimal


def valid_v221(doc: dict[str, Any]) -> Tariff:
    return Tariff.from_json(dump_json(doc))


def valid_v211(doc: dict[str, Any]) -> dict[str, Any]:
    return strictly(v211.Tariff, doc)


def component(kind: str, amount: str, step: int = 1, **more: Any) -> dict[str, Any]:
    return {"type": kind, "price": D(amount), "step_size": step, **more}


def v211_tariff(*elements: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "12",
        "currency": "EUR",
        "tariff_alt_text": [{"language": "en", "text": "2 euro p/hour"}],
        "elements": list(elements),
        "last_updated": "2015-06-29T20:39:09Z",
    }


def v221_tariff(*elements: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"country_code": "BE", "party_id": "BEC", **v211_tariff(*elements), **fields}


def periods(*rows: tuple[str, dict[str, str]]) -> list[ChargingPeriod]:
    """CDR ChargingPeriods: (start, {dimension: volume})."""
    return [
        ChargingPeriod.from_json(
            dump_json(
                {
                    "start_date_time": start,
                    "dimensions": [{"type": k, "volume": D(v)} for k, v in dims.items()],
                }
            )
        )
        for start, dims in rows
    ]


def cost(tariff: Tariff, cdr: list[ChargingPeriod], end: str) -> Decimal:
    end_time = datetime.fromisoformat(end)
    result = price(tariff, timeline_from_periods(cdr, end_time), "UTC")
    return result.totals.total_cost.excl_vat


# A CDR: charging 17:00-19:00 (10 kWh each hour), parking 19:00-20:00 (UTC).
CDR = periods(
    ("2026-12-07T17:00:00Z", {"ENERGY": "10", "TIME": "1"}),
    ("2026-12-07T18:00:00Z", {"ENERGY": "10", "TIME": "1"}),
    ("2026-12-07T19:00:00Z", {"PARKING_TIME": "1"}),
)
CDR_END = "2026-12-07T20:00:00Z"
DAY = {"start_time": "08:00", "end_time": "18:00"}


def test_a_2_1_1_tariff_prices_by_its_first_element_in_2_2_1() -> None:
    received = v211_tariff(
        {
            "price_components": [component("FLAT", "0.50"), component("TIME", "2.00")],
            "restrictions": DAY,
        },
        {"price_components": [component("ENERGY", "0.30"), component("PARKING_TIME", "1.00")]},
    )
    valid_v211(received)
    # By hand, 2.1.1 (mod_tariffs.md 3.1): 17-18 the day element applies whole (FLAT 0.50 and
    # 1 h TIME at 2.00; its energy is free), 18-19 the second (10 kWh at 0.30), 19-20 the second
    # (1 h parking at 1.00).
    by_hand = D("0.50") + D("2.00") + 10 * D("0.30") + D("1.00")
    stored = tariff_from_v211(received, CONTEXT)
    assert cost(valid_v221(stored), CDR, CDR_END) == by_hand == D("6.50")
    # The same elements read per dimension (2.2.1) would charge the day's energy too.
    as_is = valid_v221({"country_code": "BE", "party_id": "BEC", **received})
    assert cost(as_is, CDR, CDR_END) == by_hand + 10 * D("0.30")
    assert stored["elements"][0]["price_components"][2:] == [
        {"type": "ENERGY", "price": 0, "step_size": 0},
        {"type": "PARKING_TIME", "price": 0, "step_size": 0},
    ]
    assert (stored["country_code"], stored["party_id"]) == ("BE", "BEC")


def test_an_unrestricted_last_element_survives_the_round_trip_exactly() -> None:
    vat = {"vat": D("21")}
    original = v221_tariff(
        {"price_components": [component("TIME", "1.50", **vat)], "restrictions": DAY},
        {
            "price_components": [
                component("ENERGY", "0.40", **vat),
                component("TIME", "0.50", **vat),
                component("PARKING_TIME", "2.00", **vat),
            ]
        },
        type="REGULAR",
        max_price={"excl_vat": D("100")},
    )
    sent, findings = tariff_to_v211_checked(original)
    valid_v211(sent)
    assert findings == ["min_price/max_price: 2.1.1 has no price bounds; left out"]
    assert [c["type"] for c in sent["elements"][0]["price_components"]] == [
        "TIME",
        "ENERGY",
        "PARKING_TIME",
    ]
    back = tariff_from_v211(sent, CONTEXT)
    expected = D("1.50") + 10 * D("0.40") + D("0.50") + 10 * D("0.40") + D("2.00")
    assert cost(valid_v221(original), CDR, CDR_END) == expected
    assert cost(valid_v221(back), CDR, CDR_END) == expected


def test_a_restricted_later_element_is_a_finding() -> None:
    original = v221_tariff(
        {"price_components": [component("TIME", "1.50")], "restrictions": DAY},
        {"price_components": [component("ENERGY", "0.60")], "restrictions": {"max_power": D("20")}},
        {"price_components": [component("ENERGY", "0.30"), component("TIME", "1")]},
    )
    sent, findings = tariff_to_v211_checked(original)
    valid_v211(sent)
    assert sent["elements"][0]["price_components"] == [component("TIME", "1.50")]
    assert len(findings) == 1
    assert "elements[0] has no ENERGY component" in findings[0]
    assert "elements[1]" in findings[0]


def test_the_converter_logs_its_findings(caplog: pytest.LogCaptureFixture) -> None:
    """What a 2.1.1 partner will price differently is told to the operator (a warning naming
    the Tariff and the findings); an exact conversion logs nothing."""
    inexact = v221_tariff(
        {"price_components": [component("TIME", "1.50")], "restrictions": DAY},
        {"price_components": [component("ENERGY", "0.60")], "restrictions": {"max_power": D("20")}},
        {"price_components": [component("ENERGY", "0.30"), component("TIME", "1")]},
    )
    exact = v221_tariff({"price_components": [component("ENERGY", "0.30")]})
    with caplog.at_level(logging.WARNING, logger="openroam.convert"):
        CONVERTER.to_v211(exact)
        assert caplog.records == []
        CONVERTER.to_v211(inexact)
    [record] = caplog.records
    assert inexact["id"] in record.getMessage()
    assert "elements[0] has no ENERGY component" in record.getMessage()


def test_reservation_and_current_elements_are_left_out_with_findings() -> None:
    original = v221_tariff(
        {
            "price_components": [component("FLAT", "2")],
            "restrictions": {"reservation": "RESERVATION"},
        },
        {
            "price_components": [component("ENERGY", "0.50")],
            "restrictions": {"min_current": D("32")},
        },
        {"price_components": [component("ENERGY", "0.30")]},
    )
    sent, findings = tariff_to_v211_checked(original)
    valid_v211(sent)
    assert sent["elements"] == [{"price_components": [component("ENERGY", "0.30")]}]
    assert [f.split(" is ")[0] for f in findings] == ["elements[0]", "elements[1]"]
    only_reservation = v221_tariff(original["elements"][0])
    with pytest.raises(Unconvertible, match=r"no element 2\.1\.1 can express"):
        tariff_to_v211(only_reservation)


def test_2_2_1_only_fields_are_left_out() -> None:
    original = v221_tariff(
        {"price_components": [component("ENERGY", "0.30", vat=D("21"))]},
        type="AD_HOC_PAYMENT",
        min_price={"excl_vat": D("1"), "incl_vat": D("1.21")},
        start_date_time="2026-01-01T00:00:00Z",
        end_date_time="2027-01-01T00:00:00Z",
        tariff_alt_text=[{"language": "de", "text": "Günstig"}],
        energy_mix={
            "is_green_energy": True,
            "environ_impact": [{"category": "NUCLEAR_WASTE", "amount": 0}],
        },
    )
    valid_v221(original)
    sent = valid_v211(CONVERTER.to_v211(original))
    assert set(sent) == {
        "id",
        "currency",
        "tariff_alt_text",
        "elements",
        "energy_mix",
        "last_updated",
    }
    assert sent["tariff_alt_text"] == [{"language": "de", "text": "Gunstig"}]
    assert sent["energy_mix"]["environ_impact"] == [{"source": "NUCLEAR_WASTE", "amount": 0}]
    assert sent["elements"] == [{"price_components": [component("ENERGY", "0.30")]}]


def test_a_copied_flat_fee_is_a_finding() -> None:
    original = v221_tariff(
        {"price_components": [component("TIME", "1.50")], "restrictions": DAY},
        {"price_components": [component("FLAT", "1"), component("TIME", "1")]},
    )
    sent, findings = tariff_to_v211_checked(original)
    valid_v211(sent)
    assert sent["elements"][0]["price_components"] == [
        component("TIME", "1.50"),
        component("FLAT", "1"),
    ]
    assert findings == [
        "elements[0] is given the FLAT component of elements[1]: a session that passes "
        "through both pays that fee twice in 2.1.1, once in 2.2.1"
    ]
    # The CDR passes 18:00: the 2.2.1 Tariff charges the fee once, its 2.1.1 form twice.
    assert cost(valid_v221(original), CDR, CDR_END) + 1 == cost(
        valid_v221(tariff_from_v211(sent, CONTEXT)), CDR, CDR_END
    )


def test_patches_and_depth() -> None:
    stored = CONVERTER.patch_from_v211(
        {"elements": [{"price_components": [component("FLAT", "1")]}]}, CONTEXT
    )
    assert set(stored) == {"elements", "last_updated"}
    sent = CONVERTER.patch_to_v211({"currency": "EUR", "type": "REGULAR"})
    assert strictly(v211.TariffPatch, sent) == {"currency": "EUR"}
    with pytest.raises(ValueError, match="depth 0 only"):
        CONVERTER.to_v211(v221_tariff(), depth=1)


# --- properties ---------------------------------------------------------------------------------

DIMENSIONS = ["ENERGY", "FLAT", "TIME", "PARKING_TIME"]
prices = st.integers(0, 500).map(lambda cents: D(cents) / 100)
restrictions = st.fixed_dictionaries(
    {},
    optional={
        "start_time": st.sampled_from(["00:00", "07:30", "12:00", "19:00"]),
        "end_time": st.sampled_from(["06:00", "12:00", "18:30"]),
        "min_kwh": st.sampled_from([D(5), D("12.5")]),
        "max_kwh": st.sampled_from([D(8), D(30)]),
        "max_power": st.sampled_from([D(11), D(50)]),
        "min_duration": st.sampled_from([1800, 7200]),
        "day_of_week": st.lists(
            st.sampled_from(["MONDAY", "TUESDAY", "SATURDAY"]), min_size=1, unique=True
        ),
    },
).filter(bool)


def priced(dimensions: list[str], amounts: list[Decimal]) -> list[dict[str, Any]]:
    return [
        {"type": d, "price": a, "step_size": 1} for d, a in zip(dimensions, amounts, strict=False)
    ]


@st.composite
def exact_tariffs(draw: st.DrawFn) -> dict[str, Any]:
    """2.2.1 Tariffs 2.1.1 can carry exactly: restricted elements whose dimensions include those of
    every later restricted element, then an unrestricted last element."""
    count = draw(st.integers(0, 3))
    sets = [
        draw(st.lists(st.sampled_from(DIMENSIONS), min_size=1, unique=True)) for _ in range(count)
    ]
    last = draw(st.lists(st.sampled_from(DIMENSIONS), min_size=1, unique=True))
    if "FLAT" in last:  # a copied FLAT fee is a finding (test_a_copied_flat_fee_is_a_finding)
        for dims in sets:
            dims += [] if "FLAT" in dims else ["FLAT"]
    for index in range(count - 2, -1, -1):
        sets[index] += [d for d in sets[index + 1] if d not in sets[index]]
    elements = [
        {
            "price_components": priced(dims, draw(st.lists(prices, min_size=4, max_size=4))),
            "restrictions": draw(restrictions),
        }
        for dims in sets
    ]
    elements.append(
        {"price_components": priced(last, draw(st.lists(prices, min_size=4, max_size=4)))}
    )
    return v221_tariff(*elements, last_updated=draw(st.sampled_from(["2026-12-01T10:00:00Z"])))


def sessions() -> list[list[MeterSample]]:
    """Three sessions over day, night and a threshold or two (UTC; 2026-12-07 is a Monday)."""
    start = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    hour = timedelta(hours=1)
    night = datetime(2026, 12, 12, 17, 0, tzinfo=UTC)  # Saturday
    return [
        [
            MeterSample(start, D(0), power=D(7), charging=True),
            MeterSample(start + 2 * hour, D(14), power=D(22), charging=True),
            MeterSample(start + 3 * hour, D(36), charging=False),
            MeterSample(start + 5 * hour, D(36)),
        ],
        [
            MeterSample(night, D(0), power=D(60), charging=True),
            MeterSample(night + hour, D(60), charging=False),
            MeterSample(night + 4 * hour, D(60)),
        ],
        [
            MeterSample(start + 5 * hour, D(0), power=D(3), charging=True),
            MeterSample(start + 9 * hour, D(12)),
        ],
    ]


SESSIONS = sessions()


def totals(doc: dict[str, Any]) -> list[Decimal]:
    tariff = valid_v221(doc)
    return [
        price(tariff, timeline_from_samples(s), "UTC").totals.total_cost.excl_vat for s in SESSIONS
    ]


@PROPERTIES
@given(exact_tariffs())
def test_an_exact_tariff_keeps_its_fields_and_prices(original: dict[str, Any]) -> None:
    sent, findings = tariff_to_v211_checked(copy.deepcopy(original))
    assert findings == []
    back = tariff_from_v211(valid_v211(sent), CONTEXT)
    assert {k: v for k, v in back.items() if k != "elements"} == {
        k: v for k, v in original.items() if k != "elements"
    }
    assert len(back["elements"]) == len(original["elements"])
    for before, after in zip(original["elements"], back["elements"], strict=True):
        assert after.get("restrictions") == before.get("restrictions")
        kept = after["price_components"][: len(before["price_components"])]
        assert kept == before["price_components"]
    assert totals(back) == totals(original)


@st.composite
def v211_element_lists(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Any 2.1.1 elements: each prices some dimensions, most are restricted."""
    elements = []
    for _ in range(draw(st.integers(1, 4))):
        dims = draw(st.lists(st.sampled_from(DIMENSIONS), min_size=1, unique=True))
        element: dict[str, Any] = {
            "price_components": priced(dims, draw(st.lists(prices, min_size=4, max_size=4)))
        }
        if draw(st.booleans()):
            element["restrictions"] = draw(restrictions)
        elements.append(element)
    return elements


def whole_elements(elements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The 2.1.1 rule as a 2.2.1 Tariff: each element prices every dimension (0 where it has no
    component), so per dimension the first element that holds is the first that holds at all,
    and it applies whole (mod_tariffs.md 3.1)."""
    return [
        {
            **e,
            "price_components": e["price_components"]
            + [
                {"type": d, "price": 0, "step_size": 0}
                for d in DIMENSIONS
                if d not in {c["type"] for c in e["price_components"]}
            ],
        }
        for e in elements
    ]


@PROPERTIES
@given(v211_element_lists())
def test_a_2_1_1_tariff_prices_by_whole_elements(elements: list[dict[str, Any]]) -> None:
    # The sessions have whole kWh and whole seconds, so step_size (1) adds nothing and the
    # comparison is of the element rule alone.
    received = valid_v211(v211_tariff(*elements))
    stored = tariff_from_v211(received, CONTEXT)
    reference = v221_tariff(*whole_elements(elements))
    assert totals(stored) == totals(reference)
    assert elements_from_v211(stored["elements"]) == stored["elements"]  # nothing more to add
