"""Log lines of a node: as text or JSON, each with the request id of the request it belongs to,
written by a thread of their own (docs/operations.md "Logs"). A line about a partner or an OCPI
module names them with ``extra={"partner": name, "ocpi_module": module}`` (JSON fields
``partner``, ``module``).

The request log (one line per request, :class:`RequestRecord`) sits on every request, also on the
hot GET list pages, so its cost is kept out of the event loop: ``openroam serve``
(:func:`logging_to`) puts one handler on the root logger that only queues each record; a writer
thread formats the records and writes them in batches, one ``write`` per batch. A request pays
for building a record and queuing it, not for formatting a timestamp, a message or JSON, nor for a
``write`` that a slow log reader can block (bench/get_locations.py measures what is left).

A program that embeds openroam keeps its own logging configuration: nothing here is installed
unless it calls :func:`logging_to`. Records are then handled synchronously, as usual.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextvars import ContextVar
from types import FrameType
from typing import Any, Literal, TextIO

__all__ = [
    "MODULE_FIELD",
    "PARTNER_FIELD",
    "LogFormat",
    "RequestContext",
    "RequestRecord",
    "current_request_id",
    "log_fields",
    "logging_to",
]

LogFormat = Literal["text", "json"]

#: The id of the request being answered (set by the OCPI middleware for the request's duration),
#: added to every line logged meanwhile (:class:`RequestContext`).
current_request_id: ContextVar[str | None] = ContextVar("openroam_request_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
#: The ``extra`` key naming the OCPI module a line is about (with ``partner``, the partner's
#: name): ``log.warning(…, extra={"partner": name, "ocpi_module": module})``; JSON field
#: ``module``.
MODULE_FIELD = "ocpi_module"
#: The ``extra`` key naming the partner a line is about (its name, never its numeric id).
PARTNER_FIELD = "partner"


def log_fields(partner: str | None, module: str | None = None) -> dict[str, str]:
    """``extra`` for a log record about ``partner`` (a name) and, if given, one OCPI module,
    besides naming them in the message text: a JSON line has them as fields."""
    fields = {PARTNER_FIELD: partner} if partner is not None else {}
    if module is not None:
        fields[MODULE_FIELD] = str(module)  # a ModuleID member is written as its value
    return fields


REQUEST_MESSAGE = "%s %s partner=%s http=%s status_code=%s %.1fms request_id=%s"

# Every attribute a LogRecord has, as a record made once: a request record copies them instead of
# computing the caller's file, line, thread and process names per request (findCaller alone
# walks the stack), which nothing reads in a request line.
_TEMPLATE = logging.LogRecord("openroam.ocpi", logging.INFO, __file__, 0, "", None, None).__dict__
_STARTED = time.time()


class RequestRecord(logging.LogRecord):
    """The log record of one answered request: method, path, partner (None before
    authentication), HTTP status, OCPI ``status_code`` (None without an envelope), duration in
    ms and request id, as attributes (JSON fields) and in the message. The message is formatted
    when the line is written."""

    def __init__(
        self,
        logger: str,
        method: str,
        path: str,
        partner: str | None,
        http_status: int | None,
        status_code: int | None,
        seconds: float,
        request_id: str,
    ) -> None:
        # No super().__init__(): see _TEMPLATE. The attributes the logging module reads are all
        # set, so formatters and handlers treat it as any record.
        values = self.__dict__
        values.update(_TEMPLATE)
        now = time.time()
        duration_ms = round(seconds * 1000, 2)
        values["name"] = logger
        values["created"] = now
        values["msecs"] = (now - int(now)) * 1000
        values["relativeCreated"] = (now - _STARTED) * 1000
        values["process"] = os.getpid()
        values["msg"] = REQUEST_MESSAGE
        values["args"] = (method, path, partner, http_status, status_code, duration_ms, request_id)
        values["method"] = method
        values["path"] = path
        values["partner"] = partner
        values["http_status"] = http_status
        values["status_code"] = status_code
        values["duration_ms"] = duration_ms
        values["request_id"] = request_id


class RequestContext(logging.Filter):
    """Adds ``request_id`` to a line logged while a request is answered (unless it has one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "request_id" not in record.__dict__:
            request_id = current_request_id.get()
            if request_id is not None:
                record.request_id = request_id
        return True


class _TextFormatter(logging.Formatter):
    """``TEXT_FORMAT``, with the time text made once per second rather than once per line."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)
        self._second = -1
        self._text = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        second = int(record.created)
        if second != self._second:
            self._text = time.strftime("%Y-%m-%d %H:%M:%S", self.converter(second))
            self._second = second
        return f"{self._text},{int(record.msecs):03d}"


def _formatter(log_format: LogFormat) -> logging.Formatter:
    if log_format == "text":
        return _TextFormatter()
    # Imported here: only a node that writes JSON lines loads it.
    from pythonjsonlogger.core import RESERVED_ATTRS
    from pythonjsonlogger.orjson import OrjsonFormatter

    # {"level", "logger", "message", <extra fields: request_id, partner, module, …>, "time"}.
    # The OCPI module comes as ``ocpi_module``: ``module`` is a LogRecord attribute already
    # (the Python module that logged), which ``extra`` may not overwrite.
    return OrjsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger", MODULE_FIELD: "module"},
        timestamp="time",
        # uvicorn's lines carry their message again with terminal colours
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],
    )


class _BatchWriter(logging.StreamHandler[TextIO]):
    """Formats each record into a buffer; :meth:`flush` writes the buffer with one ``write``."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._lines.append(self.format(record) + self.terminator)
        except Exception:
            self.handleError(record)

    def flush(self) -> None:
        with self.lock or contextlib.nullcontext():
            if self._lines:
                text = "".join(self._lines)
                self._lines.clear()
                self.stream.write(text)
            super().flush()


class _LogWriter:
    """A thread that writes queued records through ``handler`` in batches.

    It looks for records every ``interval`` seconds rather than being woken per record: a
    wake-up per line would hand the GIL from the event loop to this thread and back once per
    request, which costs the server more than formatting the line. A line is written at most
    ``interval`` after it was logged.

    The queue holds at most ``capacity`` records: when the log stream cannot keep up (a reader
    that stopped reading a pipe), further lines are dropped and counted, rather than the server
    waiting on the stream or its memory growing; a line says how many once writing resumes.
    """

    BATCH = 512

    def __init__(
        self, handler: _BatchWriter, *, interval: float = 0.05, capacity: int = 100_000
    ) -> None:
        self.handler = handler
        self.interval = interval
        self.capacity = capacity
        self.dropped = 0
        self._records: deque[logging.LogRecord] = deque()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="openroam-log", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def put(self, record: logging.LogRecord) -> None:
        """Queue ``record`` (any thread); it is written within ``interval``."""
        if len(self._records) >= self.capacity:
            self.dropped += 1
            return
        self._records.append(record)  # deque.append is atomic: no lock

    def stop(self, timeout: float = 5.0) -> None:
        """Write what is queued and end the thread."""
        self._stopping.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            self._drain()
        self._drain()

    def _drain(self) -> None:
        records = self._records
        while records:
            for _ in range(min(len(records), self.BATCH)):
                self.handler.handle(records.popleft())
            self._report_dropped()
            self.handler.flush()

    def _report_dropped(self) -> None:
        if self.dropped:
            dropped, self.dropped = self.dropped, 0
            note = logging.LogRecord(
                "openroam.log", logging.WARNING, __file__, 0,
                "%d log lines dropped: the log stream did not keep up", (dropped,), None,
            )  # fmt: skip
            self.handler.handle(note)


class _Enqueue(logging.Handler):
    """The root logger's handler: hands each record to the writer thread."""

    def __init__(self, writer: _LogWriter) -> None:
        super().__init__()
        self.writer = writer
        self.addFilter(RequestContext())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.writer.put(self._prepared(record))
        except Exception:
            self.handleError(record)

    @staticmethod
    def _prepared(record: logging.LogRecord) -> logging.LogRecord:
        if type(record) is RequestRecord:
            return record  # its arguments are immutable values: formatted later, by the writer
        # Any other record's arguments may be objects that change after this call: its message
        # is made now (the traceback, if any, is formatted by the writer).
        prepared = copy.copy(record)
        prepared.msg = prepared.message = record.getMessage()
        prepared.args = None
        return prepared

    def close(self) -> None:
        # logging.shutdown() at exit: what is queued is written first.
        self.writer.stop()
        super().close()


@contextlib.contextmanager
def logging_to(
    stream: TextIO | None = None, *, level: str = "INFO", log_format: LogFormat = "text"
) -> Iterator[None]:
    """Log every logger's lines (at ``level`` and above) to ``stream`` (stderr by default), as
    text or JSON lines, through the writer thread; back to the previous configuration after.

    A SIGTERM (the usual way to stop a server; uvicorn re-raises it after its graceful shutdown)
    writes what is queued before the process ends as it would have.
    """
    root = logging.getLogger()
    saved = (root.level, root.handlers[:])
    output = _BatchWriter(stream if stream is not None else sys.stderr)
    output.setFormatter(_formatter(log_format))
    writer = _LogWriter(output)
    writer.start()
    root.handlers[:] = [_Enqueue(writer)]
    root.setLevel(level.upper())
    previous_sigterm = _flush_on_sigterm(writer)
    try:
        yield
    finally:
        writer.stop()
        output.flush()
        root.handlers[:] = saved[1]
        root.setLevel(saved[0])
        if previous_sigterm is not None:
            signal.signal(signal.SIGTERM, previous_sigterm)


def _flush_on_sigterm(writer: _LogWriter) -> Any:
    if threading.current_thread() is not threading.main_thread():
        return None  # signals are handled by the main thread only

    def flush_then_terminate(signum: int, frame: FrameType | None) -> None:
        writer.stop()
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)

    return signal.signal(signal.SIGTERM, flush_then_terminate)
