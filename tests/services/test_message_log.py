"""The message log (docs/console.md "Message log"): tokens masked, modules and partners told,
entries written in batches and read back with the console's filters, a repeated GET page stored
once, the buffer bounded, the table trimmed by age and size — on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from openroam._services.message_log import (
    Exchange,
    MessageLog,
    MessageLogSettings,
    cut,
    list_messages,
    message_detail,
    module_of,
    ocpi_status_of,
)
from openroam._services.message_masking import MASK, is_credentials_url, mask_tokens
from openroam._store import message_log as store
from openroam._store.db import Database
from openroam._store.tables import Partner, PartnerStatus

TOKEN_B = "token-b-0123456789-secret"
TOKEN_C = "token-c-9876543210-secret"


def _exchange(**fields: object) -> Exchange:
    values: dict[str, object] = {
        "at": time.time(),
        "direction": "in",
        "method": "GET",
        "url": "/ocpi/2.2.1/sender/locations",
        "query": b"",
        "partner_name": None,
        "partner_token": None,
        "http_status": 200,
        "ocpi_status": 1000,
        "seconds": 0.002,
        "request_id": "req-1",
        "correlation_id": "cor-1",
        "request_body": None,
        "request_bytes": 0,
        "response_body": b'{"data":[],"status_code":1000}',
        "response_bytes": 30,
    }
    values.update(fields)
    return Exchange(**values)  # type: ignore[arg-type]


async def _partner(db: Database, name: str, outgoing_token: str) -> int:
    async with db.session() as session, session.begin():
        partner = Partner(name=name, status=PartnerStatus.REGISTERED, outgoing_token=outgoing_token)
        session.add(partner)
        await session.flush()
        return partner.id


# --- masking ---------------------------------------------------------------------------------


def test_credentials_tokens_are_masked_at_any_depth_and_nothing_else() -> None:
    request = orjson.dumps({"token": TOKEN_B, "url": "https://p.example/versions", "roles": []})
    answer = orjson.dumps(
        {"data": {"token": TOKEN_C, "url": "https://us.example/v"}, "status_code": 1000}
    )
    assert orjson.loads(mask_tokens(request)) == {
        "token": MASK,
        "url": "https://p.example/versions",
        "roles": [],
    }
    masked = orjson.loads(mask_tokens(answer))
    assert masked["data"] == {"token": MASK, "url": "https://us.example/v"}
    assert masked["status_code"] == 1000


def test_a_token_in_a_body_that_is_no_json_or_cut_is_masked_too() -> None:
    # An escaped key is still the key "token" once parsed.
    escaped = b'{"\\u0074oken": "' + TOKEN_B.encode() + b'", "url": "x"}'
    assert TOKEN_B.encode() not in mask_tokens(escaped)
    # Cut in the middle of the token (the log keeps the first body_bytes).
    cut_body = b'{"url": "x", "token": "' + TOKEN_C[:10].encode()
    assert TOKEN_C[:10].encode() not in mask_tokens(cut_body)
    assert MASK.encode() in mask_tokens(cut_body)
    # 2.1.1's credentials carry the same field.
    v211 = b'{"token": "' + TOKEN_B.encode() + b'", "party_id": "ABC", "country_code": "NL"'
    assert TOKEN_B.encode() not in mask_tokens(v211)


def test_only_credentials_urls_are_masked() -> None:
    assert is_credentials_url("/ocpi/2.2.1/credentials")
    assert is_credentials_url("https://p.example/ocpi/2.1.1/credentials/")
    assert not is_credentials_url("/ocpi/2.2.1/receiver/tokens/NL/ABC/credentials-x")


# --- what a message is ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "module"),
    [
        ("/ocpi/2.2.1/sender/locations", "locations"),
        ("/ocpi/2.2.1/receiver/locations/NL/ABC/versions", "locations"),
        ("https://p.example/ocpi/cpo/2.1.1/tariffs/NL/ABC/T1", "tariffs"),
        ("/ocpi/versions", "versions"),
        ("https://p.example/ocpi/2.2.1", "versions"),
        ("/ocpi/2.2.1/credentials?x=1", "credentials"),
        ("https://p.example/somewhere/else", None),
    ],
)
def test_the_module_of_a_url(url: str, module: str | None) -> None:
    assert module_of(url) == module


def test_a_body_is_cut_at_the_limit_and_its_length_kept() -> None:
    body = b"x" * 100
    kept, length = cut([body], 1000)
    assert kept is body
    assert length == 100
    assert cut([body], 10) == (b"x" * 10, 100)
    assert cut([b"abc", b"def", b"ghi"], 5) == (b"abcde", 9)
    assert cut([], 10) == (None, 0)


def test_the_ocpi_status_of_an_answer() -> None:
    assert ocpi_status_of(b'{"data": [], "status_code": 2001, "timestamp": "x"}') == 2001
    assert ocpi_status_of(b'{"status_code":1000}') == 1000
    assert ocpi_status_of(b"<html>Bad gateway</html>") is None
    assert ocpi_status_of(None) is None


# --- writing and reading ----------------------------------------------------------------------


async def test_exchanges_are_written_with_their_partner_and_read_back_filtered(
    database: Database,
) -> None:
    partner_id = await _partner(database, "emsp-one", TOKEN_B)
    log = MessageLog(MessageLogSettings())
    registration = orjson.dumps({"token": TOKEN_B, "url": "https://p.example/versions"})
    log.append(
        _exchange(
            method="POST",
            url="/ocpi/2.2.1/credentials",
            partner_name="emsp-one",
            request_body=registration,
            request_bytes=len(registration),
            response_body=orjson.dumps({"data": {"token": TOKEN_C}, "status_code": 1000}),
            request_id="req-credentials",
        )
    )
    log.append(
        _exchange(
            direction="out",
            method="PUT",
            url="https://p.example/ocpi/2.2.1/tariffs/NL/ORM/T1",
            partner_token=TOKEN_B,
            http_status=None,
            ocpi_status=None,
            response_body=None,
            response_bytes=0,
            error="could not reach the partner",
            correlation_id="cor-push",
        )
    )
    log.append(_exchange(query=b"limit=50", http_status=401, ocpi_status=2000))

    everything = await list_messages(database, log, store.MessageFilter(), 50)
    assert [row.module for row in everything.rows] == ["locations", "tariffs", "credentials"]
    incoming, outgoing = everything.rows[2], everything.rows[1]
    assert (incoming.partner_id, incoming.partner_name) == (partner_id, "emsp-one")
    # The partner of a request we sent: told by the token it carried (never stored).
    assert (outgoing.partner_id, outgoing.partner_name) == (partner_id, "emsp-one")
    assert outgoing.http_status is None
    assert outgoing.error == "could not reach the partner"
    assert everything.rows[0].url == "/ocpi/2.2.1/sender/locations?limit=50"

    async def ids(**where: object) -> list[str | None]:
        found = await list_messages(database, log, store.MessageFilter(**where), 50)  # type: ignore[arg-type]
        return [row.module for row in found.rows]

    assert await ids(direction="out") == ["tariffs"]
    assert await ids(partner="emsp-one", direction="in") == ["credentials"]
    assert await ids(status_class=4) == ["locations"]
    assert await ids(status_class=0) == ["tariffs"]
    assert await ids(ocpi_status=2000) == ["locations"]
    assert await ids(message_id="cor-push") == ["tariffs"]
    assert await ids(message_id="req-credentials") == ["credentials"]
    assert await ids(method="POST", module="credentials") == ["credentials"]
    assert await ids(since=datetime.now(UTC) + timedelta(minutes=1)) == []

    detail = await message_detail(database, log, incoming.id)
    assert detail is not None
    for body in (detail.request_body, detail.response_body):
        assert body is not None
        assert TOKEN_B.encode() not in body
        assert TOKEN_C.encode() not in body
        assert MASK.encode() in body
    assert detail.request_body is not None
    assert b"https://p.example/versions" in detail.request_body


async def test_the_list_is_paged_newest_first(database: Database) -> None:
    log = MessageLog(MessageLogSettings())
    for number in range(7):
        log.append(_exchange(request_id=f"req-{number}"))
    first = await list_messages(database, log, store.MessageFilter(), 3)
    assert [row.request_id for row in first.rows] == ["req-6", "req-5", "req-4"]
    assert first.next_before_id == first.rows[-1].id
    second = await list_messages(
        database, log, store.MessageFilter(before_id=first.next_before_id), 3
    )
    assert [row.request_id for row in second.rows] == ["req-3", "req-2", "req-1"]
    last = await list_messages(
        database, log, store.MessageFilter(before_id=second.next_before_id), 3
    )
    assert [row.request_id for row in last.rows] == ["req-0"]
    assert last.next_before_id is None


async def test_a_repeated_cut_answer_is_stored_once_and_shown_for_each(database: Database) -> None:
    log = MessageLog(MessageLogSettings(body_bytes=64))
    page = b'{"data":[' + b'{"id":"L1"},' * 20 + b'],"status_code":1000,"timestamp":"T1"}'
    kept, length = cut([page], 64)
    log.append(_exchange(request_id="first", response_body=kept, response_bytes=length))
    await log.flush(database)
    for number in range(3):
        log.append(
            _exchange(request_id=f"again-{number}", response_body=kept, response_bytes=length)
        )
    # The same request answered otherwise (another page) is stored in full.
    other = b'{"data":[' + b'{"id":"L2"},' * 20 + b"]}"
    changed, changed_length = cut([other], 64)
    log.append(
        _exchange(request_id="changed", response_body=changed, response_bytes=changed_length)
    )
    found = await list_messages(database, log, store.MessageFilter(), 10)
    by_request = {row.request_id: row for row in found.rows}

    first = await message_detail(database, log, by_request["first"].id)
    assert first is not None
    assert first.response_body == kept
    assert (first.answer_shared, first.response_shared_with) == (False, None)
    for number in range(3):
        again = await message_detail(database, log, by_request[f"again-{number}"].id)
        assert again is not None
        assert again.response_body == kept
        assert (again.answer_shared, again.response_shared_with) == (True, by_request["first"].id)
    stored = await database_sizes(database)
    assert stored["first"] == 64
    assert stored["again-0"] < 32
    changed_detail = await message_detail(database, log, by_request["changed"].id)
    assert changed_detail is not None
    assert changed_detail.response_body == changed


async def database_sizes(database: Database) -> dict[str | None, int]:
    rows = await store.find_messages(database, store.MessageFilter(), 100)
    sizes = {}
    for row in rows:
        detail = await store.get_message(database, row.id)
        assert detail is not None
        sizes[row.request_id] = len(detail.response_body or b"")
    return sizes


def test_a_full_buffer_drops_and_counts_without_failing() -> None:
    log = MessageLog(MessageLogSettings(max_buffered=2))
    for _ in range(5):
        log.append(_exchange())
    assert log.dropped == 3
    by_bytes = MessageLog(MessageLogSettings(max_buffered_bytes=40))
    by_bytes.append(_exchange())  # 30 bytes of answer
    by_bytes.append(_exchange())
    assert by_bytes.dropped == 1


async def test_trimming_deletes_the_aged_and_the_oldest_beyond_the_cap(
    database: Database,
) -> None:
    log = MessageLog(MessageLogSettings(retention_days=1, max_megabytes=250 / (1024 * 1024)))
    log.append(_exchange(at=time.time() - 2 * 86400, request_id="aged"))
    body = b"b" * 100
    for number in range(4):
        log.append(_exchange(request_id=f"recent-{number}", response_body=body, response_bytes=100))
    await log.flush(database)
    assert await log.trim(database) == 3  # the aged one, then the two oldest beyond 250 bytes
    rows = await store.find_messages(database, store.MessageFilter(), 10)
    assert [row.request_id for row in rows] == ["recent-3", "recent-2"]


async def test_trimming_deletes_in_steps_until_all_that_goes_is_gone(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A step is one short transaction (on SQLite a job queued with the object writes): a trim
    # of more rows than a step takes as many steps as it needs, the aged ones and the oldest
    # beyond the cap alike.
    monkeypatch.setattr(store, "_TRIM_STEP", 2)
    log = MessageLog(MessageLogSettings(retention_days=1, max_megabytes=250 / (1024 * 1024)))
    for number in range(5):
        log.append(_exchange(at=time.time() - 2 * 86400 + number, request_id=f"aged-{number}"))
    body = b"b" * 100
    for number in range(7):
        log.append(_exchange(request_id=f"recent-{number}", response_body=body, response_bytes=100))
    await log.flush(database)
    assert await log.trim(database) == 5 + 5
    rows = await store.find_messages(database, store.MessageFilter(), 20)
    assert [row.request_id for row in rows] == ["recent-6", "recent-5"]


def _answered(log: MessageLog, request_id: str, answer: bytes, **fields: object) -> None:
    """A GET list page our server answered, as the middleware hands it to the log."""
    values: dict[str, object] = {
        "method": "GET",
        "path": "/ocpi/2.2.1/sender/locations",
        "query": b"limit=50",
        "partner_id": None,
        "partner_name": None,
        "http_status": 200,
        "ocpi_status": 1000,
        "started": time.time(),
        "seconds": 0.004,
        "request_id": request_id,
        "correlation_id": "cor-" + request_id,
        "asked": [],
        "answer": [answer],
    }
    values.update(fields)
    log.append_answered(**values)  # type: ignore[arg-type]


def test_an_answer_cut_like_the_last_one_takes_no_more_of_the_buffer() -> None:
    # 8 bytes of each answer kept; room for 12 bytes of bodies.
    log = MessageLog(MessageLogSettings(body_bytes=8, max_buffered_bytes=12))
    _answered(log, "first", b'{"data":[1,2,3],"timestamp":"T1"}')
    # Starts as the first (the time stamp differs beyond the cut): refers to it, no bytes.
    _answered(log, "again", b'{"data":[1,2,3],"timestamp":"T2"}')
    _answered(log, "again-2", b'{"data":[1,2,3],"timestamp":"T3"}')
    assert log.dropped == 0
    # Another start: 8 more bytes, beyond the room.
    _answered(log, "other", b'{"other":[1,2,3],"timestamp":"T4"}')
    assert log.dropped == 1
    # A whole answer (within the cut) takes its bytes: 2 fit.
    _answered(log, "small", b"{}")
    assert log.dropped == 1


async def test_repeated_answers_are_stored_once_and_shown_for_each(database: Database) -> None:
    log = MessageLog(MessageLogSettings(body_bytes=40))
    partner_id = await _partner(database, "emsp-pages", TOKEN_B)
    started = 1_796_000_000.123456
    for number in range(4):
        page = b'{"data":[{"id":"L1"},{"id":"L2"},{"id":"L3"}],"timestamp":"T%d"}' % number
        _answered(
            log,
            f"page-{number}",
            page,
            partner_id=partner_id,
            partner_name="emsp-pages",
            started=started + number,
        )
    # The same request answered otherwise (another page) is stored in full.
    _answered(log, "changed", b'{"data":[{"id":"L9"},{"id":"L8"},{"id":"L7"}]}' * 2)
    await log.flush(database)
    sizes = await database_sizes(database)
    assert sizes["page-0"] == 40
    assert all(sizes[f"page-{number}"] == 0 for number in range(1, 4))
    assert sizes["changed"] == 40
    rows = await store.find_messages(database, store.MessageFilter(), 10)
    by_request = {row.request_id: row for row in rows}
    first = by_request["page-0"]
    # Stored as captured: the partner the caller's token told, the time to the microsecond.
    assert (first.partner_id, first.partner_name) == (partner_id, "emsp-pages")
    assert first.at == datetime(2026, 11, 30, 0, 53, 20, 123456, tzinfo=UTC)
    assert first.url == "/ocpi/2.2.1/sender/locations?limit=50"
    page_bytes = len(b'{"data":[{"id":"L1"},{"id":"L2"},{"id":"L3"}],"timestamp":"T0"}')
    assert (first.module, first.duration_ms, first.response_bytes) == (
        "locations",
        4.0,
        page_bytes,
    )
    for number in range(4):
        detail = await message_detail(database, log, by_request[f"page-{number}"].id)
        assert detail is not None
        assert detail.response_body == b'{"data":[{"id":"L1"},{"id":"L2"},{"id":"L3"}'[:40]
        assert detail.answer_shared is (number > 0)
        assert detail.response_shared_with == (first.id if number else None)


async def test_an_answer_shared_with_a_message_trimmed_since_is_shown_as_not_kept(
    database: Database,
) -> None:
    log = MessageLog(MessageLogSettings(body_bytes=8, retention_days=1))
    long_ago = time.time() - 2 * 86400
    _answered(log, "aged", b'{"data":[1,2,3]}', started=long_ago)
    # Captured within SHARE_SECONDS of the first: refers to it.
    _answered(log, "recent", b'{"data":[1,2,3]}', started=long_ago + 1)
    await log.flush(database)
    assert await log.trim(database) == 2
    _answered(log, "later", b'{"data":[1,2,3]}', started=long_ago + 2)
    _answered(log, "now", b'{"data":[1,2,3]}')  # beyond SHARE_SECONDS: stored again
    await log.flush(database)
    rows = {
        row.request_id: row
        for row in await store.find_messages(database, store.MessageFilter(), 10)
    }
    later = await message_detail(database, log, rows["later"].id)
    assert later is not None
    assert (later.answer_shared, later.response_body, later.response_shared_with) == (
        True,
        None,
        None,
    )
    now = await message_detail(database, log, rows["now"].id)
    assert now is not None
    assert (now.answer_shared, now.response_body) == (False, b'{"data":')


async def test_a_message_of_a_partner_deleted_before_it_was_written_keeps_its_name(
    database: Database,
) -> None:
    log = MessageLog(MessageLogSettings())
    kept_id = await _partner(database, "emsp-kept", TOKEN_B)
    gone_id = await _partner(database, "emsp-gone", TOKEN_C)
    _answered(log, "kept", b"{}", partner_id=kept_id, partner_name="emsp-kept")
    _answered(log, "gone", b"{}", partner_id=gone_id, partner_name="emsp-gone")
    async with database.session() as session, session.begin():
        await session.delete(await session.get(Partner, gone_id))
    await log.flush(database)
    assert (log.written, log.failed) == (2, 0)
    rows = await store.find_messages(database, store.MessageFilter(), 10)
    assert {row.request_id: (row.partner_id, row.partner_name) for row in rows} == {
        "kept": (kept_id, "emsp-kept"),
        "gone": (None, "emsp-gone"),
    }
