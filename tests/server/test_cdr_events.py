"""A CDR a CPO partner POSTs to our Receiver gives cdr.received, audited automatically with the
Tariff that partner sent us, and cdr.price_mismatch when the audit disagrees
(docs/backend-api.md "Events and webhooks").
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest_asyncio

from openroam._services.events import session_subject
from openroam._store.db import Database
from tests.server.roaming_support import BASE, Roaming, open_roaming
from tests.server.support import FakePartner, envelope_of
from tests.server.test_receiver_cdrs import partner_cdr, post


@pytest_asyncio.fixture(loop_scope="session")
async def roaming(database: Database, partner: FakePartner) -> AsyncIterator[Roaming]:
    async with open_roaming(database, partner) as setup:
        yield setup


def time_tariff(roaming: Roaming) -> dict[str, Any]:
    """€2.00/h excl. VAT, 10 % VAT, billed per 5 minutes: the CDR of tests.api.support.cdr
    (1.973 h) costs 4.00 / 4.40."""
    country_code, party_id = roaming.partner_cpo
    component = {"type": "TIME", "price": 2.0, "vat": 10.0, "step_size": 300}
    return {
        "country_code": country_code,
        "party_id": party_id,
        "id": "T1",
        "currency": "EUR",
        "elements": [{"price_components": [component]}],
        "last_updated": "2026-01-01T00:00:00Z",
    }


def correct_cdr(roaming: Roaming, cdr_id: str, **changes: Any) -> dict[str, Any]:
    body = partner_cdr(roaming, cdr_id, **changes)
    # The spec example's total_energy has no ENERGY volume in its period; give it one.
    body["charging_periods"][0]["dimensions"].append({"type": "ENERGY", "volume": 15.342})
    return body


async def events_of(roaming: Roaming, cdr_id: str) -> list[dict[str, Any]]:
    subject = session_subject(*roaming.partner_cpo, f"S-{cdr_id}")
    listed = await roaming.node.events.read(subject=subject, limit=1000)
    return [{"type": e.type, **orjson.loads(e.payload)} for e in listed]


async def hold_tariff(roaming: Roaming) -> None:
    url = f"{BASE}/receiver/tariffs/{roaming.partner_cpo[0]}/{roaming.partner_cpo[1]}/T1"
    envelope_of(await roaming.put(url, time_tariff(roaming)), 201, 1000)


async def test_a_correct_cdr_gives_cdr_received_with_a_clean_audit(roaming: Roaming) -> None:
    await hold_tariff(roaming)
    body = correct_cdr(roaming, "CDR-OK")
    envelope_of(await post(roaming, body), 201, 1000)
    [event] = await events_of(roaming, "CDR-OK")
    assert event["type"] == "cdr.received"
    assert event["cdr"] == body
    assert event["partner_id"] == roaming.partner_id
    assert event["audit"]["status"] == "ok", event["audit"]
    assert event["audit"]["recomputed"] == {"total_cost": {"excl_vat": 4, "incl_vat": 4.4}}
    # A repeated POST of the same CDR (its first answer was lost) changes nothing, says nothing.
    envelope_of(await post(roaming, body), 200, 1000)
    assert len(await events_of(roaming, "CDR-OK")) == 1


async def test_a_cdr_billing_more_than_the_tariff_gives_a_price_mismatch(
    roaming: Roaming,
) -> None:
    await hold_tariff(roaming)
    more = {"excl_vat": 5.0, "incl_vat": 5.5}
    envelope_of(await post(roaming, correct_cdr(roaming, "CDR-HIGH", total_cost=more)), 201, 1000)
    received, mismatch = await events_of(roaming, "CDR-HIGH")
    assert (received["type"], received["audit"]["status"]) == ("cdr.received", "mismatch")
    assert mismatch["type"] == "cdr.price_mismatch"
    assert mismatch["cdr"]["id"] == "CDR-HIGH"
    assert mismatch["cdr"]["total_cost"] == more
    assert [(d["where"], d["expected"], d["actual"]) for d in mismatch["differences"]] == [
        ("total_cost.excl_vat", "4.0000", "5"),
        ("total_cost.incl_vat", "4.4000", "5.5"),
    ]


async def test_without_a_held_tariff_the_event_says_so(roaming: Roaming) -> None:
    envelope_of(await post(roaming, correct_cdr(roaming, "CDR-NT")), 201, 1000)
    [event] = await events_of(roaming, "CDR-NT")
    assert event["type"] == "cdr.received"
    assert event["audit"]["status"] == "no_tariff"


async def test_a_refused_cdr_gives_no_event(roaming: Roaming) -> None:
    await hold_tariff(roaming)
    envelope_of(await post(roaming, correct_cdr(roaming, "CDR-X")), 201, 1000)
    changed = correct_cdr(roaming, "CDR-X", total_cost={"excl_vat": 1.0, "incl_vat": 1.1})
    envelope_of(await post(roaming, changed), 200, 2000)  # immutable: refused
    assert [e["type"] for e in await events_of(roaming, "CDR-X")] == ["cdr.received"]


async def test_a_cdr_billed_from_volumes_that_disagree_with_its_timestamps(
    roaming: Roaming,
) -> None:
    """Its one period spans 7103 s (1.973 h) but reports TIME 2.5 h, billed as 5.00 / 5.50: the
    volume is priced (docs/pricing.md "Reported volumes and timestamps"), so the audit is ok,
    and the disagreement is a finding in the event."""
    await hold_tariff(roaming)
    price = {"excl_vat": 5.0, "incl_vat": 5.5}
    body = correct_cdr(roaming, "CDR-VOL", total_cost=price, total_time_cost=price, total_time=2.5)
    for dimension in body["charging_periods"][0]["dimensions"]:
        if dimension["type"] == "TIME":
            dimension["volume"] = 2.5
    envelope_of(await post(roaming, body), 201, 1000)
    [event] = await events_of(roaming, "CDR-VOL")
    assert event["audit"]["status"] == "ok", event["audit"]
    assert event["audit"]["recomputed"] == {"total_cost": price}
    assert [(f["where"], f["expected"], f["actual"]) for f in event["audit"]["findings"]] == [
        ("charging_periods[0].dimensions.TIME", "1.9731 h", "2.5 h")
    ]
