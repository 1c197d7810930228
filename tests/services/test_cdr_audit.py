"""The automatic audit of a received CDR with the Tariff the eMSP holds, and its events
(cdr.received, cdr.price_mismatch), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
import pytest

from openroam._services.cdr_audit import record_cdr_events
from openroam._services.events import EventService, session_subject
from openroam._store import object_repo as objects
from openroam._store.db import Database
from openroam.pricing import PricingResult
from tests.pricing.support import charge, component, element, local, make_tariff, park, run
from tests.pricing.test_audit import cdr_from

PARTNER = 5  # the origin of what that CPO partner sent us
EVENING = make_tariff(
    element(component("ENERGY", "0.20", vat="21"), end_time="17:00"),
    element(component("ENERGY", "0.30", vat="21")),
    element(component("PARKING_TIME", "2.00", 300, vat="21")),
)


def priced() -> PricingResult:
    return run(EVENING, local("2024-06-03 16:30"), charge(60, "20"), park(22))


def cdr_document(**changes: Any) -> dict[str, Any]:
    cdr = cdr_from(priced(), EVENING, country_code="NL", party_id="ORM", session_id="S1")
    document = json.loads(cdr.to_json())
    document["cdr_location"]["id"] = "LOC1"
    document.update(changes)
    return document


async def hold(db: Database, module: str, object_id: str, document: dict[str, Any]) -> None:
    async with db.session() as session, session.begin():
        await objects.put_object(
            session,
            module=module,
            origin=PARTNER,
            country_code="NL",
            party_id="ORM",
            object_id=object_id,
            last_updated=datetime(2024, 1, 1, tzinfo=UTC),
            document=orjson.dumps(document),
        )


@pytest.fixture
async def events(database: Database) -> EventService:
    await hold(database, "tariffs", "T1", json.loads(EVENING.to_json()))
    await hold(database, "locations", "loc1", {"id": "LOC1", "time_zone": "Europe/Amsterdam"})
    return EventService(database)


async def received(events: EventService, document: dict[str, Any]) -> list[dict[str, Any]]:
    async with events.transaction() as session:
        await record_cdr_events(events, session, PARTNER, document)
    return [
        {"type": e.type, "subject": e.subject, **orjson.loads(e.payload)}
        for e in await events.read()
    ]


async def test_a_correct_cdr_is_received_without_mismatch(events: EventService) -> None:
    [event] = await received(events, cdr_document())
    assert event["type"] == "cdr.received"
    # The CDR names its Session: its events follow the Session's.
    assert event["subject"] == session_subject("NL", "ORM", "S1")
    assert event["cdr"]["id"] == cdr_document()["id"]
    assert event["partner_id"] == PARTNER
    audit = event["audit"]
    assert audit["status"] == "ok"
    assert (audit["tariff_id"], audit["time_zone"]) == ("T1", "Europe/Amsterdam")
    expected = priced().totals.total_cost
    assert Decimal(str(audit["recomputed"]["total_cost"]["excl_vat"])) == expected.excl_vat


async def test_a_wrong_total_is_a_price_mismatch(events: EventService) -> None:
    total = priced().totals.total_cost
    wrong = {"excl_vat": float(total.excl_vat + 1), "incl_vat": float(total.incl_vat or 0)}
    first, second = await received(events, cdr_document(total_cost=wrong))
    assert (first["type"], first["audit"]["status"]) == ("cdr.received", "mismatch")
    assert second["type"] == "cdr.price_mismatch"
    assert second["subject"] == first["subject"]
    assert second["tariff_id"] == "T1"
    assert [d["where"] for d in second["differences"]] == ["total_cost.excl_vat"]
    assert second["differences"][0]["message"] == "differs by 1.0000"
    assert second["cdr"]["total_cost"] == wrong


async def test_no_tariff_held_is_said_not_flagged(events: EventService) -> None:
    document = cdr_document()
    for period in document["charging_periods"]:
        period["tariff_id"] = "OTHER"
    [event] = await received(events, document)
    assert event["type"] == "cdr.received"
    assert event["audit"] == {
        "status": "no_tariff",
        "message": "no Tariff of NL/ORM held (named: OTHER)",
    }


async def test_without_the_location_time_is_utc_and_said_so(events: EventService) -> None:
    document = cdr_document()
    document["cdr_location"]["id"] = "ELSEWHERE"
    [first, *_] = await received(events, document)
    assert first["audit"]["time_zone"] == "UTC"
    assert "Location ELSEWHERE not held" in first["audit"]["message"]


async def test_a_credit_cdr_is_not_recomputed(events: EventService) -> None:
    total = priced().totals.total_cost
    negated = {"excl_vat": float(-total.excl_vat), "incl_vat": float(-(total.incl_vat or 0))}
    document = cdr_document(id="CDR1-C", credit=True, credit_reference_id="CDR1")
    document["total_cost"] = negated
    [event] = await received(events, document)
    assert event["audit"] == {"status": "skipped", "message": "Credit CDR: not recomputed"}


async def test_a_cdr_without_session_id_has_its_own_subject(events: EventService) -> None:
    document = cdr_document()
    del document["session_id"]
    [event] = await received(events, document)
    assert event["subject"] == f"cdr:NL/ORM/{document['id'].upper()}"


def parking_reported_as_half_an_hour(**changes: Any) -> dict[str, Any]:
    """The CDR whose parking period (15:30-15:52 UTC, 22 min) reports 0.5 h of PARKING_TIME."""
    document = cdr_document(**changes)
    document["charging_periods"][2]["dimensions"] = [{"type": "PARKING_TIME", "volume": 0.5}]
    return document


FINDING = {
    "where": "charging_periods[2].dimensions.PARKING_TIME",
    "expected": "0.3667 h",
    "actual": "0.5 h",
    "message": "the PARKING_TIME volume 0.5 h differs from the timestamps' 0.3667 h by more than "
    "2 s: the volume is priced",
}


async def test_a_cdr_billed_from_its_volumes_is_ok_with_a_finding(events: EventService) -> None:
    """docs/pricing.md "Reported volumes and timestamps": the reported 30 min of parking are
    priced (2.00/h, step 5 min: 1.00; with 5.00 of energy 6.00 / 7.26). The CPO billed that, so
    no mismatch; the disagreement with the timestamps is a finding."""
    document = parking_reported_as_half_an_hour(
        total_cost={"excl_vat": 6.00, "incl_vat": 7.26},
        total_parking_cost={"excl_vat": 1.00, "incl_vat": 1.21},
        total_time=1.5,
        total_parking_time=0.5,
    )
    [event] = await received(events, document)
    assert event["type"] == "cdr.received"
    assert event["audit"]["status"] == "ok"
    assert event["audit"]["findings"] == [FINDING]
    assert event["audit"]["recomputed"]["total_cost"] == {"excl_vat": 6.0, "incl_vat": 7.26}


async def test_a_cdr_billed_from_its_timestamps_is_a_mismatch_that_says_why(
    events: EventService,
) -> None:
    first, second = await received(events, parking_reported_as_half_an_hour())
    assert first["audit"]["status"] == "mismatch"
    assert second["type"] == "cdr.price_mismatch"
    assert "total_parking_cost.excl_vat" in [d["where"] for d in second["differences"]]
    assert second["findings"] == first["audit"]["findings"] == [FINDING]


async def test_a_correct_cdr_has_no_findings(events: EventService) -> None:
    [event] = await received(events, cdr_document())
    assert "findings" not in event["audit"]
