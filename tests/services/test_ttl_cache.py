"""The short-lived cache behind the hot-path reads (token lookups, X-Total-Count)."""

from __future__ import annotations

import asyncio

import pytest

from openroam._services.ttl_cache import TtlCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_ttl_seconds() -> None:
    clock = Clock()
    cache: TtlCache[str, int] = TtlCache(1.0, clock=clock)
    cache.put("a", 1)
    clock.now += 0.99
    assert cache.get("a") == 1
    clock.now += 0.01
    assert cache.get("a") is None


def test_clear_and_discard_forget_at_once() -> None:
    cache: TtlCache[str, int] = TtlCache(60.0)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.discard("a")
    assert (cache.get("a"), cache.get("b")) == (None, 2)
    cache.clear()
    assert cache.get("b") is None


def test_a_value_read_before_a_clear_is_not_stored() -> None:
    cache: TtlCache[str, int] = TtlCache(60.0)
    generation = cache.generation
    cache.clear()
    cache.put("a", 1, generation)
    assert cache.get("a") is None
    cache.put("a", 2, cache.generation)
    assert cache.get("a") == 2


def test_the_oldest_entries_go_when_full() -> None:
    cache: TtlCache[int, int] = TtlCache(60.0, max_size=2)
    for key in range(3):
        cache.put(key, key)
    assert cache.get(2) == 2
    assert len([k for k in range(3) if cache.get(k) is not None]) <= 2


async def test_concurrent_loads_of_one_key_share_one_load() -> None:
    cache: TtlCache[str, int] = TtlCache(60.0)
    calls = 0
    release = asyncio.Event()

    async def load() -> int:
        nonlocal calls
        calls += 1
        await release.wait()
        return 7

    waiting = [asyncio.create_task(cache.get_or_load("k", load)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiting) == [7] * 5
    assert calls == 1
    assert await cache.get_or_load("k", load) == 7
    assert calls == 1


async def test_a_load_overtaken_by_clear_answers_but_is_not_kept() -> None:
    cache: TtlCache[str, int] = TtlCache(60.0)
    release = asyncio.Event()

    async def load() -> int:
        await release.wait()
        return 1

    waiting = asyncio.create_task(cache.get_or_load("k", load))
    await asyncio.sleep(0)
    cache.clear()
    release.set()
    assert await waiting == 1
    assert cache.get("k") is None


async def test_a_failed_load_fails_its_callers_and_is_not_kept() -> None:
    cache: TtlCache[str, int] = TtlCache(60.0)

    async def load() -> int:
        raise LookupError("down")

    with pytest.raises(LookupError):
        await cache.get_or_load("k", load)
    assert cache.get("k") is None


async def test_a_caller_that_goes_away_does_not_cancel_the_shared_load() -> None:
    cache: TtlCache[str, int] = TtlCache(60.0)
    release = asyncio.Event()

    async def load() -> int:
        await release.wait()
        return 3

    first = asyncio.create_task(cache.get_or_load("k", load))
    second = asyncio.create_task(cache.get_or_load("k", load))
    await asyncio.sleep(0)
    first.cancel()
    release.set()
    assert await second == 3
    assert cache.get("k") == 3


async def test_a_just_expired_entry_is_answered_while_it_is_loaded_again() -> None:
    clock = Clock()
    cache: TtlCache[str, int] = TtlCache(1.0, stale=1.0, clock=clock)
    release = asyncio.Event()
    loads = 0

    async def load() -> int:
        nonlocal loads
        loads += 1
        await release.wait()
        return loads

    cache.put("k", 0)
    clock.now += 1.5
    assert cache.get("k") is None
    assert await cache.get_or_load("k", load) == 0
    assert await cache.get_or_load("k", load) == 0
    release.set()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert loads == 1
    assert await cache.get_or_load("k", load) == 1
    clock.now += 2.5
    release.clear()
    waiting = asyncio.create_task(cache.get_or_load("k", load))
    await asyncio.sleep(0)
    assert not waiting.done()
    release.set()
    assert await waiting == 2


async def test_a_value_keep_refuses_is_answered_but_not_stored() -> None:
    cache: TtlCache[str, int | None] = TtlCache(60.0)
    loads = 0

    async def load() -> int | None:
        nonlocal loads
        loads += 1
        return None

    for _ in range(2):
        assert await cache.get_or_load("k", load, keep=lambda value: value is not None) is None
    assert loads == 2


async def test_a_caller_after_a_clear_does_not_join_the_load_before_it() -> None:
    cache: TtlCache[str, str] = TtlCache(60.0)
    release = asyncio.Event()

    async def old() -> str:
        await release.wait()
        return "old"

    async def new() -> str:
        return "new"

    before = asyncio.create_task(cache.get_or_load("k", old))
    await asyncio.sleep(0)
    cache.clear()
    assert await cache.get_or_load("k", new) == "new"
    release.set()
    assert await before == "old"
    assert cache.get("k") == "new"
