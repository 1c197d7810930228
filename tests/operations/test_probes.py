"""``/health`` and ``/ready`` (docs/operations.md "Health and readiness"), on SQLite and
PostgreSQL: plain JSON without any token; ready only when the database answers and its schema is
at the newest migration."""

from __future__ import annotations

import httpx
import pytest
from alembic.script import ScriptDirectory

from openroam._store.db import Database, alembic_config, upgrade_async
from tests.operations.conftest import app_for, client_for, node_on


def _head_and_previous() -> tuple[str, str]:
    scripts = ScriptDirectory.from_config(alembic_config())
    (head,) = scripts.get_heads()
    previous = scripts.get_revision(head).down_revision
    assert isinstance(previous, str)
    return head, previous


async def test_health_answers_without_a_token_or_the_database(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/health", "/health/"):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {"status": "ok"}
        assert response.headers["x-request-id"]


async def test_ready_on_a_database_migrated_to_head(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200, response.text
    head, _ = _head_and_previous()
    assert response.json() == {"status": "ready", "schema_revision": head}


async def test_not_ready_when_the_schema_is_one_revision_behind(database_url: str) -> None:
    head, previous = _head_and_previous()
    db = Database.connect(database_url)
    try:
        await upgrade_async(db, previous)
        async with client_for(app_for(node_on(db))) as http:
            response = await http.get("/ready")
            # Still alive: only readiness depends on the database.
            assert (await http.get("/health")).status_code == 200
    finally:
        await db.dispose()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert f"at revision {previous}, not {head}" in body["reason"]
    assert "openroam db upgrade" in body["reason"]


async def test_not_ready_before_any_migration(database_url: str) -> None:
    db = Database.connect(database_url)
    try:
        async with client_for(app_for(node_on(db))) as http:
            response = await http.get("/ready")
    finally:
        await db.dispose()
    assert response.status_code == 503
    assert "none (never migrated)" in response.json()["reason"]


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite:///{tmp}/no/such/directory/openroam.db",
        # A loopback port nothing listens on: the connection is refused.
        "postgresql+asyncpg://openroam:secret-password@127.0.0.1:9/openroam",
    ],
    ids=["sqlite", "postgresql"],
)
async def test_not_ready_when_the_database_is_unreachable(url: str, tmp_path: object) -> None:
    db = Database.connect(url.format(tmp=tmp_path))
    try:
        async with client_for(app_for(node_on(db))) as http:
            response = await http.get("/ready")
            assert (await http.get("/health")).status_code == 200
    finally:
        await db.dispose()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["reason"].startswith("the database is unreachable (")
    # Served without authentication: nothing of the connection's settings.
    assert "secret-password" not in response.text
    assert "openroam.db" not in response.text
