"""The delivery outbox: nothing lost, nothing stale, in order per object and partner
(docs/architecture.md "Roaming objects (Locations, Tariffs, Tokens, Sessions)", Delivery), on
SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.objects import Delivery, DeliveryAttempt
from openroam._store.repositories import OWN

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
LOC = "NL/ORC/LOC1"
EVSE = "NL/ORC/LOC1/EVSE1"
OTHER = "NL/ORC/LOC2"


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def _setup(database: Database) -> tuple[int, int, int]:
    """Two partners and one own Location: (partner 1, partner 2, object pk)."""
    async with database.session() as session, session.begin():
        first = await repo.create_invitation(session, "first", "token-1")
        second = await repo.create_invitation(session, "second", "token-2")
        stored, _ = await repo.put_object(
            session,
            module="locations",
            origin=OWN,
            country_code="NL",
            party_id="ORC",
            object_id="LOC1",
            last_updated=T0,
            document=b'{"id":"LOC1"}',
        )
    return first.id, second.id, stored.pk


async def _enqueue(database: Database, partner_ids: list[int], object_pk: int | None, **kw):
    kw = {"module": "locations", "method": "PUT", "path": LOC, "now": T0, **kw}
    async with database.session() as session, session.begin():
        await repo.enqueue_deliveries(session, partner_ids=partner_ids, object_pk=object_pk, **kw)


async def _claim(database: Database, now: datetime, **kw: Any) -> list[repo.DeliveryRecord]:
    kw = {"limit": 10, "lease_seconds": 30, **kw}
    async with database.session() as session, session.begin():
        return await repo.claim_deliveries(session, now=now, **kw)


async def _record(database: Database, delivery_id: int, ok: bool, now: datetime, **kw: Any):
    kw = {"http_status": 200 if ok else 503, "status_code": 1000 if ok else None, **kw}
    kw = {"error": None, "duration_ms": 12.5, "next_attempt_at": None, **kw}
    async with database.session() as session, session.begin():
        await repo.record_attempt(session, delivery_id, ok=ok, now=now, **kw)


async def _rows(database: Database, table: Any = Delivery) -> list[dict[str, Any]]:
    async with database.session() as session:
        stmt = select(table.__table__).order_by(table.id)
        return [dict(row) for row in (await session.execute(stmt)).mappings()]


async def test_enqueue_coalesces_into_the_pending_row(database: Database) -> None:
    first, second, pk = await _setup(database)
    await _enqueue(database, [first], pk)
    await _enqueue(database, [first, second], pk)  # first coalesces, second is new
    await _enqueue(database, [first], pk, method="PATCH", path=EVSE, fields=["status"])
    await _enqueue(database, [first], pk, method="PATCH", path=EVSE, fields=["x", "status"])
    rows = await _rows(database)
    assert [(r["partner_id"], r["method"], r["path"], r["fields"]) for r in rows] == [
        (first, "PUT", LOC, None),
        (second, "PUT", LOC, None),
        (first, "PATCH", EVSE, ["status", "x"]),
    ]
    assert [r["revision"] for r in rows] == [1, 0, 1]
    # None means "the whole object": it absorbs any list of fields.
    await _enqueue(database, [first], pk, method="PATCH", path=EVSE, fields=None)
    await _enqueue(database, [first], pk, method="PATCH", path=EVSE, fields=["y"])
    assert (await _rows(database))[2]["fields"] is None


async def test_a_delivered_row_is_not_reused(database: Database) -> None:
    first, _, pk = await _setup(database)
    await _enqueue(database, [first], pk)
    [claimed] = await _claim(database, T0)
    await _record(database, claimed.id, True, _at(1))
    await _enqueue(database, [first], pk, now=_at(2))
    rows = await _rows(database)
    assert [(r["state"], r["created_at"]) for r in rows] == [("delivered", T0), ("pending", _at(2))]


async def test_coalescing_makes_a_row_due_sooner_never_later(database: Database) -> None:
    first, second, pk = await _setup(database)
    await _enqueue(database, [first, second], pk)
    [backed_off, _] = await _claim(database, T0)
    await _record(database, backed_off.id, False, _at(1), next_attempt_at=_at(600))
    await _enqueue(database, [first, second], pk, now=_at(5))
    rows = await _rows(database)
    # The row in back-off is due now; the row already due keeps its place in the queue.
    assert [r["next_attempt_at"] for r in rows] == [_at(5), T0]


async def test_claim_takes_due_rows_oldest_first_under_a_lease(database: Database) -> None:
    # Changed with the order per object: the EVSE PATCH of LOC1 waits while the PUT of LOC1 to
    # the same partner is leased (before, it was claimed beside it).
    first, second, pk = await _setup(database)
    await _enqueue(database, [second], pk, now=_at(2))
    await _enqueue(database, [first], pk, now=_at(1))
    await _enqueue(database, [first], pk, method="PATCH", path=EVSE, now=_at(3), fields=["status"])
    assert await _claim(database, T0) == []  # nothing due yet
    claimed = await _claim(database, _at(2.5))
    assert [(c.partner_id, c.method, c.next_attempt_at) for c in claimed] == [
        (first, "PUT", _at(1)),
        (second, "PUT", _at(2)),
    ]
    assert claimed[0].fields is None
    assert claimed[0].object_pk == pk
    assert claimed[0].created_at == _at(1)
    assert claimed[0].object_key == "locations:NL/ORC/LOC1"
    # The PATCH is due, but the PUT of its object before it is leased: it waits.
    assert await _claim(database, _at(3)) == []
    assert await _claim(database, _at(30)) == []
    # Leases run out (a worker died mid-send): the rows can be claimed again, still in order.
    again = await _claim(database, _at(40), limit=3)
    assert [(c.partner_id, c.method) for c in again] == [(first, "PUT"), (second, "PUT")]
    await _record(database, again[0].id, True, _at(41))
    [patch] = await _claim(database, _at(42))
    assert (patch.path, patch.fields, patch.attempts) == (EVSE, ("status",), 0)
    assert [c.partner_id for c in await _claim(database, _at(80), partner_ids=[second])] == [second]


async def test_a_row_queued_behind_one_waiting_for_its_retry_waits_too(database: Database) -> None:
    # In order per object (docs/architecture.md, Delivery): a PATCH of a Location queued while
    # its PUT to the same partner waits for a retry must not overtake it.
    first, second, pk = await _setup(database)
    await _enqueue(database, [first], pk)
    [failed] = await _claim(database, T0)
    await _record(database, failed.id, False, _at(1), next_attempt_at=_at(60))
    await _enqueue(database, [first, second], pk, method="PATCH", path=EVSE, now=_at(5))
    [other] = await _claim(database, _at(10))
    assert (other.partner_id, other.method) == (second, "PATCH")
    await _record(database, other.id, True, _at(11))
    [put] = await _claim(database, _at(60))
    assert (put.partner_id, put.method) == (first, "PUT")
    await _record(database, put.id, True, _at(61))
    [patch] = await _claim(database, _at(62))
    assert (patch.partner_id, patch.method) == (first, "PATCH")


async def test_objects_are_independent(database: Database) -> None:
    """A row of one object never waits for another object's, failed or in back-off."""
    first, _, pk = await _setup(database)
    await _enqueue(database, [first], pk)
    [refused] = await _claim(database, T0)
    await _record(database, refused.id, False, _at(1), next_attempt_at=_at(600))
    await _enqueue(database, [first], None, path=OTHER, now=_at(2))
    [other] = await _claim(database, _at(3))
    assert (other.path, other.object_key) == (OTHER, "locations:NL/ORC/LOC2")


