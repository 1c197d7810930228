"""Which events a Session change gives: started, updated, ended once (mod_sessions
"SessionStatus": COMPLETED and INVALID are final; "Session Object": end_date_time)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from openroam._services.events import EventService, EventType
from openroam._services.session_events import record_session_change, session_change_events
from openroam._store.db import Database

STARTED, UPDATED, ENDED = (
    EventType.SESSION_STARTED,
    EventType.SESSION_UPDATED,
    EventType.SESSION_ENDED,
)


def session(**fields: Any) -> dict[str, Any]:
    return {"country_code": "NL", "party_id": "EXA", "id": "s1", "status": "ACTIVE", **fields}


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (None, session(), [STARTED]),
        (None, session(status="PENDING"), [STARTED]),
        (session(), session(kwh=1), [UPDATED]),
        (session(), session(status="COMPLETED"), [ENDED]),
        (session(), session(status="INVALID"), [ENDED]),
        (session(), session(end_date_time="2026-01-01T10:00:00Z"), [ENDED]),
        # Ended once: later changes (total_cost filled in afterwards) are updates.
        (session(status="COMPLETED"), session(status="COMPLETED", total_cost={}), [UPDATED]),
        (session(end_date_time="x"), session(status="COMPLETED", end_date_time="x"), [UPDATED]),
        (None, session(status="COMPLETED"), [STARTED, ENDED]),
    ],
)
def test_session_change_events(
    before: dict[str, Any] | None, after: dict[str, Any], expected: list[EventType]
) -> None:
    assert session_change_events(before, after) == expected


async def test_recorded_with_the_session_in_the_writing_transaction(database: Database) -> None:
    events = EventService(database)
    async with events.transaction() as tx:
        await record_session_change(events, tx, 3, None, session(status="COMPLETED"))
    listed = await events.read()
    assert [(e.type, e.subject, e.sequence) for e in listed] == [
        ("session.started", "session:NL/EXA/S1", 1),
        ("session.ended", "session:NL/EXA/S1", 2),
    ]
    assert orjson.loads(listed[0].payload) == {
        "session": session(status="COMPLETED"),
        "partner_id": 3,
    }
