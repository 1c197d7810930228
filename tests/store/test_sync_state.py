"""Pull-sync state per partner and module, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from openroam._store import repositories as repo
from openroam._store import sync_state
from openroam._store.db import Database

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


async def _partners(database: Database) -> tuple[int, int]:
    async with database.session() as session, session.begin():
        first = await repo.create_invitation(session, "first", "token-1")
        second = await repo.create_invitation(session, "second", "token-2")
    return first.id, second.id


async def test_save_creates_then_changes_only_the_named_columns(database: Database) -> None:
    partner, _ = await _partners(database)
    async with database.session() as session, session.begin():
        assert await repo.get_sync_state(session, partner, "locations") is None
        created = await repo.save_sync_state(
            session, partner, "locations", watermark=T0, last_full_sync_at=T0
        )
    assert created == repo.SyncStateRecord(partner, "locations", T0, T0, None, None, 0, None)
    async with database.session() as session, session.begin():
        changed = await repo.save_sync_state(
            session, partner, "locations", failures=2, last_error="HTTP 503", last_pull_at=T0
        )
        unchanged = await repo.save_sync_state(session, partner, "locations")
    expected = repo.SyncStateRecord(partner, "locations", T0, T0, T0, None, 2, "HTTP 503")
    assert changed == unchanged == expected
    async with database.session() as session:
        assert await repo.get_sync_state(session, partner, "locations") == expected
        assert await repo.get_sync_state(session, partner, "tariffs") is None


async def test_save_refuses_unknown_columns(database: Database) -> None:
    partner, _ = await _partners(database)
    async with database.session() as session, session.begin():
        with pytest.raises(TypeError, match="partner_id"):
            await repo.save_sync_state(session, partner, "locations", partner_id=3)


async def test_due_pulls_follow_the_schedule(database: Database) -> None:
    first, second = await _partners(database)
    async with database.session() as session, session.begin():
        await repo.schedule_pull(session, first, "tariffs", T0 + timedelta(minutes=5))
        await repo.schedule_pull(session, second, "locations", T0)
        await repo.save_sync_state(session, first, "locations", watermark=T0)  # never scheduled
        await repo.schedule_pull(session, first, "tokens", T0 + timedelta(minutes=1))
        await repo.schedule_pull(session, first, "tokens", T0 + timedelta(minutes=10))
    async with database.session() as session:
        assert await repo.due_pulls(session, T0 - timedelta(seconds=1)) == []
        due = await repo.due_pulls(session, T0 + timedelta(minutes=5))
        assert [(s.partner_id, s.module) for s in due] == [
            (second, "locations"),
            (first, "tariffs"),
        ]
        later = await repo.due_pulls(session, T0 + timedelta(hours=1))
        assert [(s.partner_id, s.module) for s in later][-1] == (first, "tokens")
        assert later[-1].next_pull_at == T0 + timedelta(minutes=10)


async def test_a_failed_pull_is_counted_and_keeps_the_watermark(database: Database) -> None:
    first, second = await _partners(database)
    async with database.session() as session, session.begin():
        await repo.save_sync_state(session, first, "locations", watermark=T0, last_full_sync_at=T0)
        once = await sync_state.record_pull_failure(session, first, "locations", "HTTP 503")
        later = T0 + timedelta(minutes=1)
        twice = await sync_state.record_pull_failure(
            session, first, "locations", "incomplete", at=later
        )
        # A first pull that fails creates the state with one failure and nothing else.
        new = await sync_state.record_pull_failure(session, second, "tariffs", "refused", at=T0)
    assert (once.failures, once.last_error) == (1, "HTTP 503")
    assert once.last_error_at is not None
    assert once.failing_since == once.last_error_at
    # The error and its time are the last; failing since the first failure.
    assert twice == repo.SyncStateRecord(
        first, "locations", T0, T0, None, None, 2, "incomplete", later, once.failing_since
    )
    assert new == repo.SyncStateRecord(
        second, "tariffs", None, None, None, None, 1, "refused", T0, T0
    )


async def test_a_complete_pull_ends_the_failing_but_keeps_the_last_error(
    database: Database,
) -> None:
    partner, _ = await _partners(database)
    async with database.session() as session, session.begin():
        await sync_state.record_pull_failure(session, partner, "tariffs", "HTTP 500", at=T0)
        # What PullWorker saves after a complete pull.
        healthy = await repo.save_sync_state(
            session, partner, "tariffs", failures=0, failing_since=None, last_pull_at=T0
        )
        again = await sync_state.record_pull_failure(
            session, partner, "tariffs", "HTTP 503", at=T0 + timedelta(hours=1)
        )
    assert (healthy.failures, healthy.failing_since) == (0, None)
    assert (healthy.last_error, healthy.last_error_at) == ("HTTP 500", T0)
    assert (again.failures, again.failing_since) == (1, T0 + timedelta(hours=1))


async def test_list_sync_states_of_all_or_one_partner(database: Database) -> None:
    first, second = await _partners(database)
    async with database.session() as session, session.begin():
        await repo.schedule_pull(session, second, "locations", T0)
        await repo.schedule_pull(session, first, "tariffs", T0)
        await repo.schedule_pull(session, first, "locations", T0)
    async with database.session() as session:
        every = await sync_state.list_sync_states(session)
        mine = await sync_state.list_sync_states(session, first)
    assert [(s.partner_id, s.module) for s in every] == [
        (first, "locations"),
        (first, "tariffs"),
        (second, "locations"),
    ]
    assert mine == every[:2]