async def test_a_leased_row_holds_back_later_rows_of_its_object(database: Database) -> None:
    """The lost-DELETE probe: a DELETE leased by a worker that died is sent (once its lease
    ran out) before the PUT of the same Tariff queued after it."""
    first, _, _ = await _setup(database)
    tariff = {"module": "tariffs", "path": "NL/ORC/T1"}
    await _enqueue(database, [first], None, method="DELETE", **tariff)
    [leased] = await _claim(database, T0, lease_seconds=60)
    await _enqueue(database, [first], None, method="PUT", now=_at(1), **tariff)
    assert await _claim(database, _at(2)) == []  # the PUT waits for the leased DELETE
    assert await _claim(database, _at(59)) == []
    [delete] = await _claim(database, _at(61))  # the lease ran out: the DELETE first
    assert (delete.id, delete.method) == (leased.id, "DELETE")
    await _record(database, delete.id, True, _at(62))
    [put] = await _claim(database, _at(63))
    assert put.method == "PUT"


async def test_permanent_refusals_are_bounded(database: Database) -> None:
    first, _, pk = await _setup(database)
    await _enqueue(database, [first], pk)
    for attempt in range(3):
        [row] = await _claim(database, _at(attempt * 10))
        async with database.session() as session, session.begin():
            state = await repo.record_attempt(
                session,
                row.id,
                ok=False,
                http_status=200,
                status_code=2001,
                error="status_schedule: not allowed",
                duration_ms=1.0,
                next_attempt_at=_at(attempt * 10 + 5),
                now=_at(attempt * 10 + 1),
                refused=True,
                max_refusals=3,
            )
        assert state == ("failed" if attempt == 2 else "pending")
    [row] = await _rows(database)
    assert (row["state"], row["refusals"], row["closed_at"]) == ("failed", 3, _at(21))
    assert row["last_error"] == "HTTP 200, status_code 2001, status_schedule: not allowed"
    assert await _claim(database, _at(9999)) == []
    # A later change of the object is queued anew and sent: the failed row does not hold it.
    await _enqueue(database, [first], pk, now=_at(30))
    [later] = await _claim(database, _at(31))
    await _record(database, later.id, True, _at(32))
    # That whole-object PUT carried everything the failed row would have: superseded.
    assert [r["state"] for r in await _rows(database)] == ["superseded", "delivered"]


