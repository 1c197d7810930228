"""Pull-sync against a partner whose pagination is wrong or hostile (transport_and_format.asciidoc
"Pagination"; docs/architecture.md "Pull-sync"), with the partner's Sender interface a real HTTP
server on 127.0.0.1, on SQLite and PostgreSQL:

* our credentials token goes only to the origin of the partner's registered endpoint: a ``Link``
  to another origin stops the pull, is recorded, and that origin receives no request;
* a relative ``Link`` is resolved against the request URL (RFC 8288, RFC 3986);
* a pull that ends with fewer objects than ``X-Total-Count`` is incomplete: retried, and neither
  the full-sync time nor the watermark moves;
* a ``Link`` loop, or links that never end, stop the pull as an error.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from starlette.requests import Request

from openroam._delivery.pull import PullSettings, PullWorker
from openroam._runtime import client_factory
from openroam._services.platform import OwnParty, Platform
from openroam._services.roaming import RoamingService
from openroam._store import object_repo as objects
from openroam._store import repositories as repo
from openroam._store.db import Database
from openroam._store.records import Grant
from openroam.client._auth import authorization_value
from openroam.errors import PartnerRequestError
from openroam.models.v221.credentials import CredentialsRole
from openroam.models.v221.locations import BusinessDetails
from openroam.models.v221.types import Role
from openroam.models.v221.versions import Endpoint, InterfaceRole, ModuleID
from tests.delivery.sender_server import LIST_PATH, PARTY, SenderServer, serving, tariff

PLATFORM = Platform("http://emsp.test", (OwnParty("NL", "ORM", Role.EMSP, "our eMSP"),))
SETTINGS = PullSettings(interval=3600.0, retry_delay=30.0)


@pytest.fixture
async def sender() -> AsyncIterator[SenderServer]:
    async with serving(SenderServer(tariffs=[tariff(n) for n in range(4)])) as server:
        yield server


@pytest.fixture
async def elsewhere() -> AsyncIterator[SenderServer]:
    """Another origin (another port of 127.0.0.1), serving the same list."""
    async with serving(SenderServer(tariffs=[tariff(n) for n in range(4)])) as server:
        yield server


async def _partner(
    database: Database, sender: SenderServer, party: tuple[str, str] = PARTY
) -> repo.PartnerRecord:
    name = f"cpo-{uuid.uuid4().hex[:6]}"
    async with database.session() as session, session.begin():
        invited = await repo.create_invitation(
            session, name, f"token-a-{name}", grants=[Grant(Role.CPO, *party)]
        )
        return await repo.save_registration(
            session,
            invited.id,
            versions_url=f"{sender.url}/ocpi/versions",
            version="2.2.1",
            roles=[
                CredentialsRole(
                    role=Role.CPO,
                    business_details=BusinessDetails(name=name),
                    country_code=party[0],
                    party_id=party[1],
                )
            ],
            endpoints=[
                Endpoint(
                    identifier=ModuleID.TARIFFS,
                    role=InterfaceRole.SENDER,
                    url=f"{sender.url}{LIST_PATH}",
                )
            ],
            incoming_token=f"token-c-{name}",
            outgoing_token=f"token-b-{name}",
        )


def _worker(database: Database) -> PullWorker:
    return PullWorker(database, RoamingService(database, PLATFORM), client_factory(), SETTINGS)


async def _state(database: Database, partner_id: int) -> repo.SyncStateRecord:
    async with database.session() as session:
        state = await repo.get_sync_state(session, partner_id, "tariffs")
    assert state is not None
    return state


async def _stored_ids(database: Database, partner_id: int) -> list[str]:
    async with database.session() as session:
        count = await objects.count_objects(session, module="tariffs", origin=partner_id)
        found = [
            await objects.get_object(session, "tariffs", partner_id, *PARTY, f"T{n}")
            for n in range(10)
        ]
    ids = [orjson.loads(stored.document)["id"] for stored in found if stored is not None]
    assert len(ids) == count
    return ids


# --- a Link to another origin -----------------------------------------------------------------


async def test_a_next_link_to_another_origin_is_refused_and_that_origin_gets_no_request(
    database: Database,
    sender: SenderServer,
    elsewhere: SenderServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    foreign = f"{elsewhere.url}{LIST_PATH}?offset=2"
    sender.link = lambda server, request, offset: f'<{foreign}>; rel="next"'
    partner = await _partner(database, sender)
    worker = _worker(database)
    with caplog.at_level(logging.WARNING, logger="openroam._delivery"):
        # The scheduled path: the refusal is recorded, not raised out of the worker.
        assert await worker.run_due() == 1
    # Our token never reached the other origin: not a single request arrived there.
    assert elsewhere.requests == []
    assert len(sender.requests) == 1
    state = await _state(database, partner.id)
    assert state.failures == 1
    assert state.last_error is not None
    for named in (partner.name, "tariffs", foreign):
        assert named in state.last_error
    assert (state.last_full_sync_at, state.watermark) == (None, None)
    assert any(foreign in record.getMessage() for record in caplog.records)


async def test_a_pull_by_hand_refuses_the_other_origin_too_and_records_it(
    database: Database, sender: SenderServer, elsewhere: SenderServer
) -> None:
    # Scheme-relative: "//host:port/…" keeps our scheme but names another host.
    other_host = elsewhere.url.replace("http://127.0.0.1", "//localhost")
    sender.link = lambda server, request, offset: f'<{other_host}{LIST_PATH}>; rel="next"'
    partner = await _partner(database, sender)
    with pytest.raises(PartnerRequestError, match="localhost"):
        await _worker(database).pull(partner, "tariffs")
    assert elsewhere.requests == []
    state = await _state(database, partner.id)
    assert state.failures == 1
    assert state.last_error is not None
    assert "localhost" in state.last_error


async def test_our_token_goes_to_the_registered_origin_only(
    database: Database, sender: SenderServer
) -> None:
    partner = await _partner(database, sender)
    result = await _worker(database).pull(partner, "tariffs")
    assert (result.pages, result.stored) == (2, 4)
    assert partner.outgoing_token is not None
    expected = authorization_value(partner.outgoing_token, encode=partner.encode_token)
    assert [auth for _, auth in sender.requests] == [expected, expected]


# --- a relative Link --------------------------------------------------------------------------


def _relative_links(server: SenderServer, request: Request, offset: int) -> str:
    # Several links in one header, rel in other cases and quotings, and a relative target of
    # each kind: a query only, an absolute path.
    if offset == 2:
        return f'<https://docs.example.com/tariffs>; rel="help", <?offset={offset}>; REL=Next'
    return f'<{LIST_PATH}?offset={offset}>; rel="prev next"'


async def test_a_relative_next_link_is_resolved_against_the_request_url(
    database: Database, sender: SenderServer
) -> None:
    sender.tariffs = [tariff(n) for n in range(6)]
    sender.link = _relative_links
    partner = await _partner(database, sender)
    result = await _worker(database).pull(partner, "tariffs")
    assert (result.pages, result.stored) == (3, 6)
    assert sender.urls == [
        f"{sender.url}{LIST_PATH}",
        f"{sender.url}{LIST_PATH}?offset=2",
        f"{sender.url}{LIST_PATH}?offset=4",
    ]
    state = await _state(database, partner.id)
    assert (state.failures, state.last_error) == (0, None)
    assert state.last_full_sync_at is not None
    assert await _stored_ids(database, partner.id) == [f"T{n}" for n in range(6)]


# --- fewer objects than X-Total-Count ----------------------------------------------------------


async def test_a_short_last_page_is_incomplete_retried_and_not_a_full_sync(
    database: Database, sender: SenderServer
) -> None:
    sender.tariffs = [tariff(n) for n in range(5)]
    sender.served = 4  # the second page has no Link, X-Total-Count still says 5
    partner = await _partner(database, sender)
    worker = _worker(database)
    before = datetime.now(UTC)
    result = await worker.pull(partner, "tariffs")
    assert (result.pages, result.received, result.total) == (2, 4, 5)
    assert result.incomplete is not None
    # What was received is valid and kept.
    assert await _stored_ids(database, partner.id) == ["T0", "T1", "T2", "T3"]
    state = await _state(database, partner.id)
    assert (state.last_full_sync_at, state.watermark) == (None, None)
    assert state.failures == 1
    assert state.last_error is not None
    assert "incomplete" in state.last_error
    assert "4 of 5" in state.last_error
    # Retried after the retry delay (± the splay), not after the interval.
    assert state.next_pull_at is not None
    assert state.next_pull_at < before + timedelta(seconds=SETTINGS.retry_delay * 1.2)

    # The retry is a full pull again; now the partner serves everything.
    sender.served = None
    sender.requests.clear()
    result = await worker.pull(partner, "tariffs")
    assert result.full
    assert result.incomplete is None
    assert "date_from" not in sender.urls[0]
    state = await _state(database, partner.id)
    # Healthy again; the last error stays with its time, for the operator view.
    assert (state.failures, state.failing_since) == (0, None)
    assert state.last_error is not None
    assert "4 of 5" in state.last_error
    assert state.last_error_at is not None
    assert state.last_full_sync_at is not None
    assert state.watermark == datetime(2026, 1, 1, 10, 0, 4, tzinfo=UTC)


async def test_an_incomplete_incremental_pull_keeps_the_watermark(
    database: Database, sender: SenderServer
) -> None:
    partner = await _partner(database, sender)
    worker = _worker(database)
    await worker.pull(partner, "tariffs")
    complete = await _state(database, partner.id)
    assert complete.watermark == datetime(2026, 1, 1, 10, 0, 3, tzinfo=UTC)

    # Three newer Tariffs, of which the partner serves two and announces three.
    sender.tariffs = [tariff(n) for n in range(7)]
    sender.served = 3  # T3 (at the watermark, date_from is inclusive), T4, T5; T6 missing
    sender.requests.clear()
    result = await worker.pull(partner, "tariffs")
    assert not result.full
    assert (result.received, result.total, result.stored) == (3, 4, 2)
    assert result.incomplete is not None
    state = await _state(database, partner.id)
    # Neither the watermark nor the full-sync time moved: the next pull asks again from there.
    assert (state.watermark, state.last_full_sync_at) == (
        complete.watermark,
        complete.last_full_sync_at,
    )
    assert state.failures == 1

    sender.served = None
    sender.requests.clear()
    result = await worker.pull(partner, "tariffs")
    assert "date_from=2026-01-01T10%3A00%3A03Z" in sender.urls[0]
    assert result.incomplete is None
    assert await _stored_ids(database, partner.id) == [f"T{n}" for n in range(7)]
    state = await _state(database, partner.id)
    assert state.watermark == datetime(2026, 1, 1, 10, 0, 6, tzinfo=UTC)
    assert state.failures == 0


# --- links that loop or never end -------------------------------------------------------------


async def test_a_next_link_loop_stops_the_pull_and_is_recorded(
    database: Database, sender: SenderServer
) -> None:
    sender.tariffs = [tariff(n) for n in range(6)]
    # The second page links back to the first page.
    sender.link = lambda server, request, offset: (
        f'<{server.url}{LIST_PATH}?offset={offset}>; rel="next"'
        if offset < 4
        else f'<{server.url}{LIST_PATH}>; rel="next"'
    )
    partner = await _partner(database, sender)
    worker = _worker(database)
    with pytest.raises(PartnerRequestError, match="loop"):
        await worker.pull(partner, "tariffs")
    assert sender.urls == [f"{sender.url}{LIST_PATH}", f"{sender.url}{LIST_PATH}?offset=2"]
    state = await _state(database, partner.id)
    assert state.failures == 1
    assert state.last_error is not None
    assert "loop" in state.last_error
    assert partner.name in state.last_error
    assert state.last_full_sync_at is None


async def test_a_next_link_to_the_same_page_stops_at_once(
    database: Database, sender: SenderServer
) -> None:
    sender.link = lambda server, request, offset: f'<{request.url}>; rel="next"'
    partner = await _partner(database, sender)
    with pytest.raises(PartnerRequestError, match="loop"):
        await _worker(database).pull(partner, "tariffs")
    assert len(sender.requests) == 1


async def test_next_links_that_never_end_are_stopped_by_the_announced_total(
    database: Database, sender: SenderServer
) -> None:
    # Every page links onward and holds two objects, while X-Total-Count says 4.
    sender.tariffs = [tariff(n) for n in range(40)]
    sender.total = 4
    partner = await _partner(database, sender)
    with pytest.raises(PartnerRequestError, match="X-Total-Count"):
        await _worker(database).pull(partner, "tariffs")
    # Two pages beyond the announced total at most.
    assert len(sender.requests) <= 4
    state = await _state(database, partner.id)
    assert state.failures == 1
    assert state.last_full_sync_at is None


# --- objects a partner may not send ----------------------------------------------------------


async def test_objects_of_parties_the_partner_did_not_register_are_not_stored(
    database: Database, sender: SenderServer, elsewhere: SenderServer
) -> None:
    # Another partner registered NL/OTH and holds its Tariff T9; ours is NL/ORM.
    other = await _partner(database, elsewhere, party=("NL", "OTH"))
    theirs = tariff(9) | {"country_code": "NL", "party_id": "OTH"}
    elsewhere.tariffs = [theirs]
    await _worker(database).pull(other, "tariffs")
    async with database.session() as session:
        before = await objects.get_object(session, "tariffs", other.id, "NL", "OTH", "T9")
    assert before is not None

    # The partner's list holds its own Tariffs, plus one of each party it did not register,
    # dated far ahead so it would move the watermark if it were counted.
    ahead = {"last_updated": "2099-01-01T00:00:00Z", "currency": "USD"}
    sender.tariffs = [
        tariff(0),
        theirs | ahead,
        tariff(8) | {"country_code": "NL", "party_id": "ORM"} | ahead,
        tariff(1),
    ]
    partner = await _partner(database, sender)
    result = await _worker(database).pull(partner, "tariffs")
    assert (result.received, result.stored, result.foreign) == (4, 2, 2)
    assert result.incomplete is None
    assert await _stored_ids(database, partner.id) == ["T0", "T1"]
    async with database.session() as session:
        assert await objects.count_objects(session, module="tariffs", origin=partner.id) == 2
        after = await objects.get_object(session, "tariffs", other.id, "NL", "OTH", "T9")
        ours = await objects.count_objects(session, module="tariffs", origin=objects.OWN)
    assert after == before
    assert ours == 0
    state = await _state(database, partner.id)
    assert state.watermark == datetime(2026, 1, 1, 10, 0, 1, tzinfo=UTC)


async def test_an_object_dated_in_the_future_does_not_move_the_watermark_past_now(
    database: Database, sender: SenderServer
) -> None:
    # A partner's clock ahead, or a hostile date: the object is valid and stored, but a
    # watermark in 2099 would make every later incremental pull ask for nothing.
    sender.tariffs = [tariff(0), tariff(1) | {"last_updated": "2099-01-01T00:00:00Z"}]
    partner = await _partner(database, sender)
    before = datetime.now(UTC)
    result = await _worker(database).pull(partner, "tariffs")
    assert result.stored == 2
    state = await _state(database, partner.id)
    assert state.watermark is not None
    assert before - timedelta(seconds=1) <= state.watermark <= datetime.now(UTC)

    sender.requests.clear()
    await _worker(database).pull(partner, "tariffs")
    assert "date_from=2099" not in sender.urls[0]


async def test_each_failure_doubles_the_retry_delay(
    database: Database, sender: SenderServer, elsewhere: SenderServer
) -> None:
    sender.link = lambda server, request, offset: f"<{elsewhere.url}{LIST_PATH}>; rel=next"
    partner = await _partner(database, sender)
    worker = _worker(database)
    delays = []
    for _ in range(3):
        before = datetime.now(UTC)
        with pytest.raises(PartnerRequestError):
            await worker.pull(partner, "tariffs")
        state = await _state(database, partner.id)
        assert state.next_pull_at is not None
        delays.append((state.next_pull_at - before).total_seconds() / SETTINGS.retry_delay)
    assert state.failures == 3
    # 1, 2, 4 times the retry delay, each ± the 10 % splay.
    assert [round(delay) for delay in delays] == [1, 2, 4]
    assert elsewhere.requests == []


# --- log lines name the partner and the module ------------------------------------------------


async def test_pull_log_lines_name_the_partner_and_the_module(
    database: Database, sender: SenderServer, caplog: pytest.LogCaptureFixture
) -> None:
    partner = await _partner(database, sender)
    worker = _worker(database)
    with caplog.at_level(logging.INFO, logger="openroam._delivery"):
        await worker.pull(partner, "tariffs")
        sender.fuse = 0  # every further request: HTTP 500 without an OCPI envelope
        with pytest.raises(PartnerRequestError):
            await worker.pull(partner, "tariffs")
    pulled, failed = (r for r in caplog.records if r.name == "openroam._delivery")
    for record in (pulled, failed):
        assert (record.partner, record.ocpi_module) == (partner.name, "tariffs")  # type: ignore[attr-defined]
        assert partner.name in record.getMessage()
    assert pulled.levelno == logging.INFO
    assert "4 stored" in pulled.getMessage()
    assert failed.levelno == logging.WARNING
    assert f"GET {sender.url}{LIST_PATH}" in failed.getMessage()
    assert "HTTP 500" in failed.getMessage()
    state = await _state(database, partner.id)
    assert state.last_error is not None
    assert state.last_error.startswith(f"pull of tariffs from {partner.name}: GET {sender.url}")
