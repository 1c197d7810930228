"""The operations view of partner connections (services/partner_status.py), on SQLite and
PostgreSQL: per module pull-sync, objects held and deliveries; the list's summary; and a cost
that does not grow with the number of partners."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from openroam._services.partner_status import PartnerStatusService
from openroam._store import object_repo, outbox, outbox_admin, sync_state
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.records import Grant
from openroam.errors import NotFound
from openroam.models.v221.credentials import CredentialsRole
from openroam.models.v221.locations import BusinessDetails
from openroam.models.v221.types import Role
from openroam.models.v221.versions import Endpoint, InterfaceRole, ModuleID

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
SENDS = ("locations", "tariffs", "tokens")


async def _partner(
    database: Database,
    name: str,
    party: str,
    *,
    senders: tuple[str, ...] = SENDS,
    receivers: tuple[str, ...] = ("tokens",),
    encode_token: bool = True,
) -> int:
    """A registered partner (CPO and eMSP of DE*``party``) offering ``senders`` as Sender and
    ``receivers`` as Receiver interfaces."""
    roles = ((Role.CPO, "DE", party), (Role.EMSP, "DE", party))
    async with database.session() as session, session.begin():
        grants = [Grant(role, cc, pid) for role, cc, pid in roles]
        invited = await repo.create_invitation(session, name, f"token-a-{name}", grants)
        interfaces = ((senders, InterfaceRole.SENDER), (receivers, InterfaceRole.RECEIVER))
        endpoints = [
            Endpoint(identifier=ModuleID(module), role=role, url=f"https://{name}.test/{module}")
            for modules, role in interfaces
            for module in modules
        ]
        record = await repo.save_registration(
            session,
            invited.id,
            versions_url=f"https://{name}.test/versions",
            version="2.2.1",
            roles=[
                CredentialsRole(
                    role=role,
                    business_details=BusinessDetails(name=f"{name} {role}"),
                    party_id=pid,
                    country_code=cc,
                )
                for role, cc, pid in roles
            ],
            endpoints=endpoints,
            incoming_token=f"token-c-{name}",
            outgoing_token=f"token-b-{name}",
        )
        if not encode_token:
            await repo.set_encode_token(session, record.id, False)
    return record.id


async def _objects(database: Database, origin: int, module: str, count: int) -> None:
    async with database.session() as session, session.begin():
        for number in range(count):
            await object_repo.put_object(
                session,
                module=module,
                origin=origin,
                country_code="DE",
                party_id="ABC",
                object_id=f"{module}-{number}",
                object_type="RFID" if module == "tokens" else "",
                last_updated=T0,
                document=b"{}",
            )


async def _deliveries(database: Database, partner_id: int) -> None:
    """tokens: one failed, one pending with a failed attempt; locations: one pending."""
    async with database.session() as session, session.begin():
        await outbox.enqueue_delivery(
            session, partner_id=partner_id, module="tokens", object_pk=None, method="PUT",
            path="NL/ORM/T1?type=RFID", now=T0,
        )  # fmt: skip
        await outbox_admin.give_up_deliveries(session, partner_id, "refused for good")
        await outbox.enqueue_delivery(
            session, partner_id=partner_id, module="tokens", object_pk=None, method="PUT",
            path="NL/ORM/T2?type=RFID", now=T0 + timedelta(minutes=1),
        )  # fmt: skip
        await outbox.enqueue_delivery(
            session, partner_id=partner_id, module="locations", object_pk=None, method="PUT",
            path="NL/ORM/L1", now=T0 + timedelta(minutes=2),
        )  # fmt: skip
        rows = await outbox_admin.list_deliveries(session, partner_id=partner_id)
        second = next(row for row in rows if row.path.startswith("NL/ORM/T2"))
        await outbox.record_attempt(
            session,
            second.id,
            ok=False,
            http_status=503,
            status_code=None,
            error="Service Unavailable",
            duration_ms=1.0,
            next_attempt_at=T0 + timedelta(hours=1),
            now=T0 + timedelta(minutes=3),
        )


async def test_one_partner_per_module(database: Database) -> None:
    acme = await _partner(database, "acme", "ACM", encode_token=False)
    other = await _partner(database, "other", "OTH")
    await _objects(database, acme, "locations", 3)
    await _objects(database, acme, "tokens", 2)
    await _objects(database, other, "locations", 5)  # another partner's: not counted
    await _objects(database, object_repo.OWN, "tariffs", 4)  # ours: not counted
    async with database.session() as session, session.begin():
        await sync_state.save_sync_state(
            session, acme, "locations", last_full_sync_at=T0, last_pull_at=T0, watermark=T0
        )
        await sync_state.record_pull_failure(session, acme, "tariffs", "HTTP 500", at=T0)
        await sync_state.record_pull_failure(
            session, acme, "tariffs", "GET …/tariffs: HTTP 500", at=T0 + timedelta(minutes=5)
        )
    await _deliveries(database, acme)

    status = await PartnerStatusService(database).of("acme")
    assert status.token_encoding == "raw"
    assert status.versions_url == "https://acme.test/versions"
    assert [m.module for m in status.modules] == ["locations", "tariffs", "tokens"]
    locations, tariffs, tokens = status.modules
    assert (locations.pulled, locations.pushed, locations.objects) == (True, False, 3)
    assert (tariffs.objects, tokens.objects) == (0, 2)
    assert (tokens.pulled, tokens.pushed) == (True, True)
    assert locations.pull_health() == "ok"
    assert tokens.pull_health() == "not pulled yet"
    assert tariffs.failing
    assert tariffs.failing_since == T0
    assert tariffs.sync is not None
    assert tariffs.sync.failures == 2
    assert tariffs.sync.last_error_at == T0 + timedelta(minutes=5)
    assert status.pull_health() == (
        "tariffs failing since 2026-12-01T08:00:00Z (2 failures); 1 module ok; 1 not pulled yet"
    )
    assert (tokens.deliveries.pending, tokens.deliveries.failed) == (1, 1)
    assert (locations.deliveries.pending, locations.deliveries.failed) == (1, 0)
    assert status.deliveries.pending == 2
    assert status.deliveries.failed == 1
    assert status.deliveries.oldest_pending_at == T0 + timedelta(minutes=1)
    assert status.deliveries.last_error == "HTTP 503, Service Unavailable"
    assert status.deliveries.last_error_at == T0 + timedelta(minutes=3)

    data = status.to_dict()
    assert data["token_encoding"] == "raw"
    assert data["reading_policy"] == "strict"
    assert data["deviations"] == []
    assert data["modules"][1] == {
        "module": "tariffs",
        "pulled": True,
        "pushed": False,
        "pull_health": "failing since 2026-12-01T08:00:00Z (2 failures)",
        "objects": 0,
        "last_full_pull_at": None,
        "last_pull_at": None,
        "watermark": None,
        "next_pull_at": None,
        "failures": 2,
        "failing_since": "2026-12-01T08:00:00Z",
        "last_error": "GET …/tariffs: HTTP 500",
        "last_error_at": "2026-12-01T08:05:00Z",
        "deliveries": {
            "pending": 0,
            "oldest_pending_at": None,
            "failed": 0,
            "last_delivered_at": None,
        },
    }
    assert data["deliveries"]["oldest_pending_at"] == "2026-12-01T08:01:00Z"
    assert "token-b-acme" not in str(data)
    assert "token-c-acme" not in str(data)

    quiet = await PartnerStatusService(database).of("other")
    assert quiet.pull_health() == "3 not pulled yet"
    assert [m.objects for m in quiet.modules] == [5, 0, 0]
    assert quiet.deliveries.pending == quiet.deliveries.failed == 0
    assert quiet.deliveries.last_error is None


async def test_every_partner_without_object_counts(database: Database) -> None:
    acme = await _partner(database, "acme", "ACM")
    await _partner(database, "other", "OTH", senders=(), receivers=())
    async with database.session() as session, session.begin():
        await repo.create_invitation(
            session, "invited", "token-a-invited", [Grant(Role.EMSP, "DE", "INV")]
        )
        for module in SENDS:
            await sync_state.save_sync_state(session, acme, module, last_pull_at=T0)
    await _deliveries(database, acme)
    statuses = await PartnerStatusService(database).all()
    assert [s.info.name for s in statuses] == ["acme", "other", "invited"]
    acme_status, other, invited = statuses
    assert acme_status.pull_health() == "3 modules ok"
    assert all(module.objects is None for module in acme_status.modules)
    assert acme_status.deliveries.pending == 2
    assert other.pull_health() == invited.pull_health() == "nothing to pull"
    assert invited.deliveries.pending == 0
    summary = acme_status.summary_dict()
    assert summary["pull_health"] == "3 modules ok"
    assert summary["deliveries"]["failed"] == 1
    assert "modules" not in summary


async def test_a_pull_no_longer_failing_keeps_its_last_error(database: Database) -> None:
    acme = await _partner(database, "acme", "ACM")
    async with database.session() as session, session.begin():
        await sync_state.record_pull_failure(session, acme, "tariffs", "HTTP 500", at=T0)
        await sync_state.save_sync_state(
            session, acme, "tariffs", failures=0, failing_since=None, last_pull_at=T0
        )
    tariffs = (await PartnerStatusService(database).of("acme")).modules[1]
    assert tariffs.pull_health() == "ok"
    assert tariffs.failing_since is None
    assert tariffs.to_dict()["last_error"] == "HTTP 500"
    assert tariffs.to_dict()["last_error_at"] == "2026-12-01T08:00:00Z"


async def test_unknown_partner(database: Database) -> None:
    with pytest.raises(NotFound):
        await PartnerStatusService(database).of("nobody")


@contextmanager
def _statements(database: Database) -> Iterator[list[str]]:
    executed: list[str] = []

    def count(*args: Any) -> None:
        executed.append(str(args[2]))

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield executed
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_the_number_of_statements_does_not_grow_with_partners(database: Database) -> None:
    first = await _partner(database, "p0", "P00")
    await _deliveries(database, first)
    service = PartnerStatusService(database)
    with _statements(database) as one:
        await service.all()
    for number in range(1, 4):
        partner = await _partner(database, f"p{number}", f"P0{number}")
        await _deliveries(database, partner)
        async with database.session() as session, session.begin():
            await sync_state.record_pull_failure(session, partner, "tariffs", "down", at=T0)
    with _statements(database) as four:
        statuses = await service.all()
    assert len(statuses) == 4
    assert one
    assert len(four) == len(one)
    # One partner's view: the same statements whatever the number of modules.
    with _statements(database) as single:
        await service.of("p3")
    assert len(single) <= len(one) + 2
