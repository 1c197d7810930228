"""Group commit on a SQLite file: one writer connection, many writes per transaction.

SQLite has one writer at a time. Through SQLAlchemy every write is a transaction of its own, each
statement a hop to aiosqlite's thread, and concurrent writers queue on the database lock (its
busy handler sleeps between tries). :class:`SqliteWriter` instead runs the writes it is given on
one plain ``sqlite3`` connection on a thread of its own: whatever was submitted while a
transaction ran goes into the next one (``BEGIN IMMEDIATE`` … ``COMMIT``), each write inside a
``SAVEPOINT`` of its own, so a write that fails is rolled back alone and the others commit. A
submitter's future resolves only after the COMMIT of its batch: an answer sent after it reports a
persisted write. If the transaction itself cannot start or commit (the database stays locked by
another process beyond the busy timeout, the disk is full), every write of that batch fails with
that error and nothing of it is stored.

Jobs are plain functions of the connection; they run on the writer thread while the batch holds
the write lock, so they must be short (a few statements and some JSON work).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

__all__ = ["Job", "SqliteWriter"]

T = TypeVar("T")
Job = Callable[[sqlite3.Connection], T]

#: Writes per transaction at most: bounds how long one batch holds the lock and the latency of
#: the writes queued behind it.
MAX_BATCH = 256


class _Failed:
    """A job's exception, carried back to its submitter."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class SqliteWriter:
    """See the module docstring. ``pragmas`` run once on the writer's connection."""

    def __init__(self, path: str, pragmas: tuple[str, ...] = ()) -> None:
        self.path = path
        self.pragmas = pragmas
        self._connection: sqlite3.Connection | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._queue: list[tuple[Job[Any], asyncio.Future[Any]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def submit(self, job: Job[T]) -> T:
        """Run ``job`` in the next transaction; its result once that transaction committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.append((job, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain(), name="openroam-sqlite-writer")
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="openroam-sqlite-writer")
        while self._queue:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            # A submitter that gave up before its batch started (a cancelled request) has
            # nothing to wait for; its write is not made.
            batch = [(job, future) for job, future in batch if not future.done()]
            if not batch:
                continue
            jobs = [job for job, _ in batch]
            try:
                results = await loop.run_in_executor(self._executor, self._run, jobs)
            except Exception as error:
                results = [_Failed(error)] * len(batch)
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, _Failed):
                    future.set_exception(result.error)
                else:
                    future.set_result(result)

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            # isolation_level None: this class issues BEGIN/COMMIT itself.
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            for pragma in self.pragmas:
                connection.execute(pragma)
            self._connection = connection
        return self._connection

    def _run(self, jobs: list[Job[Any]]) -> list[Any]:
        """One transaction with every job in a savepoint of its own (on the writer thread)."""
        connection = self._connect()
        # IMMEDIATE: the write lock is taken (waiting up to the busy timeout) before anything is
        # read, so a read-merge-write never has to upgrade a read snapshot another writer moved.
        connection.execute("BEGIN IMMEDIATE")
        try:
            results = [self._one(connection, job) for job in jobs]
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        return results

    @staticmethod
    def _one(connection: sqlite3.Connection, job: Job[Any]) -> Any:
        connection.execute("SAVEPOINT job")
        try:
            result = job(connection)
        except Exception as error:
            connection.execute("ROLLBACK TO job")
            connection.execute("RELEASE job")
            return _Failed(error)
        connection.execute("RELEASE job")
        return result

    async def close(self) -> None:
        """Finish the queued writes, then close the connection and the thread."""
        drainer = self._drainer
        if drainer is not None and drainer.get_loop() is asyncio.get_running_loop():
            await asyncio.shield(drainer)
        self._drainer = None
        executor, self._executor = self._executor, None
        if executor is not None:
            connection, self._connection = self._connection, None
            if connection is not None:
                await asyncio.get_running_loop().run_in_executor(executor, connection.close)
            executor.shutdown(wait=True)
