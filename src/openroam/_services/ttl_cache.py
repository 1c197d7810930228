"""A small in-process cache whose entries live a few seconds (hot-path reads,
docs/architecture.md "Hot-path caches").

It holds only what may be a little stale without harm and what another process cannot make
wrong for longer than ``ttl``: the process that changes the underlying data clears the cache at
once (:meth:`TtlCache.clear`), and a change made by another process is seen when the entry
expires. Loads of one key by concurrent requests are shared: one query, not one per request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["TtlCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """Entries expire ``ttl`` seconds after they were stored; at most ``max_size`` of them.

    With ``stale`` > 0, :meth:`get_or_load` answers an entry expired less than ``stale`` seconds
    ago at once and refreshes it in the background, so no caller waits for a slow load of a
    value it had a moment ago (a value is then at most ``ttl + stale`` seconds old, plus the
    load's own time). :meth:`get` never answers an expired entry.
    """

    def __init__(
        self,
        ttl: float,
        *,
        stale: float = 0.0,
        max_size: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.stale = stale
        self.max_size = max_size
        self._clock = clock
        self._entries: dict[K, tuple[float, V]] = {}
        # Each key's load in flight, with the generation it started under.
        self._loading: dict[K, tuple[int, asyncio.Task[V]]] = {}
        # Bumped by clear(): a load that started before a clear does not store its result.
        self._generation = 0

    def get(self, key: K) -> V | None:
        """The live value for ``key``, or ``None``."""
        entry = self._entries.get(key)
        if entry is None or entry[0] <= self._clock():
            return None
        return entry[1]

    @property
    def generation(self) -> int:
        """Changes with every :meth:`clear`; pass it to :meth:`put` for a value read before."""
        return self._generation

    def put(self, key: K, value: V, generation: int | None = None) -> None:
        """Store ``value``; not if ``generation`` is given and a :meth:`clear` came since."""
        if generation is not None and generation != self._generation:
            return
        if len(self._entries) >= self.max_size and key not in self._entries:
            self._entries.clear()
        self._entries[key] = (self._clock() + self.ttl, value)

    def discard(self, key: K) -> None:
        """Forget ``key`` (its value was found to be wrong)."""
        self._entries.pop(key, None)

    def clear(self) -> None:
        """Forget everything (this process changed the data behind the cache)."""
        self._entries.clear()
        self._generation += 1

    async def get_or_load(
        self,
        key: K,
        load: Callable[[], Awaitable[V]],
        *,
        keep: Callable[[V], bool] | None = None,
    ) -> V:
        """The live value for ``key``, else the result of ``load()``, stored for ``ttl`` (unless
        ``keep`` says the value is not to be kept: it is then loaded again at the next call).

        Concurrent callers of one key share one ``load()``, run as its own task so a caller that
        goes away (a client hung up) does not cancel it for the others. A load that a
        :meth:`clear` overtook answers the callers that came before the clear but is not kept;
        a caller after the clear starts a new load. An entry within its ``stale`` window is
        answered while it is loaded again.
        """
        entry = self._entries.get(key)
        now = self._clock()
        if entry is not None and entry[0] > now:
            return entry[1]
        loading = self._loading.get(key)
        if loading is None or loading[0] != self._generation:
            generation = self._generation
            task = asyncio.create_task(self._load(key, load, generation, keep))
            task.add_done_callback(_retrieve)
            loading = self._loading[key] = (generation, task)
        if entry is not None and entry[0] + self.stale > now:
            return entry[1]
        return await asyncio.shield(loading[1])

    async def _load(
        self,
        key: K,
        load: Callable[[], Awaitable[V]],
        generation: int,
        keep: Callable[[V], bool] | None,
    ) -> V:
        try:
            value = await load()
        finally:
            # A load started after a clear may have taken this key's place.
            current = self._loading.get(key)
            if current is not None and current[0] == generation:
                del self._loading[key]
        if keep is None or keep(value):
            self.put(key, value, generation)
        return value


def _retrieve(task: asyncio.Task[object]) -> None:
    # A failed load whose callers all went away is not reported as "never retrieved".
    if not task.cancelled():
        task.exception()
