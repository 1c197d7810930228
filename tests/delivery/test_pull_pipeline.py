"""Pull-sync stores a page while it prepares the next (_delivery/pull.py ``_stored_behind``):
results come in page order, and a failure stops the pull without leaving a store running."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import pytest

from openroam._delivery.pull import _stored_behind
from openroam._services.pulled import PulledPage
from openroam.client._pages import ListPage


def _page(number: int) -> ListPage:
    return ListPage(items=[number], total=None, limit=None, url=f"page-{number}")


async def _pages(count: int) -> AsyncIterator[ListPage]:
    for number in range(count):
        yield _page(number)


async def test_each_page_comes_with_its_own_result_in_order_while_the_next_is_stored() -> None:
    handed: list[int] = []
    finished: list[int] = []

    async def slow_store(number: int) -> PulledPage:
        # Earlier pages take longer: the results still come in page order.
        await asyncio.sleep(0.01 * (5 - number))
        finished.append(number)
        return PulledPage(stored=number)

    def store(page: ListPage) -> Coroutine[Any, Any, PulledPage]:
        handed.append(page.items[0])
        return slow_store(page.items[0])

    seen = []
    async for page, stored in _stored_behind(_pages(5), store):
        seen.append((page.items[0], stored.stored))
        # A page's result is handed out only after the next page went to be stored.
        assert handed[-1] == min(page.items[0] + 1, 4)
    assert seen == [(n, n) for n in range(5)]
    assert sorted(finished) == list(range(5))


async def test_a_failed_store_stops_the_pull_and_cancels_the_store_under_way() -> None:
    cancelled: list[int] = []

    async def store(page: ListPage) -> PulledPage:
        number = page.items[0]
        if number == 1:
            await asyncio.sleep(0.01)
            raise RuntimeError("the database is locked")
        if number == 2:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                cancelled.append(number)
                raise
        return PulledPage()

    seen: list[int] = []

    async def pull() -> None:
        async for page, _ in _stored_behind(_pages(5), store):
            seen.append(page.items[0])

    with pytest.raises(RuntimeError, match="locked"):
        await pull()
    # Page 2 was being stored when page 1's failure came out; nothing after it was started.
    assert seen == [0]
    assert cancelled == [2]
