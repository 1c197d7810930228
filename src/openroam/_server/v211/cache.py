"""Stored 2.2.1 documents as 2.1.1, converted once per stored change.

A 2.1.1 Sender GET page serves documents stored in their 2.2.1 shape; converting each of them
on every request would cost more than reading the page. :class:`ConversionCache` keeps the
2.1.1 JSON of a document keyed by its module, the conversion (depth) and a digest of the stored
bytes and of the related documents the conversion read (a Session's Location): a change to any
of them is a new key, so no entry is ever stale. Bounded: emptied when full, like the DateTime
caches of ``openroam.models.common`` (an entry is a few kB; the bound keeps it to megabytes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

__all__ = ["CONVERTED", "ConversionCache"]

#: Entries before the cache is emptied: a few pages of every module for a few partners.
MAX_ENTRIES = 8192


def _digest(*parts: bytes) -> bytes:
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        # Length-prefixed, so that (a, bc) and (ab, c) differ.
        hasher.update(len(part).to_bytes(8, "little"))
        hasher.update(part)
    return hasher.digest()


class ConversionCache:
    """2.1.1 JSON by (module, depth, digest of the stored and related bytes)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: dict[tuple[str, int, bytes], bytes] = {}
        #: conversions done (misses), for tests and the bench
        self.conversions = 0

    def get(
        self,
        module: str,
        depth: int,
        stored: bytes,
        convert: Callable[[], bytes],
        related: tuple[bytes, ...] = (),
    ) -> bytes:
        """The 2.1.1 JSON of ``stored``; ``convert()`` makes it when it is not cached."""
        key = (module, depth, _digest(stored, *related))
        found = self._entries.get(key)
        if found is not None:
            return found
        converted = convert()
        self.conversions += 1
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = converted
        return converted

    def clear(self) -> None:
        self._entries.clear()


#: The process's cache (documents are the same for every app of the process).
CONVERTED = ConversionCache()