async def test_record_attempt_failure_then_success(database: Database) -> None:
    first, _, pk = await _setup(database)
    await _enqueue(database, [first], pk)
    [claimed] = await _claim(database, T0)
    await _record(database, claimed.id, False, _at(1), next_attempt_at=_at(60))
    [row] = await _rows(database)
    assert (row["state"], row["attempts"], row["last_error"]) == ("pending", 1, "HTTP 503")
    assert row["leased_until"] is None
    assert await _claim(database, _at(59)) == []
    [again] = await _claim(database, _at(60))
    assert again.attempts == 1
    await _record(database, again.id, True, _at(61))
    [row] = await _rows(database)
    assert (row["state"], row["delivered_at"], row["attempts"]) == ("delivered", _at(61), 0)
    assert await _claim(database, _at(9999)) == []
    attempts = await _rows(database, DeliveryAttempt)
    assert [
        (a["delivery_id"], a["at"], a["ok"], a["http_status"], a["status_code"], a["duration_ms"])
        for a in attempts
    ] == [
        (claimed.id, _at(1), False, 503, None, 12.5),
        (claimed.id, _at(61), True, 200, 1000, 12.5),
    ]


async def test_a_change_during_a_send_is_sent_afterwards(database: Database) -> None:
    """The worker may have read the object before the change: the row stays pending."""
    first, _, pk = await _setup(database)
    await _enqueue(database, [first], pk)
    [in_flight] = await _claim(database, T0)
    await _enqueue(database, [first], pk, now=_at(1))
    await _record(database, in_flight.id, True, _at(2))
    [row] = await _rows(database)
    assert (row["state"], row["delivered_at"]) == ("pending", _at(2))
    [resend] = await _claim(database, _at(3))
    assert resend.id == in_flight.id
    await _record(database, resend.id, True, _at(4))
    assert (await _rows(database))[0]["state"] == "delivered"


