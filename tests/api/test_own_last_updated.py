"""Our own Locations keep their ``last_updated`` order through the backend API: an EVSE write
stamped older than its Location leaves the Location's last_updated, so a ``date_from`` list
still finds it and a late older Location PATCH is not applied (mod_locations "Location Object";
docs/spec-decisions.md "A parent's last_updated after an older child update"). SQLite and
PostgreSQL."""

from __future__ import annotations

import httpx

from tests.api.support import data_of, location

LOC = "/api/locations/NL/ORM/LOC1"
T1 = "2026-01-01T11:00:00Z"
T2 = "2026-01-01T12:00:00Z"
T2_30 = "2026-01-01T12:30:00Z"
T3 = "2026-01-01T13:00:00Z"


async def test_an_older_evse_status_keeps_the_locations_last_updated(
    client: httpx.AsyncClient,
) -> None:
    """The backend stamps an EVSE status T2 after the Location changed at T3: the Location keeps
    T3, a date_from list after the older write still holds it, and a late Location PATCH stamped
    12:30 is acknowledged but not applied."""
    data_of(await client.put(LOC, json=location(last_updated=T1)), 201)
    data_of(await client.patch(LOC, json={"name": "new", "last_updated": T3}))
    status = await client.put(f"{LOC}/E1/status", json={"status": "CHARGING", "last_updated": T2})
    assert data_of(status)["applied"] is True
    stored = data_of(await client.get(LOC))
    assert (stored["last_updated"], stored["evses"][0]["status"]) == (T3, "CHARGING")
    listed = data_of(await client.get("/api/locations", params={"date_from": T2_30}))
    assert [item["id"] for item in listed] == ["LOC1"]
    late = await client.patch(LOC, json={"name": "old", "last_updated": T2_30})
    assert data_of(late)["applied"] is False
    assert data_of(await client.get(LOC))["name"] == "new"
