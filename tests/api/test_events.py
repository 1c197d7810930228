"""GET /api/events: every event, with or without a webhook, paged by position."""

from __future__ import annotations

import httpx
import orjson

from openroam._services.events import EventType, session_subject
from openroam._services.node import Node
from openroam._services.object_specs import CDRS, SESSIONS
from openroam._services.pulled import store_pulled
from openroam.models.v221.types import Role
from tests.api.conftest import RegisterPartner
from tests.api.support import cdr, charging_period, error_of, session

S1 = session_subject("NL", "ORM", "s1")
T1 = "2026-01-01T11:00:00Z"


async def test_events_are_listed_and_paged(node: Node, client: httpx.AsyncClient) -> None:
    first = await node.events.emit(EventType.SESSION_STARTED, S1, {"session": {"id": "s1"}})
    await node.events.emit(EventType.SESSION_UPDATED, S1, {"kwh": 2})
    await node.events.emit(EventType.CDR_RECEIVED, "cdr:NL/ORM/C1", {"cdr": {"id": "C1"}})
    response = await client.get("/api/events", params={"limit": 2})
    assert response.status_code == 200
    answer = response.json()
    assert answer["next_after"] == 2
    assert answer["data"][0] == {
        "position": 1,
        "id": first.id,
        "type": "session.started",
        "subject": "session:NL/ORM/S1",
        "sequence": 1,
        "created_at": answer["data"][0]["created_at"],
        "webhook": {"state": "pending", "attempts": 0, "last_error": None, "delivered_at": None},
        "data": {"session": {"id": "s1"}},
    }
    rest = (await client.get("/api/events", params={"after": 2})).json()
    assert [e["type"] for e in rest["data"]] == ["cdr.received"]
    assert rest["next_after"] == 3
    empty = (await client.get("/api/events", params={"after": 3})).json()
    assert empty == {"data": [], "next_after": 3}


async def test_events_are_filtered(node: Node, client: httpx.AsyncClient) -> None:
    await node.events.emit(EventType.SESSION_STARTED, S1, {})
    await node.events.emit(EventType.SESSION_STARTED, session_subject("NL", "ORM", "s2"), {})
    await node.events.emit(EventType.SESSION_ENDED, S1, {})
    by_type = await client.get(
        "/api/events", params=[("type", "session.ended"), ("type", "cdr.received")]
    )
    assert [e["type"] for e in by_type.json()["data"]] == ["session.ended"]
    by_subject = await client.get("/api/events", params={"subject": S1})
    assert [e["sequence"] for e in by_subject.json()["data"]] == [1, 2]
    pending = await client.get("/api/events", params={"webhook": "pending"})
    assert len(pending.json()["data"]) == 3
    assert (await client.get("/api/events", params={"webhook": "delivered"})).json()["data"] == []


async def test_bad_parameters_are_400(client: httpx.AsyncClient) -> None:
    for params in (
        {"type": "session.exploded"},
        {"after": "-1"},
        {"limit": "0"},
        {"webhook": "lost"},
    ):
        error_of(await client.get("/api/events", params=params), 400, 2001)


async def test_own_sessions_give_session_events(node: Node, client: httpx.AsyncClient) -> None:
    """The CPO side: Sessions the backend writes give the same events (partner_id null)."""
    assert (await client.put("/api/sessions/NL/ORM/S1", json=session(periods=1))).status_code == 201
    added = {"charging_periods": [charging_period("2026-01-01T10:05:00Z")], "kwh": 2}
    assert (await client.patch("/api/sessions/NL/ORM/S1", json=added)).status_code == 200
    end = {"status": "COMPLETED", "end_date_time": "2026-01-01T11:00:00Z"}
    assert (await client.patch("/api/sessions/NL/ORM/S1", json=end)).status_code == 200
    answer = (await client.get("/api/events", params={"subject": S1})).json()["data"]
    assert [(e["type"], e["sequence"]) for e in answer] == [
        ("session.started", 1),
        ("session.updated", 2),
        ("session.ended", 3),
    ]
    assert answer[0]["data"]["partner_id"] is None
    assert len(answer[1]["data"]["session"]["charging_periods"]) == 2


async def test_pulled_sessions_and_cdrs_give_events(
    node: Node, register_partner: RegisterPartner
) -> None:
    cpo = await register_partner(roles=((Role.CPO, "DE", "CPO"),))
    pulled = session("P1", country_code="DE", party_id="CPO")
    await store_pulled(node.roaming, cpo, SESSIONS, [pulled])
    later = session("P1", country_code="DE", party_id="CPO", kwh=3, last_updated=T1)
    await store_pulled(node.roaming, cpo, SESSIONS, [later])
    await store_pulled(node.roaming, cpo, SESSIONS, [later])  # pulled again: unchanged
    record = cdr("C1", ("DE", "CPO"), ("NL", "ORM"), session_id="P1")
    await store_pulled(node.roaming, cpo, CDRS, [record])
    await store_pulled(node.roaming, cpo, CDRS, [record])
    subject = session_subject("DE", "CPO", "P1")
    listed = await node.events.read(subject=subject)
    assert [e.type for e in listed] == ["session.started", "session.updated", "cdr.received"]
    assert orjson.loads(listed[-1].payload)["audit"]["status"] == "no_tariff"