async def test_backlog_and_giving_up(database: Database) -> None:
    first, second, pk = await _setup(database)
    await _enqueue(database, [first, second], pk)
    await _enqueue(database, [first], pk, method="PATCH", path=EVSE, now=_at(5), fields=["x"])
    put_first, put_second = await _claim(database, _at(5))  # the PATCH waits for put_first
    await _record(database, put_first.id, False, _at(6), error="connect timeout")
    await _record(database, put_second.id, True, _at(7))
    async with database.session() as session:
        backlog = await repo.delivery_backlog(session)
    assert backlog == [
        # The whole answer: HTTP status, OCPI status_code (none here) and the message.
        repo.BacklogRecord(first, 2, T0, "HTTP 503, connect timeout", None, _at(6)),
        repo.BacklogRecord(second, 0, None, None, _at(7), None),
    ]
    async with database.session() as session, session.begin():
        assert await repo.give_up_deliveries(session, first, "partner unregistered") == 2
    assert await _claim(database, _at(9999)) == []
    async with database.session() as session:
        gone = (await repo.delivery_backlog(session))[0]
    assert (gone.pending, gone.oldest_pending_at) == (0, None)
    # A send that was in flight does not revive a row given up.
    await _record(database, put_first.id, True, _at(8))
    assert [r["state"] for r in await _rows(database)] == ["failed", "delivered", "failed"]


async def test_deleted_objects_keep_their_deliveries(database: Database) -> None:
    first, _, pk = await _setup(database)
    await _enqueue(database, [first], pk)
    async with database.session() as session, session.begin():
        assert await repo.delete_object(session, "locations", OWN, "NL", "ORC", "LOC1")
    await _enqueue(database, [first], None, module="tariffs", method="DELETE", path="NL/ORC/T1")
    claimed = await _claim(database, T0)
    assert [(c.object_pk, c.method) for c in claimed] == [(None, "PUT"), (None, "DELETE")]


async def test_prune_removes_finished_rows_and_their_attempts(database: Database) -> None:
    first, second, pk = await _setup(database)
    await _enqueue(database, [first, second], pk)
    done, failing = await _claim(database, T0)
    await _record(database, done.id, True, _at(10))
    await _record(database, failing.id, False, _at(10))
    async with database.session() as session, session.begin():
        assert await repo.prune_deliveries(session, _at(10)) == 0
        assert await repo.prune_deliveries(session, _at(11)) == 1
    assert [r["id"] for r in await _rows(database)] == [failing.id]
    assert [a["delivery_id"] for a in await _rows(database, DeliveryAttempt)] == [failing.id]


async def test_concurrent_claims_never_share_a_row(database: Database) -> None:
    """Several workers on one PostgreSQL: FOR UPDATE SKIP LOCKED hands each row to one."""
    if database.url.get_backend_name() != "postgresql":
        pytest.skip("SQLite runs one worker")
    first, second, pk = await _setup(database)
    for i in range(20):  # 20 objects: one claim takes at most one row per object and partner
        await _enqueue(database, [first, second], pk, method="PATCH", path=f"NL/ORC/L{i}/E1")
    async with database.session() as holding, holding.begin():
        held = await repo.claim_deliveries(holding, now=T0, limit=15, lease_seconds=30)
        # The second worker neither waits for the first nor takes its uncommitted rows.
        other = await asyncio.wait_for(_claim(database, T0, limit=40), timeout=10)
    assert len(held) == 15
    assert len(other) == 25
    assert not {d.id for d in held} & {d.id for d in other}

    await _enqueue(database, [first, second], pk, method="PATCH", path=EVSE, now=_at(1))
    racing = await asyncio.gather(*(_claim(database, _at(100), limit=30) for _ in range(3)))
    ids = [d.id for batch in racing for d in batch]
    assert len(ids) == len(set(ids)) == 42
