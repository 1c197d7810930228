"""Webhooks: signed POSTs of every event, retried until a 2xx, in order per subject, each taken by
one worker (SQLite and PostgreSQL); a real receiver on 127.0.0.1 for the retry test."""

from __future__ import annotations

import asyncio
import socket
from collections import defaultdict
from collections.abc import AsyncIterator, Callable

import httpx
import orjson
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openroam._delivery.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookSettings,
    WebhookWorker,
    sign,
    verify_signature,
)
from openroam._services.events import EventService, EventType, session_subject
from openroam._store.db import Database

SECRET = b"webhook-secret-for-tests"
URL = "https://backend.example.com/hooks"
STARTED, UPDATED = EventType.SESSION_STARTED, EventType.SESSION_UPDATED


def settings(urls: Callable[[str], str | None] = lambda t: URL, **extra: float) -> WebhookSettings:
    fast = {"base_delay": 0.01, "max_delay": 0.05, "idle_sleep": 0.01} | extra
    return WebhookSettings(secret=SECRET, urls=urls, **fast)  # type: ignore[arg-type]


Handler = Callable[[httpx.Request], httpx.Response]


def recording(received: list[httpx.Request], answer: Handler | None = None) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return answer(request) if answer else httpx.Response(204)

    return httpx.MockTransport(handle)


async def drain(worker: WebhookWorker, rounds: int = 200) -> None:
    """Run batches until nothing is pending (waiting out back-offs)."""
    for _ in range(rounds):
        events = await EventService(worker.db).read(limit=1000)
        if all(e.webhook_state != "pending" for e in events):
            return
        await worker.run_once()
        await asyncio.sleep(0.01)
    raise AssertionError("events still pending")


async def test_an_event_is_posted_signed_and_verifiable(database: Database) -> None:
    events = EventService(database)
    event = await events.emit(
        STARTED, session_subject("NL", "EXA", "s1"), {"session": {"id": "s1"}}
    )
    received: list[httpx.Request] = []
    assert await WebhookWorker(database, settings(), recording(received)).run_once() == 1
    [request] = received
    body = request.content
    assert orjson.loads(body) == {
        "id": event.id,
        "type": "session.started",
        "subject": "session:NL/EXA/S1",
        "sequence": 1,
        "created_at": orjson.loads(body)["created_at"],
        "data": {"session": {"id": "s1"}},
    }
    assert request.headers["X-Openroam-Event"] == "session.started"
    assert request.headers["X-Openroam-Event-Id"] == str(event.id)
    assert request.headers["Content-Type"] == "application/json"
    timestamp, signature = request.headers[TIMESTAMP_HEADER], request.headers[SIGNATURE_HEADER]
    # What a receiver does: HMAC-SHA256 over "<timestamp>.<raw body>" with the shared secret.
    assert signature == sign(SECRET, int(timestamp), body)
    assert verify_signature(SECRET, body, timestamp, signature)
    assert not verify_signature(b"another secret", body, timestamp, signature)
    assert not verify_signature(SECRET, body.replace(b"s1", b"s2"), timestamp, signature)
    # A replay: the same request presented ten minutes later is refused.
    assert not verify_signature(SECRET, body, timestamp, signature, now=int(timestamp) + 600)
    assert not verify_signature(SECRET, body, "not a number", signature)
    [stored] = await events.read()
    assert (stored.webhook_state, stored.attempts) == ("delivered", 0)


async def test_events_without_a_url_are_kept_for_the_api(database: Database) -> None:
    events = EventService(database)
    await events.emit(STARTED, session_subject("NL", "EXA", "s1"), {})
    await events.emit(EventType.CDR_RECEIVED, "cdr:NL/EXA/C1", {})
    received: list[httpx.Request] = []
    only_sessions = settings(lambda t: URL if t.startswith("session.") else None)
    await WebhookWorker(database, only_sessions, recording(received)).run_once()
    assert [r.headers["X-Openroam-Event"] for r in received] == ["session.started"]
    listed = {e.type: e for e in await events.read()}
    assert listed["cdr.received"].webhook_state == "unsent"
    assert listed["cdr.received"].last_error == "no webhook URL for this event type"


async def test_failures_are_retried_with_backoff_and_order_per_subject_is_kept(
    database: Database,
) -> None:
    events = EventService(database)
    s1, s2 = session_subject("NL", "EXA", "s1"), session_subject("NL", "EXA", "s2")
    for subject, event_type in ((s1, STARTED), (s2, STARTED), (s1, UPDATED), (s1, UPDATED)):
        await events.emit(event_type, subject, {})
    failures = {"left": 3}
    received: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        body = orjson.loads(request.content)
        if body["subject"] == s1 and body["sequence"] == 1 and failures["left"]:
            failures["left"] -= 1
            return httpx.Response(503)
        return httpx.Response(200)

    worker = WebhookWorker(database, settings(), recording(received, answer))
    await worker.run_once()
    # s1's first event failed: its later ones wait; s2 is not held up.
    firsts = [
        (orjson.loads(r.content)["subject"], r.headers["X-Openroam-Event-Id"]) for r in received
    ]
    assert sorted(s for s, _ in firsts) == sorted([s1, s2])
    [pending] = [e for e in await events.read(subject=s1) if e.attempts]
    assert (pending.sequence, pending.webhook_state, pending.last_error) == (
        1,
        "pending",
        "HTTP 503",
    )
    await drain(worker)
    delivered = [orjson.loads(r.content) for r in received if r.content]
    s1_order = [b["sequence"] for b in delivered if b["subject"] == s1]
    assert s1_order == [1, 1, 1, 1, 2, 3]  # three failures, then in order
    assert all(e.webhook_state == "delivered" for e in await events.read())


