"""What the workers of a process are doing (openroam._services.worker_activity)."""

from __future__ import annotations

import asyncio

from openroam._services import worker_activity
from openroam._services.worker_activity import WorkerBoard


async def test_a_workers_rounds_are_recorded_under_its_name() -> None:
    board = WorkerBoard()
    go_on = asyncio.Event()

    async def work() -> None:
        worker_activity.round_done(0)
        worker_activity.round_done(2)
        try:
            raise RuntimeError("the partner hung up\nsecond line")
        except RuntimeError as error:
            worker_activity.round_failed(error)
        await go_on.wait()

    task = board.start("push", work())
    for _ in range(100):  # bounded: three rounds, then the worker waits
        if board.workers["push"].rounds == 3:
            break
        await asyncio.sleep(0)
    push = board.workers["push"]
    assert push.running
    assert task.get_name() == "openroam-push"
    assert push.rounds == 3
    assert push.last_work_at is not None
    assert push.last_error == "RuntimeError: the partner hung up"
    assert push.last_error_at == push.last_round_at
    go_on.set()
    await task
    assert not push.running


async def test_rounds_outside_a_board_are_not_recorded() -> None:
    board = WorkerBoard()
    worker_activity.round_done(5)  # a worker run by a test or a one-shot command: no-op

    async def other() -> None:
        worker_activity.round_done(1)

    await board.start("pull", other())
    # The pull worker's round went to the pull worker only.
    assert board.workers["pull"].rounds == 1
    assert set(board.workers) == {"pull"}
