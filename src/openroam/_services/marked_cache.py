"""Values kept exactly as long as the database has not changed (hot-path reads).

On SQLite the database offers a change marker (:meth:`openroam._store.db.Database.change_marker`,
``PRAGMA data_version``): it changes whenever any connection of any process commits. A value
read while the marker had one value is still exact while the marker keeps it — no expiry needed,
and none stale. Where there is no marker (PostgreSQL) nothing is kept here; callers fall back to
their time-limited caches.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["MarkedCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class MarkedCache(Generic[K, V]):
    """At most ``max_size`` values, each with the marker it was read under; the oldest is
    forgotten first."""

    def __init__(self, max_size: int = 256) -> None:
        self.max_size = max_size
        self._entries: dict[K, tuple[int, V]] = {}

    def get(self, key: K, marker: int | None) -> V | None:
        """The value of ``key`` if it was read under ``marker``, else None."""
        entry = self._entries.get(key)
        if marker is None or entry is None or entry[0] != marker:
            return None
        return entry[1]

    def put(self, key: K, marker: int | None, value: V) -> None:
        """Keep ``value``, read under ``marker`` (read the marker *before* the value, so a change
        committed in between makes the entry look older, never newer, than it is)."""
        if marker is None:
            return
        if len(self._entries) >= self.max_size and key not in self._entries:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = (marker, value)

    def clear(self) -> None:
        self._entries.clear()
