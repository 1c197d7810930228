"""Stored 2.2.1 documents as 2.1.1, converted once per stored change.

A 2.1.1 Sender GET page serves documents stored in their 2.2.1 shape; converting each of them
on every request would cost ten times more than reading the page (about 55 µs per Location of 2-4
EVSEs). :class:`ConversionCache` keeps the 2.1.1 JSON of a document keyed by its module, the
conversion (depth), the stored bytes themselves and a digest of the related documents the
conversion read (a Session's Location): a change to any of them is another key, so no entry is
ever stale, and equal keys are compared byte for byte (no collision is possible). The stored bytes
are the key rather than a digest of them: a dict lookup hashes 1.3 kB in about a microsecond, a
``blake2b`` digest costs four. Bounded by the bytes it holds: emptied when full, like the DateTime
caches of ``openroam.models.common``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

__all__ = ["CONVERTED", "ConversionCache", "digest"]

#: Bytes of keys and values held before the cache is emptied.
MAX_BYTES = 64 * 1024 * 1024


def digest(document: bytes) -> bytes:
    """A short key for a related document (a Location a Session embeds)."""
    return hashlib.blake2b(document, digest_size=16).digest()


class ConversionCache:
    """2.1.1 JSON by (module, depth, stored bytes, related documents' digest)."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: dict[tuple[str, int, bytes, bytes], bytes] = {}
        self._held = 0
        #: conversions done (misses), for tests and the bench
        self.conversions = 0

    def get(
        self,
        module: str,
        depth: int,
        stored: bytes,
        convert: Callable[[], bytes],
        related: bytes = b"",
    ) -> bytes:
        """The 2.1.1 JSON of ``stored``; ``convert()`` makes it when it is not cached.
        ``related``: the :func:`digest` of what the conversion reads besides ``stored``."""
        key = (module, depth, stored, related)
        found = self._entries.get(key)
        if found is not None:
            return found
        converted = convert()
        self.conversions += 1
        size = len(stored) + len(converted)
        if self._held + size > self.max_bytes:
            self._entries.clear()
            self._held = 0
        self._entries[key] = converted
        self._held += size
        return converted

    def clear(self) -> None:
        self._entries.clear()
        self._held = 0


#: The process's cache (documents are the same for every app of the process).
CONVERTED = ConversionCache()
