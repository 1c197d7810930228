"""What the console's Sessions and CDRs page shows: live Sessions and CDRs of every holder, and a
CDR's audit with the engine's breakdown and the totals side by side, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson
import pytest

from openroam._services import session_overview
from openroam._services.cdr_audit import record_cdr_events
from openroam._services.events import EventService
from openroam._store import object_repo as objects
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.tables import utcnow
from openroam.errors import NotFound
from tests.services.test_cdr_audit import EVENING, PARTNER, cdr_document, hold


async def _own(db: Database, module: str, object_id: str, document: dict[str, Any]) -> None:
    async with db.session() as session, session.begin():
        await objects.put_object(
            session,
            module=module,
            origin=objects.OWN,
            country_code="NL",
            party_id="ORM",
            object_id=object_id,
            last_updated=utcnow(),
            document=orjson.dumps(document),
        )


@pytest.fixture
async def db(database: Database) -> Database:
    await hold(database, "tariffs", "T1", json.loads(EVENING.to_json()))
    await hold(database, "locations", "loc1", {"id": "LOC1", "time_zone": "Europe/Amsterdam"})
    return database


def _total(excl: str, incl: str) -> dict[str, Any]:
    return {"excl_vat": Decimal(excl), "incl_vat": Decimal(incl)}


async def test_a_mismatching_cdr_has_its_differing_lines_and_the_breakdown(db: Database) -> None:
    right = cdr_document(id="C-OK")
    charged = right["total_cost"]
    wrong = cdr_document(id="C-BAD", total_cost={"excl_vat": 99.0, "incl_vat": 119.79})
    await hold(db, "cdrs", "C-OK", right)
    await hold(db, "cdrs", "C-BAD", wrong)

    page = await session_overview.cdr_page(db)
    assert [(row.held.document["id"], row.audit) for row in page.rows] == [
        ("C-BAD", "mismatch"),
        ("C-OK", "ok"),
    ]
    assert page.rows[0].held.holder == f"partner {PARTNER}"  # no partner row in this test
    assert not page.more
    assert len((await session_overview.cdr_page(db, partner=PARTNER)).rows) == 2
    assert (await session_overview.cdr_page(db, partner=PARTNER + 1)).rows == []
    assert (await session_overview.cdr_page(db, "own")).rows == []
    first = await session_overview.cdr_page(db, "received", limit=1)
    assert ([r.held.document["id"] for r in first.rows], first.more) == (["C-BAD"], True)

    detail = await session_overview.cdr_detail(db, PARTNER, "nl", "orm", "c-bad")
    assert detail.outcome.status == "mismatch"
    assert detail.outcome.tariff_id == EVENING.id
    assert detail.outcome.time_zone == "Europe/Amsterdam"
    differing = {c.field: (c.charged, c.recomputed) for c in detail.comparison if c.differs}
    assert differing == {
        "total_cost.excl_vat": ("99.0000", f"{Decimal(str(charged['excl_vat'])):.4f}"),
        "total_cost.incl_vat": ("119.7900", f"{Decimal(str(charged['incl_vat'])):.4f}"),
    }
    assert all(c.note.startswith("differs by") for c in detail.comparison if c.differs)
    assert detail.other_differences == []
    kinds = [row.kind for row in detail.breakdown]
    assert kinds[-1] == "total"
    assert "line" in kinds
    assert {row.dimension for row in detail.breakdown if row.kind == "line"} >= {
        "ENERGY",
        "PARKING_TIME",
    }

    matching = await session_overview.cdr_detail(db, PARTNER, "NL", "ORM", "C-OK")
    assert matching.outcome.status == "ok"
    assert not [c for c in matching.comparison if c.differs]


async def test_an_own_cdr_is_audited_with_the_own_tariff(db: Database) -> None:
    await _own(db, "tariffs", "T1", json.loads(EVENING.to_json()))
    await _own(db, "locations", "LOC1", {"id": "LOC1", "time_zone": "Europe/Amsterdam"})
    await _own(db, "cdrs", "C-OWN", cdr_document(id="C-OWN"))
    [row] = (await session_overview.cdr_page(db, "own")).rows
    assert (row.held.holder, row.audit) == ("own", "ok")
    detail = await session_overview.cdr_detail(db, objects.OWN, "NL", "ORM", "C-OWN")
    assert (detail.outcome.status, detail.outcome.time_zone) == ("ok", "Europe/Amsterdam")
    assert detail.outcome.message is None


async def test_the_audit_on_arrival_is_shown_beside_the_one_with_the_tariff_held_now(
    db: Database,
) -> None:
    document = cdr_document(id="C-1")
    async with db.session() as session, session.begin():
        await objects.put_object(
            session,
            module="cdrs",
            origin=PARTNER,
            country_code="NL",
            party_id="ORM",
            object_id="C-1",
            last_updated=utcnow(),
            document=orjson.dumps(document),
        )
        await record_cdr_events(EventService(db), session, PARTNER, document)
    detail = await session_overview.cdr_detail(db, PARTNER, "NL", "ORM", "C-1")
    assert detail.on_arrival is not None
    assert (detail.on_arrival.status, detail.outcome.status) == ("ok", "ok")

    # The CPO raises its prices afterwards: the CDR now disagrees with the Tariff held.
    dearer = json.loads(EVENING.to_json())
    for tariff_element in dearer["elements"]:
        for price_component in tariff_element["price_components"]:
            price_component["price"] = price_component["price"] * 2
    await hold(db, "tariffs", "T1", dearer)
    later = await session_overview.cdr_detail(db, PARTNER, "NL", "ORM", "C-1")
    assert later.on_arrival == detail.on_arrival
    assert later.outcome.status == "mismatch"

    # Our own CDRs are not audited on arrival.
    await _own(db, "cdrs", "C-OWN", cdr_document(id="C-OWN"))
    own = await session_overview.cdr_detail(db, objects.OWN, "NL", "ORM", "C-OWN")
    assert own.on_arrival is None


async def test_a_differing_period_split_is_listed_apart(db: Database) -> None:
    # One period where the tariff switches at 17:00 local: a new period SHALL start there.
    document = cdr_document(id="C-SPLIT")
    periods = document["charging_periods"]
    merged = {**periods[0], "dimensions": periods[0]["dimensions"] + periods[1]["dimensions"]}
    await hold(db, "cdrs", "C-SPLIT", document | {"charging_periods": [merged, *periods[2:]]})
    detail = await session_overview.cdr_detail(db, PARTNER, "NL", "ORM", "C-SPLIT")
    assert detail.outcome.status == "mismatch"
    assert any(d["where"] == "charging_periods" for d in detail.other_differences)


async def test_cdrs_without_a_recomputation_say_why(db: Database) -> None:
    credit = cdr_document(id="C-CREDIT", credit=True, credit_reference_id="C-OK")
    unknown = cdr_document(id="C-T9")
    for period in unknown["charging_periods"]:
        period["tariff_id"] = "T9"
    await hold(db, "cdrs", "C-CREDIT", credit)
    await hold(db, "cdrs", "C-T9", unknown)
    skipped = await session_overview.cdr_detail(db, PARTNER, "NL", "ORM", "C-CREDIT")
    assert (skipped.outcome.status, skipped.breakdown, skipped.comparison) == ("skipped", [], [])
    held_none = await session_overview.cdr_detail(db, PARTNER, "NL", "ORM", "C-T9")
    assert held_none.outcome.status == "no_tariff"
    assert "T9" in (held_none.outcome.message or "")


async def test_unknown_cdrs_and_holders_are_not_found(db: Database) -> None:
    with pytest.raises(NotFound):
        await session_overview.cdr_detail(db, PARTNER, "NL", "ORM", "NOPE")
    with pytest.raises(NotFound):
        await session_overview.cdr_detail(db, 999, "NL", "ORM", "C-OK")


async def test_live_sessions_name_their_holder(db: Database) -> None:
    async with db.session() as session, session.begin():
        partner = await repo.create_invitation(session, "cpo-partner", "token-a-of-cpo-partner")
    await _own(db, "sessions", "S-OWN", {"id": "S-OWN", "status": "ACTIVE"})
    await _own(db, "sessions", "S-DONE", {"id": "S-DONE", "status": "COMPLETED"})
    async with db.session() as session, session.begin():
        await objects.put_object(
            session,
            module="sessions",
            origin=partner.id,
            country_code="NL",
            party_id="ORM",
            object_id="S-THEIRS",
            last_updated=utcnow(),
            document=orjson.dumps({"id": "S-THEIRS", "status": "PENDING"}),
        )
    live = await session_overview.live_sessions(db)
    assert [(h.document["id"], h.holder) for h in live] == [
        ("S-THEIRS", "cpo-partner"),
        ("S-OWN", "own"),
    ]
