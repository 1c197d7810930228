"""The message log: every OCPI exchange in and out, kept for the console (docs/console.md
"Message log").

Capturing is on the request's path, so it does the least it can there: :meth:`MessageLog.append`
puts an :class:`Exchange` (bodies referenced, or cut at ``body_bytes`` — a slice of at most that
many bytes, never an encoding or a copy of the whole) into a bounded in-memory buffer, or counts
it as dropped when the buffer is full; it never waits and never fails. Everything else happens in
:meth:`MessageLog.run`, a background task: tokens masked (:mod:`message_masking`), the module and
the partner worked out, rows written in batches (one transaction each, every
:data:`FLUSH_SECONDS` or :data:`BATCH` entries), and every :data:`TRIM_SECONDS` the rows beyond
the retention or the size cap deleted, oldest first.

What a process's buffer held when it stopped abruptly (killed, not shut down) is lost; a clean
stop writes it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from openroam._services.message_masking import is_credentials_url, mask_tokens
from openroam._store import message_log as store
from openroam._store.db import Database

__all__ = [
    "BATCH",
    "FLUSH_SECONDS",
    "MODULES",
    "SHARE_SECONDS",
    "TRIM_SECONDS",
    "Exchange",
    "MessageDetail",
    "MessageLog",
    "MessageLogSettings",
    "MessagePage",
    "cut",
    "list_messages",
    "message_detail",
    "module_of",
    "ocpi_status_of",
]

log = logging.getLogger("openroam.message_log")

#: Entries per written batch at most (one transaction); the writer wakes as soon as this many
#: wait, or :data:`WAKE_BYTES` of bodies.
BATCH = 20_000
WAKE_BYTES = 16 * 1024 * 1024
#: The longest an entry waits in the buffer (the console's page writes the buffer before it
#: reads). Each batch is a commit, and on SQLite any commit makes the hot path's caches that
#: hold while the database does not change (``PRAGMA data_version``: X-Total-Count, callers'
#: tokens) read again: a few commits a minute, not several a second.
FLUSH_SECONDS = 5.0
#: How often rows beyond the retention or the size cap are deleted.
TRIM_SECONDS = 60.0
#: How long an answer stored in full is referred to by later answers that start the same: a
#: reference outlives what it refers to only for messages this close to the trimming's edge.
SHARE_SECONDS = 30.0
_MAX_SHARED_ANSWERS = 1000
_ROWS_BETWEEN_YIELDS = 500
_MAX_CACHED_MODULES = 4096
_FIRST_TRIM_SECONDS = 5.0

#: The modules a message names (the known ModuleIDs and the versions endpoints), found as a
#: segment of its URL's path (mod_versions "ModuleID enum").
_MODULES = frozenset(
    {
        "cdrs",
        "chargingprofiles",
        "commands",
        "credentials",
        "hubclientinfo",
        "locations",
        "sessions",
        "tariffs",
        "tokens",
        "versions",
    }
)
#: The same, in order (the console's filter offers them).
MODULES = tuple(sorted(_MODULES))


class Exchange(NamedTuple):
    """One request and its answer, as captured (bodies already cut: :func:`cut`).

    ``url``: the path for a request we answered (its query in ``query``), the whole URL for one
    we sent. ``partner_token``: for one we sent, the token it carried — only to tell which
    partner it went to; it is never stored.
    """

    at: float
    direction: str
    method: str
    url: str
    query: bytes
    partner_name: str | None
    partner_token: str | None
    http_status: int | None
    ocpi_status: int | None
    seconds: float
    request_id: str | None
    correlation_id: str | None
    request_body: bytes | None
    request_bytes: int
    response_body: bytes | None
    response_bytes: int
    error: str | None = None
    #: ``response_body`` is the one of an earlier answer (:meth:`MessageLog.answer_prefix`):
    #: it takes no more memory
    shared_answer: bool = False

    @property
    def buffered_bytes(self) -> int:
        return _buffered_bytes(self)


def cut(chunks: Sequence[bytes], limit: int) -> tuple[bytes | None, int]:
    """The first ``limit`` bytes of a body that came as ``chunks``, and its whole length.

    A body within the limit sent in one piece is referenced, not copied."""
    if not chunks:
        return None, 0
    if len(chunks) == 1:
        body = chunks[0]
        return (body if len(body) <= limit else body[:limit]), len(body)
    total = sum(len(chunk) for chunk in chunks)
    kept = bytearray()
    for chunk in chunks:
        if len(kept) >= limit:
            break
        kept += chunk[: limit - len(kept)]
    return bytes(kept), total


_STATUS_MARKER = b'"status_code"'


def ocpi_status_of(body: bytes | None) -> int | None:
    """The ``status_code`` of an OCPI envelope (transport_and_format.asciidoc "Response
    format"), found as text (the last one: ``data`` comes first and may hold the word);
    None when there is none."""
    if not body:
        return None
    index = body.rfind(_STATUS_MARKER)
    if index < 0:
        return None
    rest = body[index + len(_STATUS_MARKER) : index + len(_STATUS_MARKER) + 16]
    rest = rest.lstrip(b" \t\r\n")
    if not rest.startswith(b":"):
        return None
    digits = rest[1:].lstrip(b" \t\r\n")[:4]
    return int(digits) if len(digits) == 4 and digits.isdigit() else None


def module_of(url: str) -> str | None:
    """The module a URL is an endpoint of: the last path segment that names one (``…/2.2.1/
    sender/locations/NL/…`` → locations, ``/ocpi/versions`` → versions), ``versions`` for a
    version details endpoint (``…/2.2.1``); None when no segment tells."""
    path = url.partition("?")[0]
    if "://" in path:
        path = path.split("://", 1)[1].partition("/")[2]
    segments = [segment for segment in path.split("/") if segment]
    found: str | None = None
    for segment in segments:
        if segment.lower() in _MODULES:
            found = segment.lower()
            if found != "versions":
                # Object ids come after the module (``…/locations/NL/ABC/versions`` is a
                # Location named "versions"), so the first module segment is the one.
                return found
    if found is None and segments and segments[-1].replace(".", "").isdigit():
        return "versions"
    return found


@dataclass(frozen=True, slots=True)
class MessageLogSettings:
    """``message_log`` of the settings (``_config.MessageLogConfig``)."""

    enabled: bool = True
    retention_days: float = 7.0
    max_megabytes: float = 256.0
    body_bytes: int = 16 * 1024
    #: The buffer's bounds: entries, and bytes of bodies.
    max_buffered: int = 100_000
    max_buffered_bytes: int = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class MessagePage:
    """What the console's list shows: the rows, the next page's ``before_id``, and this
    process's counts of entries it could not keep."""

    rows: list[store.MessageSummary]
    next_before_id: int | None
    dropped: int
    failed: int


@dataclass(slots=True)
class _Partners:
    by_name: dict[str, int] = field(default_factory=dict)
    by_token: dict[str, tuple[int, str]] = field(default_factory=dict)
    read_at: float = float("-inf")


class MessageLog:
    """See the module docstring. One per process; ``append`` from anywhere in its event loop's
    thread, ``run`` as one background task."""

    def __init__(self, settings: MessageLogSettings) -> None:
        self.settings = settings
        #: the most kept of each body
        self.body_bytes = settings.body_bytes
        # Plain tuples (of an Exchange's fields): the garbage collector stops tracking a tuple
        # of plain values at its first pass (not a NamedTuple's), so the thousands waiting here
        # cost the collections nothing.
        self._buffer: deque[tuple[Any, ...]] = deque()
        self._buffered_bytes = 0
        #: entries not kept because the buffer was full (since the process started)
        self.dropped = 0
        #: entries lost because their batch could not be written
        self.failed = 0
        #: entries written
        self.written = 0
        self._wake: asyncio.Event | None = None
        self._partners = _Partners()
        # The first trim a few seconds after start: a short command (``openroam invite``) does
        # not wait for one on its way out.
        self._trimmed_at = time.monotonic() - TRIM_SECONDS + _FIRST_TRIM_SECONDS
        #: (method, URL, HTTP status) → the first bytes of the answer last stored in full, its
        #: message id, when (monotonic): what later answers may refer to
        self._answers: dict[tuple[str, str, int | None], tuple[bytes, int, float]] = {}
        self._modules: dict[str, str | None] = {}
        self._recent_answers: dict[tuple[str, str, bytes, int | None], bytes] = {}
        self._urls: dict[tuple[str, bytes], str] = {}
        self._second: tuple[int, datetime] | None = None

    # --- on the request's path ---------------------------------------------------------------

    def append(self, exchange: Exchange) -> None:
        """Keep ``exchange`` for the writer; dropped (and counted) when the buffer is full."""
        self._keep(tuple(exchange), exchange.buffered_bytes)

    def _keep(self, entry: tuple[Any, ...], size: int) -> None:
        """Buffer ``entry`` (holding ``size`` bytes of bodies), or count it dropped when the
        buffer is full; wake the writer when a batch is ready."""
        buffer = self._buffer
        if (
            len(buffer) >= self.settings.max_buffered
            or self._buffered_bytes + size > self.settings.max_buffered_bytes
        ):
            self.dropped += 1
            return
        buffer.append(entry)
        self._buffered_bytes += size
        if (len(buffer) >= BATCH or self._buffered_bytes >= WAKE_BYTES) and self._wake is not None:
            self._wake.set()

    def append_answered(
        self,
        method: str,
        path: str,
        query: bytes,
        partner_name: str | None,
        http_status: int | None,
        ocpi_status: int | None,
        started: float,
        seconds: float,
        request_id: str,
        correlation_id: str,
        asked: Sequence[bytes],
        answer: Sequence[bytes],
    ) -> None:
        """:meth:`append` of a request we answered (the middleware's, on every request: the
        entry is built as the plain tuple the buffer holds, without an :class:`Exchange`)."""
        request_body, request_bytes = cut(asked, self.body_bytes) if asked else (None, 0)
        response_body, response_bytes, shared = self.answer_prefix(
            (method, path, query, http_status), answer
        )
        size = len(request_body) if request_body else 0
        if response_body and not shared:
            size += len(response_body)
        # The fields of an Exchange, in order.
        self._keep(
            (
                started,
                "in",
                method,
                path,
                query,
                partner_name,
                None,
                http_status,
                ocpi_status,
                seconds,
                request_id,
                correlation_id,
                request_body,
                request_bytes,
                response_body,
                response_bytes,
                None if http_status is not None else "No answer sent (the caller left)",
                shared,
            ),
            size,
        )

    def answer_prefix(
        self, key: tuple[str, str, bytes, int | None], chunks: Sequence[bytes]
    ) -> tuple[bytes | None, int, bool]:
        """:func:`cut` for an answer we sent, ``key`` (method, path, query, HTTP status), and
        whether the bytes kept are shared: the first ``body_bytes`` of an answer that starts as
        the last one to the same request cut are that one's bytes (the same object: no copy, no
        more memory; the writer stores them once, :meth:`_shared_answer`)."""
        limit = self.body_bytes
        if len(chunks) != 1 or len(chunks[0]) <= limit:
            return (*cut(chunks, limit), False)
        body = chunks[0]
        recent = self._recent_answers
        last = recent.get(key)
        if last is not None and body.startswith(last):
            return last, len(body), True
        if len(recent) >= _MAX_SHARED_ANSWERS:
            recent.clear()
        prefix = recent[key] = body[:limit]
        return prefix, len(body), False

    # --- the writer task ---------------------------------------------------------------------

    async def run(self, db: Database, stop: asyncio.Event) -> None:
        """Write the buffer in batches and trim the table until ``stop`` is set; then write
        what is left."""
        self._wake = asyncio.Event()
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                if len(self._buffer) < BATCH and self._buffered_bytes < WAKE_BYTES:
                    woken = asyncio.ensure_future(self._wake.wait())
                    await asyncio.wait(
                        (woken, stopping),
                        timeout=FLUSH_SECONDS,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                    woken.cancel()
                self._wake.clear()
                await self.flush(db)
                if time.monotonic() - self._trimmed_at >= TRIM_SECONDS:
                    await self.trim(db)
        finally:
            stopping.cancel()
            await self.flush(db)

    async def flush(self, db: Database) -> None:
        """Write everything buffered now (in batches of :data:`BATCH`)."""
        while self._buffer:
            popleft = self._buffer.popleft
            batch = [popleft() for _ in range(min(BATCH, len(self._buffer)))]
            self._buffered_bytes -= sum(_buffered_bytes(entry) for entry in batch)
            written = self.written
            try:
                await self._write(db, batch)
            except Exception:
                lost = len(batch) - (self.written - written)
                self.failed += lost
                log.exception("message log: %d entries could not be written", lost)

    async def _write(self, db: Database, batch: list[tuple[Any, ...]]) -> None:
        """``batch`` (entries as buffered: an :class:`Exchange`'s fields) in order, in one
        INSERT — or a few: an answer that starts as one stored earlier in the batch refers to
        that one's id, known once it is inserted."""
        partners = await self._partners_for(db, batch)
        rows: list[store.MessageRow] = []
        #: (method, URL, HTTP status) → a cut answer in ``rows``, not inserted yet
        waiting: dict[tuple[str, str, int | None], bytes] = {}
        row_of = self._row
        for entry in batch:
            body = entry[_RESPONSE_BODY]
            if waiting and body and entry[1] == "in" and entry[15] > len(body):
                url = self._url_with(entry[3], entry[4]) if entry[4] else entry[3]
                held = waiting.get((entry[2], url, entry[7]))
                if held is not None and (held is body or held == body):
                    # Its original is in this batch: inserted first, so it can be referred to.
                    await self._insert_remembering(db, rows)
                    rows, waiting = [], {}
            row, full_cut = row_of(entry, partners)
            rows.append(row)
            if len(rows) % _ROWS_BETWEEN_YIELDS == 0:
                # Thousands of rows are made per batch: requests are answered in between, so
                # the writer never holds the event loop for more than a few milliseconds.
                await asyncio.sleep(0)
            if full_cut:
                assert row.response_body is not None
                waiting[(row.method, row.url, row.http_status)] = row.response_body
        await self._insert_remembering(db, rows)

    async def _insert_remembering(self, db: Database, rows: list[store.MessageRow]) -> None:
        if rows:
            ids = await self._insert(db, rows)
            self.written += len(rows)
            self._remember_answers(rows, ids)

    async def _insert(self, db: Database, rows: list[store.MessageRow]) -> list[int]:
        try:
            return await store.insert_messages(db, rows)
        except Exception:
            if not any(row.partner_id is not None for row in rows):
                raise
            # A partner deleted since its id was looked up (the foreign key refuses the row):
            # once more with the names only.
            self._partners.read_at = float("-inf")
            return await store.insert_messages(db, [row._replace(partner_id=None) for row in rows])

    def _remember_answers(self, rows: list[store.MessageRow], ids: list[int]) -> None:
        """The cut answers just stored in full: later ones that start the same refer to them."""
        now = time.monotonic()
        answers = self._answers
        for row, message_id in zip(rows, ids, strict=True):
            if _full_cut_answer(row):
                assert row.response_body is not None
                key = (row.method, row.url, row.http_status)
                if key in answers or len(answers) < _MAX_SHARED_ANSWERS:
                    answers[key] = (row.response_body, message_id, now)

    def _module_of(self, url: str) -> str | None:
        # A busy node asks about the same few URLs again and again.
        modules = self._modules
        if url in modules:
            return modules[url]
        if len(modules) >= _MAX_CACHED_MODULES:
            modules.clear()
        found = modules[url] = module_of(url)
        return found

    def _shared_answer(
        self, method: str, url: str, http_status: int | None, body: bytes
    ) -> int | None:
        """The message whose stored answer ``body`` (cut) is, stored a moment ago, or None.

        A page of a GET list is large and, while its objects do not change, the same page after
        page: its first ``body_bytes`` are stored once and referred to (column
        ``response_shared_with``) for :data:`SHARE_SECONDS`."""
        stored = self._answers.get((method, url, http_status))
        if stored is None or time.monotonic() - stored[2] > SHARE_SECONDS:
            return None
        if stored[0] is not body and stored[0] != body:
            return None
        return stored[1]

    async def trim(self, db: Database) -> int:
        """Delete rows beyond the retention and the size cap; how many."""
        self._trimmed_at = time.monotonic()
        before = datetime.now(UTC) - timedelta(days=self.settings.retention_days)
        cap = int(self.settings.max_megabytes * 1024 * 1024)
        try:
            return await store.trim_messages(db, before=before, max_bytes=cap)
        except Exception:
            log.exception("message log: trimming failed")
            return 0

    async def _partners_for(self, db: Database, batch: list[tuple[Any, ...]]) -> _Partners:
        known = self._partners
        by_name, by_token = known.by_name, known.by_token
        # An entry's partner name and token are its fields 5 and 6 (an Exchange's order).
        unknown = any(
            (entry[5] is not None and entry[5] not in by_name)
            or (entry[6] is not None and entry[6] not in by_token)
            for entry in batch
        )
        # Read again when a name or token is new (a partner registering), at most once a
        # second, and every half minute anyway (a rename, a rotated token).
        age = time.monotonic() - known.read_at
        if (unknown and age >= 1.0) or age >= 30.0:
            fresh = _Partners(read_at=time.monotonic())
            for keys in await store.partner_keys(db):
                fresh.by_name[keys.name] = keys.id
                if keys.outgoing_token:
                    fresh.by_token[keys.outgoing_token] = (keys.id, keys.name)
            self._partners = known = fresh
        return known

    def _row(self, entry: tuple[Any, ...], partners: _Partners) -> tuple[store.MessageRow, bool]:
        """The row of a buffered entry, and whether it holds a cut answer of ours in full
        (one later answers may refer to). Runs for every message: plain locals, no lookups
        but the caches'."""
        (
            at,
            direction,
            method,
            url,
            query,
            name,
            token,
            http_status,
            ocpi_status,
            seconds,
            request_id,
            correlation_id,
            request_body,
            request_bytes,
            response_body,
            response_bytes,
            error,
            _shared,
        ) = entry
        if query:
            url = self._url_with(url, query)
        partner_id: int | None = None
        if name is not None:
            partner_id = partners.by_name.get(name)
        elif token is not None:
            partner_id, name = partners.by_token.get(token, (None, None))
        if "credentials" in url and is_credentials_url(url):
            request_body = mask_tokens(request_body) if request_body else request_body
            response_body = mask_tokens(response_body) if response_body else response_body
        full_cut = False
        shared_with: int | None = None
        if response_body and direction == "in" and response_bytes > len(response_body):
            shared_with = self._shared_answer(method, url, http_status, response_body)
            if shared_with is None:
                full_cut = True
            else:
                response_body = None
        size = (len(request_body) if request_body else 0) + (
            len(response_body) if response_body else 0
        )
        row = store.MessageRow(
            self._stamp(at),
            direction,
            partner_id,
            name,
            self._module_of(url),
            method if len(method) <= 8 else method[:8],
            url,
            http_status,
            ocpi_status,
            round(seconds * 1000, 3),
            request_id if request_id is None or len(request_id) <= 64 else request_id[:64],
            correlation_id
            if correlation_id is None or len(correlation_id) <= 64
            else correlation_id[:64],
            request_body,
            response_body,
            request_bytes,
            response_bytes,
            size,
            error,
            shared_with,
        )
        return row, full_cut

    def _stamp(self, at: float) -> datetime:
        # One datetime per second of messages, then only its microseconds replaced.
        second = int(at)
        base = self._second
        if base is None or base[0] != second:
            base = self._second = (second, datetime.fromtimestamp(second, UTC))
        return base[1].replace(microsecond=int((at - second) * 1_000_000))

    def _url_with(self, path: str, query: bytes) -> str:
        # A busy node is asked the same few URLs again and again.
        urls = self._urls
        found = urls.get((path, query))
        if found is None:
            if len(urls) >= _MAX_CACHED_MODULES:
                urls.clear()
            found = urls[(path, query)] = f"{path}?{query.decode('latin-1')}"
        return found


async def list_messages(
    db: Database, message_log: MessageLog | None, where: store.MessageFilter, limit: int
) -> MessagePage:
    """The newest ``limit`` messages ``where`` lets through (what this process's log still
    holds in its buffer is written first, so a message just exchanged is listed)."""
    if message_log is not None:
        await message_log.flush(db)
    rows = await store.find_messages(db, where, limit + 1)
    next_before = rows[limit - 1].id if len(rows) > limit else None
    dropped, failed = (message_log.dropped, message_log.failed) if message_log else (0, 0)
    return MessagePage(rows[:limit], next_before, dropped, failed)


@dataclass(frozen=True, slots=True)
class MessageDetail:
    """One message with its bodies as stored (cut, tokens masked); ``response_shared_with``:
    the message whose stored answer this one's started with (then ``response_body`` is that
    one's, or None when it is no longer kept)."""

    summary: store.MessageSummary
    request_body: bytes | None
    response_body: bytes | None
    response_shared_with: int | None = None


async def message_detail(
    db: Database, message_log: MessageLog | None, message_id: int
) -> MessageDetail | None:
    """One message with its bodies."""
    if message_log is not None:
        await message_log.flush(db)
    found = await store.get_message(db, message_id)
    if found is None:
        return None
    shared = found.response_shared_with
    if shared is None:
        return MessageDetail(found.summary, found.request_body, found.response_body)
    original = await store.get_message(db, shared)
    body = original.response_body if original is not None else None
    return MessageDetail(found.summary, found.request_body, body, shared)


#: Where an entry's response body is in the buffered tuple (an Exchange's fields).
_RESPONSE_BODY = 14


def _buffered_bytes(entry: tuple[Any, ...]) -> int:
    """What a buffered entry (an Exchange's fields) holds of bodies: its request body, and its
    response body unless shared (a shared answer takes no more memory)."""
    request, answer = entry[12], entry[_RESPONSE_BODY]
    return (len(request) if request else 0) + (0 if entry[17] or not answer else len(answer))


def _full_cut_answer(row: store.MessageRow) -> bool:
    """Whether ``row`` holds an answer we sent, cut, in full (not a reference): one later
    answers may refer to."""
    body = row.response_body
    return (
        row.direction == "in"
        and body is not None
        and row.response_bytes > len(body)
        and row.response_shared_with is None
    )
