"""The message log: every OCPI exchange in and out, kept for the console (docs/console.md
"Message log").

Capturing is on the request's path, so it does the least it can there, and all of it there:
:meth:`MessageLog.append_answered` (every request we answer) and :meth:`MessageLog.append`
(every request we send) make the row as it will be stored — bodies referenced or cut at
``body_bytes`` (a slice, never an encoding or a copy of the whole), tokens masked in a
credentials exchange (:mod:`message_masking`), the module told by the URL — and put it into a
bounded in-memory buffer, or count it as dropped when the buffer is full; they never wait and
never fail. :meth:`MessageLog.run`, a background task, writes the buffer in batches (one
transaction each, every :data:`FLUSH_SECONDS` or :data:`BATCH` entries) with no work per row in
Python but telling the partner of the requests we sent (by the token they carried), and every
:data:`TRIM_SECONDS` deletes the rows beyond the retention or the size cap, oldest first.

A GET page is large and, while its objects do not change, the same page after page: a cut
answer that starts as the last one to the same request is stored once. The first is given a
key when it is captured (``answer_key``), the later ones refer to it (``shared_answer_key``).

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
from operator import itemgetter
from random import getrandbits
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
    "new_answer_key",
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


class _Unresolved(NamedTuple):
    """A buffered row whose partner the writer tells (``partner_id`` is None in ``row``): by
    the name in ``row``, else by ``token``, the one the request carried."""

    row: tuple[Any, ...]
    token: str | None


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
    """See the module docstring. One per process; ``append`` and ``append_answered`` from
    anywhere in its event loop's thread, ``run`` as one background task."""

    def __init__(self, settings: MessageLogSettings) -> None:
        self.settings = settings
        #: the most kept of each body
        self.body_bytes = settings.body_bytes
        # Rows as plain tuples (store.MessageRow's values), or _Unresolved ones: the garbage
        # collector stops tracking a tuple of plain values at its first pass, so the thousands
        # waiting here cost its collections nothing.
        self._buffer: deque[tuple[Any, ...]] = deque()
        self._buffered_bytes = 0
        #: how many entries of the buffer are _Unresolved
        self._unresolved = 0
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
        #: (method, URL, HTTP status) → the start of the answer last stored in full, its
        #: answer_key, and when it was captured (seconds since the epoch): what later answers
        #: that start the same refer to
        self._answers: dict[tuple[str, str, int | None], tuple[bytes, int, float]] = {}
        self._modules: dict[str, str | None] = {}

    # --- on the request's path ---------------------------------------------------------------

    def append_answered(
        self,
        method: str,
        path: str,
        query: bytes,
        partner_id: int | None,
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
        """Keep a request we answered (the middleware's, on every request), its bodies as the
        pieces that passed: the row is made here, as it will be stored, so that writing it
        costs no work per row in Python."""
        limit = self.body_bytes
        url = f"{path}?{query.decode('latin-1')}" if query else path
        request_body, request_bytes = cut(asked, limit) if asked else (None, 0)
        answer_key = shared_key = None
        if "credentials" in path and is_credentials_url(path):
            request_body, response_body, response_bytes = self._masked(request_body, answer)
        elif len(answer) == 1 and len(answer[0]) > limit:
            # A large answer, most often a GET page: shared with the last one when it starts
            # the same (checked on the whole answer: nothing is cut or copied then).
            response_bytes = len(answer[0])
            response_body, answer_key, shared_key = self._share(
                (method, url, http_status), answer[0], started
            )
        else:
            response_body, response_bytes = cut(answer, limit)
        size = (len(request_body) if request_body else 0) + (
            len(response_body) if response_body else 0
        )
        self._keep(
            (
                round(started * 1_000_000),
                "in",
                partner_id,
                partner_name,
                self._module_of(path),
                method[:8],
                url,
                http_status,
                ocpi_status,
                seconds * 1000,
                request_id[:64],
                correlation_id[:64],
                request_body,
                response_body,
                request_bytes,
                response_bytes,
                size,
                None if http_status is not None else "No answer sent (the caller left)",
                answer_key,
                shared_key,
            ),
            size,
        )

    def append(self, exchange: Exchange) -> None:
        """Keep ``exchange`` (bodies already cut); its partner is told by the writer, by its
        name or by the token it carried."""
        url = exchange.url
        if exchange.query:
            url = f"{url}?{exchange.query.decode('latin-1')}"
        request_body, response_body = exchange.request_body, exchange.response_body
        answer_key = shared_key = None
        if "credentials" in url and is_credentials_url(url):
            request_body = mask_tokens(request_body) if request_body else request_body
            response_body = mask_tokens(response_body) if response_body else response_body
        elif (
            exchange.direction == "in"
            and response_body
            and exchange.response_bytes > len(response_body)
        ):
            response_body, answer_key, shared_key = self._share(
                (exchange.method, url, exchange.http_status), response_body, exchange.at
            )
        size = (len(request_body) if request_body else 0) + (
            len(response_body) if response_body else 0
        )
        row = (
            round(exchange.at * 1_000_000),
            exchange.direction,
            None,
            exchange.partner_name,
            self._module_of(url),
            exchange.method[:8],
            url,
            exchange.http_status,
            exchange.ocpi_status,
            exchange.seconds * 1000,
            None if exchange.request_id is None else exchange.request_id[:64],
            None if exchange.correlation_id is None else exchange.correlation_id[:64],
            request_body,
            response_body,
            exchange.request_bytes,
            exchange.response_bytes,
            size,
            exchange.error,
            answer_key,
            shared_key,
        )
        if exchange.partner_name is None and exchange.partner_token is None:
            self._keep(row, size)
        elif self._keep(_Unresolved(row, exchange.partner_token), size):
            self._unresolved += 1

    def _keep(self, entry: tuple[Any, ...], size: int) -> bool:
        """Buffer ``entry`` (holding ``size`` bytes of bodies), or count it dropped when the
        buffer is full; wake the writer when a batch is ready. Whether it was kept."""
        buffer = self._buffer
        if (
            len(buffer) >= self.settings.max_buffered
            or self._buffered_bytes + size > self.settings.max_buffered_bytes
        ):
            self.dropped += 1
            return False
        buffer.append(entry)
        self._buffered_bytes += size
        if (len(buffer) >= BATCH or self._buffered_bytes >= WAKE_BYTES) and self._wake is not None:
            self._wake.set()
        return True

    def _share(
        self, key: tuple[str, str, int | None], body: bytes, at: float
    ) -> tuple[bytes | None, int | None, int | None]:
        """What to store of an answer of ours longer than ``body_bytes`` to the request ``key``
        (method, URL, HTTP status), ``body`` being the whole answer or its start: (the stored
        start, its answer_key, None) — or (None, None, the answer_key of the last such answer)
        when this one starts the same, captured at most :data:`SHARE_SECONDS` before."""
        answers = self._answers
        last = answers.get(key)
        if last is not None and at - last[2] <= SHARE_SECONDS and body.startswith(last[0]):
            return None, None, last[1]
        start = body[: self.body_bytes]
        answer_key = new_answer_key()
        if last is None and len(answers) >= _MAX_SHARED_ANSWERS:
            answers.clear()
        answers[key] = (start, answer_key, at)
        return start, answer_key, None

    def _masked(
        self, request_body: bytes | None, answer: Sequence[bytes]
    ) -> tuple[bytes | None, bytes | None, int]:
        """A credentials exchange's request body and cut answer, their tokens masked, and the
        answer's length."""
        response_body, response_bytes = cut(answer, self.body_bytes)
        return (
            mask_tokens(request_body) if request_body else request_body,
            mask_tokens(response_body) if response_body else response_body,
            response_bytes,
        )

    def _module_of(self, url: str) -> str | None:
        # A busy node asks about the same few URLs again and again.
        modules = self._modules
        found = modules.get(url, _UNKNOWN)
        if found is _UNKNOWN:
            if len(modules) >= _MAX_CACHED_MODULES:
                modules.clear()
            found = modules[url] = module_of(url)
        return found  # type: ignore[return-value]

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
            batch = self._take()
            if self._unresolved:
                batch = await self._resolved(db, batch)
            self._buffered_bytes -= sum(map(_size_of, batch))
            try:
                await store.insert_messages(db, batch)
                self.written += len(batch)
            except store.MessagesLost as lost:
                self.failed += lost.lost
                self.written += len(batch) - lost.lost
                log.error("message log: %d entries could not be written: %r", lost.lost, lost.cause)
            except Exception:
                self.failed += len(batch)
                log.exception("message log: %d entries could not be written", len(batch))

    def _take(self) -> list[tuple[Any, ...]]:
        """The oldest :data:`BATCH` entries of the buffer, taken out of it."""
        buffer = self._buffer
        if len(buffer) <= BATCH:
            batch = list(buffer)
            buffer.clear()
            return batch
        return [buffer.popleft() for _ in range(BATCH)]

    async def _resolved(self, db: Database, batch: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """``batch`` with the partner of each _Unresolved entry told (its row)."""
        waiting = [entry for entry in batch if type(entry) is _Unresolved]
        if not waiting:
            return batch
        self._unresolved -= len(waiting)
        partners = await self._partners_for(db, waiting)
        return [
            _with_partner(entry, partners) if type(entry) is _Unresolved else entry
            for entry in batch
        ]

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

    async def _partners_for(self, db: Database, waiting: list[_Unresolved]) -> _Partners:
        known = self._partners
        by_name, by_token = known.by_name, known.by_token
        unknown = any(
            (entry.row[_NAME] is not None and entry.row[_NAME] not in by_name)
            or (entry.token is not None and entry.token not in by_token)
            for entry in waiting
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
    """One message with its bodies as stored (cut, tokens masked). ``answer_shared``: its
    answer started as an earlier message's, stored once there: ``response_body`` is that
    one's (None when it is no longer kept) and ``response_shared_with`` its id."""

    summary: store.MessageSummary
    request_body: bytes | None
    response_body: bytes | None
    response_shared_with: int | None = None
    answer_shared: bool = False


async def message_detail(
    db: Database, message_log: MessageLog | None, message_id: int
) -> MessageDetail | None:
    """One message with its bodies."""
    if message_log is not None:
        await message_log.flush(db)
    found = await store.get_message(db, message_id)
    if found is None:
        return None
    if found.shared_answer_key is None:
        return MessageDetail(found.summary, found.request_body, found.response_body)
    original = await store.shared_answer(db, found.shared_answer_key)
    if original is None:
        return MessageDetail(found.summary, found.request_body, None, answer_shared=True)
    return MessageDetail(
        found.summary,
        found.request_body,
        original.response_body,
        original.message_id,
        answer_shared=True,
    )


def new_answer_key() -> int:
    """A key for a stored answer others may share (column ``answer_key``): random, so that
    processes writing the same table never choose the same one, and at least 2**62, never the
    id of a message (the keys given before there were keys)."""
    return (1 << 62) | getrandbits(62)


_size_of = itemgetter(store.MessageRow._fields.index("size"))
_NAME = store.MessageRow._fields.index("partner_name")
_PARTNER = slice(_NAME - 1, _NAME + 1)
#: Not in a cache (None is a value: a URL of no module).
_UNKNOWN = object()


def _with_partner(entry: _Unresolved, partners: _Partners) -> tuple[Any, ...]:
    """The row of ``entry`` with its partner's id (and name, told by the token)."""
    row = list(entry.row)
    name = row[_NAME]
    if name is not None:
        row[_PARTNER] = [partners.by_name.get(name), name]
    elif entry.token is not None:
        row[_PARTNER] = list(partners.by_token.get(entry.token, (None, None)))
    return tuple(row)
