"""GET /api/events: every event, with or without a webhook, paged by position."""

from __future__ import annotations

import httpx

from openroam.services.events import EventType, session_subject
from openroam.services.node import Node
from tests.api.support import error_of

S1 = session_subject("NL", "ORM", "s1")


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


async def test_bad_parameters_are_400(client: httpx.AsyncClient) -> None:
    for params in ({"type": "session.exploded"}, {"after": "-1"}, {"limit": "0"}):
        error_of(await client.get("/api/events", params=params), 400, 2001)
