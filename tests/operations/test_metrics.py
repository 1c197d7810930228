"""``/metrics`` (docs/operations.md "Metrics"), on SQLite and PostgreSQL: requests counted by
route template — never by raw path — and HTTP status, with latency histograms; the outboxes and
pull-sync read from the database at each scrape; who may read it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from openroam._services.node import Node
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.events import insert_event
from tests.api.support import location
from tests.operations.conftest import ADMIN, ADMIN_TOKEN, app_for, client_for, node_on
from tests.operations.support import register_receiver, samples, value

SENDER_LIST = "/ocpi/2.2.1/sender/locations"
RECEIVER = "/ocpi/2.2.1/receiver/locations"
LOCATION_PUT = "/api/locations/{country_code}/{party_id}/{location_id}"
EVSE_PATCH = "/api/locations/{country_code}/{party_id}/{location_id}/{evse_uid}"
REQUESTS = "openroam_http_requests_total"
LATENCY = "openroam_http_request_duration_seconds"


async def _metrics(http: httpx.AsyncClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def test_requests_are_counted_by_route_template_and_status(
    client: httpx.AsyncClient,
) -> None:
    # The GET list answered ahead of FastAPI (with and without a trailing slash), without a token.
    assert (await client.get(SENDER_LIST)).status_code == 401
    assert (await client.get(SENDER_LIST + "/")).status_code == 401
    # A FastAPI route with ids in the path.
    assert (await client.get(SENDER_LIST + "/NL/ORM/LOC1")).status_code == 401
    # A partner's PUT and PATCH on a Receiver interface, also answered ahead of FastAPI.
    assert (await client.put(RECEIVER + "/NL/ORM/LOC1", json={})).status_code == 401
    assert (await client.patch(RECEIVER + "/NL/ORM/LOC1/E1/", json={})).status_code == 401
    # The backend API: a FastAPI route, and a plain Starlette route (the EVSE PATCH hot path).
    put = await client.put("/api/locations/NL/ORM/LOC1", json=location("LOC1"), headers=ADMIN)
    assert put.status_code in (200, 201), put.text
    patch = await client.patch(
        "/api/locations/NL/ORM/LOC1/E1", json={"status": "CHARGING"}, headers=ADMIN
    )
    assert patch.status_code == 200, patch.text
    # No route: an unknown path. A method no one knows, on a known path: 405 there.
    assert (await client.get("/no/such/LOC1")).status_code == 404
    assert (await client.request("BREW", "/health")).status_code == 405

    found = await _metrics(client)

    def requests(method: str, route: str, status: str) -> float | None:
        return value(found, REQUESTS, method=method, route=route, status=status)

    assert requests("GET", SENDER_LIST, "401") == 2
    assert requests("GET", SENDER_LIST + "/{object_id}/{sub0}/{sub1}", "401") == 1
    assert requests("PUT", LOCATION_PUT, str(put.status_code)) == 1
    assert requests("PUT", RECEIVER + "/{country_code}/{party_id}/{object_id}", "401") == 1
    assert requests("PATCH", RECEIVER + "/{country_code}/{party_id}/{object_id}/{sub0}", "401") == 1
    assert requests("PATCH", EVSE_PATCH, "200") == 1
    assert requests("GET", "unmatched", "404") == 1
    assert requests("OTHER", "/health", "405") == 1
    # Never a raw path: no label value holds an id or an unknown path.
    labels = {label for (_, pairs) in found for _, label in pairs}
    assert not [label for label in labels if "LOC1" in label or "/no/such" in label]
    # The latency histogram: cumulative buckets ending in +Inf (= the count), and a sum.
    count = value(found, LATENCY + "_count", method="GET", route=SENDER_LIST)
    assert count == 2
    assert value(found, LATENCY + "_bucket", method="GET", route=SENDER_LIST, le="+Inf") == 2
    first = value(found, LATENCY + "_bucket", method="GET", route=SENDER_LIST, le="0.001")
    assert first is not None
    assert 0 <= first <= 2
    total = value(found, LATENCY + "_sum", method="GET", route=SENDER_LIST)
    assert total is not None
    assert total > 0
    # The scrape itself is counted from the next one on; the process is described.
    assert requests("GET", "/metrics", "200") is None
    assert value(await _metrics(client), REQUESTS, method="GET", route="/metrics", status="200")
    assert value(found, "process_resident_memory_bytes") is not None


async def test_each_app_counts_only_its_own_requests(node: Node) -> None:
    first, second = app_for(node), app_for(node)
    async with client_for(first) as one, client_for(second) as other:
        for _ in range(3):
            await one.get("/health")
        await other.get("/health")
        assert value(await _metrics(one), REQUESTS, method="GET", route="/health", status="200")
        found_one, found_other = await _metrics(one), await _metrics(other)
    assert value(found_one, REQUESTS, method="GET", route="/health", status="200") == 3
    assert value(found_other, REQUESTS, method="GET", route="/health", status="200") == 1


async def test_outboxes_and_pull_sync_are_read_at_each_scrape(
    client: httpx.AsyncClient, database: Database
) -> None:
    # Nothing listens there, and nothing sends in this test: no push worker runs in-process.
    down = await register_receiver(database, "down", "http://127.0.0.1:9", ["locations"])
    await register_receiver(database, "idle", "http://127.0.0.1:9", [])
    found = await _metrics(client)
    assert value(found, "openroam_database_up") == 1
    assert value(found, "openroam_delivery_backlog", partner="down") == 0
    assert value(found, "openroam_delivery_backlog", partner="idle") == 0
    assert value(found, "openroam_webhook_backlog") == 0

    for location_id in ("LOC1", "LOC2"):
        response = await client.put(
            f"/api/locations/NL/ORM/{location_id}", json=location(location_id), headers=ADMIN
        )
        assert response.status_code in (200, 201), response.text
    now = datetime.now(UTC)
    async with database.session() as session, session.begin():
        await repo.save_sync_state(
            session, down, "locations", last_pull_at=now - timedelta(minutes=5)
        )
        await repo.save_sync_state(session, down, "tariffs", failures=3, last_error="refused")
        await insert_event(session, type="session.started", subject="session:S1", payload=b"{}")

    found = await _metrics(client)
    assert value(found, "openroam_delivery_backlog", partner="down") == 2
    assert value(found, "openroam_delivery_backlog", partner="idle") == 0
    oldest = value(found, "openroam_delivery_oldest_pending_seconds", partner="down")
    assert oldest is not None
    assert oldest >= 0
    assert value(found, "openroam_deliveries_failed", partner="down") == 0
    lag = value(found, "openroam_pull_lag_seconds", partner="down", module="locations")
    assert lag is not None
    assert lag >= 300
    # Never pulled successfully: no lag to show, but the failures are.
    assert value(found, "openroam_pull_lag_seconds", partner="down", module="tariffs") is None
    assert value(found, "openroam_pull_failures", partner="down", module="tariffs") == 3
    assert value(found, "openroam_pull_failures", partner="down", module="locations") == 0
    assert value(found, "openroam_webhook_backlog") == 1
    assert value(found, "openroam_webhooks_failed") == 0


async def test_metrics_need_the_admin_token_when_configured_so(node: Node) -> None:
    async with client_for(app_for(node, metrics="token")) as http:
        assert (await http.get("/metrics")).status_code == 401
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
        assert wrong.status_code == 401
        assert wrong.headers["www-authenticate"] == "Bearer"
        token = await http.get("/metrics", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert token.status_code == 200
        assert REQUESTS in token.text
        # Health and readiness stay open: probes carry no token.
        assert (await http.get("/health")).status_code == 200


async def test_metrics_can_be_turned_off(node: Node) -> None:
    async with client_for(app_for(node, metrics="off")) as http:
        response = await http.get("/metrics")
    assert response.status_code == 404
    assert response.json()["status_code"] == 2000  # as any unknown path


async def test_request_metrics_are_served_while_the_database_is_down(tmp_path: object) -> None:
    db = Database.connect(f"sqlite+aiosqlite:///{tmp_path}/no/such/directory/openroam.db")
    try:
        async with client_for(app_for(node_on(db))) as http:
            await http.get("/health")
            found = await _metrics(http)
    finally:
        await db.dispose()
    assert value(found, "openroam_database_up") == 0
    assert value(found, REQUESTS, method="GET", route="/health", status="200") == 1
    assert not [name for (name, _) in found if name.startswith("openroam_delivery")]
