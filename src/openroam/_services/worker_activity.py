"""What the background workers of this process are doing, for the console's Health page.

:meth:`WorkerBoard.start` runs a worker as a task and gives the task its own
:class:`WorkerActivity` (through a context variable, so the workers' loops need no extra
argument); each loop reports the end of every round with :func:`round_done` or
:func:`round_failed`. Nothing is stored: the board lives as long as the process's workers, and a
process that runs no workers (``worker = false``) has none.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["WorkerActivity", "WorkerBoard", "round_done", "round_failed"]


@dataclass
class WorkerActivity:
    """One worker: when it started, its last round, its last round that did something, its last
    failed round."""

    name: str
    started_at: datetime
    rounds: int = 0
    last_round_at: datetime | None = None
    #: the last round that handled at least one item (a delivery, a pull, an event …)
    last_work_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()


_CURRENT: contextvars.ContextVar[WorkerActivity | None] = contextvars.ContextVar(
    "openroam_worker_activity", default=None
)


def round_done(work: int = 0) -> None:
    """The calling worker finished a round that handled ``work`` items (no-op outside a board)."""
    activity = _CURRENT.get()
    if activity is None:
        return
    now = datetime.now(UTC)
    activity.rounds += 1
    activity.last_round_at = now
    if work:
        activity.last_work_at = now


def round_failed(error: BaseException) -> None:
    """The calling worker's round failed with ``error`` (no-op outside a board)."""
    activity = _CURRENT.get()
    if activity is None:
        return
    activity.rounds += 1
    activity.last_round_at = activity.last_error_at = datetime.now(UTC)
    # The type and the first line only: the page shows it, the log has the traceback.
    text = str(error).splitlines()[0] if str(error) else ""
    activity.last_error = f"{type(error).__name__}: {text}"[:300]


class WorkerBoard:
    """The workers of one process, by name, in the order they started."""

    def __init__(self) -> None:
        self.workers: dict[str, WorkerActivity] = {}

    def start(self, name: str, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run ``work`` as the task ``name``, its rounds recorded under ``name``."""
        activity = WorkerActivity(name, datetime.now(UTC))
        context = contextvars.copy_context()
        context.run(_CURRENT.set, activity)
        # The task keeps the name it had before the board (openroam-push, …).
        task_name = "openroam-" + name.replace(" ", "")
        activity.task = asyncio.create_task(work, name=task_name, context=context)
        self.workers[name] = activity
        return activity.task