async def test_a_transport_error_is_retried(database: Database) -> None:
    events = EventService(database)
    await events.emit(STARTED, session_subject("NL", "EXA", "s1"), {})
    calls: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(202)

    worker = WebhookWorker(database, settings(), httpx.MockTransport(answer))
    await worker.run_once()
    [event] = await events.read()
    assert event.webhook_state == "pending"
    assert "ConnectError" in (event.last_error or "")
    await drain(worker)
    assert len(calls) == 2
    assert (await events.read())[0].webhook_state == "delivered"


async def test_two_workers_never_send_one_event_twice(database: Database) -> None:
    """Several workers share the table (FOR UPDATE SKIP LOCKED on PostgreSQL): every event is
    POSTed exactly once when every POST succeeds, and in order per subject."""
    events = EventService(database)
    subjects = [session_subject("NL", "EXA", f"s{n}") for n in range(8)]
    for round_ in range(5):
        for subject in subjects:
            await events.emit(STARTED if round_ == 0 else UPDATED, subject, {"round": round_})
    seen: list[tuple[str, int, int]] = []

    async def handle(request: httpx.Request) -> httpx.Response:
        body = orjson.loads(request.content)
        await asyncio.sleep(0.002)  # let the other worker claim meanwhile
        seen.append((body["subject"], body["sequence"], body["id"]))
        return httpx.Response(200)

    workers = [
        WebhookWorker(database, settings(batch=3), httpx.MockTransport(handle)) for _ in range(2)
    ]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(worker.run(stop)) for worker in workers]
    try:
        for _ in range(500):
            if len(seen) >= 40 and all(
                e.webhook_state == "delivered" for e in await events.read(limit=100)
            ):
                break
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    ids = [event_id for _, _, event_id in seen]
    assert len(ids) == 40
    assert len(set(ids)) == 40
    per_subject: dict[str, list[int]] = defaultdict(list)
    for subject, sequence, _ in seen:
        per_subject[subject].append(sequence)
    assert all(order == [1, 2, 3, 4, 5] for order in per_subject.values())


# --- a real receiver over HTTP --------------------------------------------------------------


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[bytes], dict[str, int]]]:
    """A webhook receiver on 127.0.0.1 that verifies signatures and fails the first calls."""
    bodies: list[bytes] = []
    control = {"fail": 2, "bad_signatures": 0}

    async def hook(request: Request) -> Response:
        body = await request.body()
        if not verify_signature(
            SECRET, body, request.headers[TIMESTAMP_HEADER], request.headers[SIGNATURE_HEADER]
        ):
            control["bad_signatures"] += 1
            return Response(status_code=401)
        if control["fail"]:
            control["fail"] -= 1
            return Response(status_code=500)
        bodies.append(body)
        return Response(status_code=204)

    app = Starlette(routes=[Route("/hooks", hook, methods=["POST"])])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/hooks", bodies, control
    finally:
        server.should_exit = True
        await task


async def test_retried_until_a_real_receiver_accepts(
    database: Database, receiver: tuple[str, list[bytes], dict[str, int]]
) -> None:
    url, bodies, control = receiver
    events = EventService(database)
    subject = session_subject("NL", "EXA", "s1")
    await events.emit(STARTED, subject, {"kwh": 0})
    await events.emit(UPDATED, subject, {"kwh": 1.5})
    worker = WebhookWorker(database, settings(lambda t: url))
    await drain(worker)
    assert [orjson.loads(b)["data"] for b in bodies] == [{"kwh": 0}, {"kwh": 1.5}]
    assert control == {"fail": 0, "bad_signatures": 0}
    first = (await events.read())[0]
    assert (first.webhook_state, first.attempts) == ("delivered", 2)


async def test_an_event_the_backend_refuses_fails_after_bounded_attempts(
    database: Database,
) -> None:
    """_delivery/retry.py: HTTP 4xx (but 401/408/429) is a refusal: tried max_refusals times,
    then the webhook is failed (the event stays listed); the next event of the subject goes
    out. HTTP 429 is retried past that bound."""
    events = EventService(database)
    subject = session_subject("NL", "EXA", "s1")
    refused = await events.emit(STARTED, subject, {"n": 1})
    await events.emit(UPDATED, subject, {"n": 2})
    busy = await events.emit(STARTED, session_subject("NL", "EXA", "s2"), {})
    received: list[httpx.Request] = []
    answers = {str(refused.id): [400] * 10, str(busy.id): [429] * 5}

    def answer(request: httpx.Request) -> httpx.Response:
        waiting = answers.get(request.headers["X-Openroam-Event-Id"], [])
        return httpx.Response(waiting.pop(0) if waiting else 204)

    worker = WebhookWorker(database, settings(max_refusals=3), recording(received, answer))
    await drain(worker)
    states = {e.id: (e.webhook_state, e.attempts) for e in await events.read()}
    assert states[refused.id] == ("failed", 3)
    assert states[busy.id] == ("delivered", 5)
    assert [e.webhook_state for e in await events.read(types=[UPDATED])] == ["delivered"]
