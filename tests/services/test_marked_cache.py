"""Values kept while the database's change marker stays the same (_services/marked_cache.py)."""

from __future__ import annotations

from openroam._services.marked_cache import MarkedCache


def test_a_value_is_answered_only_under_the_marker_it_was_read_under() -> None:
    cache: MarkedCache[str, int] = MarkedCache()
    cache.put("a", 7, 100)
    assert cache.get("a", 7) == 100
    assert cache.get("a", 8) is None  # something was committed since
    assert cache.get("b", 7) is None


def test_without_a_marker_nothing_is_kept() -> None:
    # PostgreSQL has no change marker: its callers rely on their time-limited caches.
    cache: MarkedCache[str, int] = MarkedCache()
    cache.put("a", None, 100)
    assert cache.get("a", None) is None


def test_the_oldest_entry_goes_first_when_full_and_clear_forgets_all() -> None:
    cache: MarkedCache[int, int] = MarkedCache(max_size=2)
    cache.put(1, 0, 10)
    cache.put(2, 0, 20)
    cache.put(3, 0, 30)
    assert (cache.get(1, 0), cache.get(2, 0), cache.get(3, 0)) == (None, 20, 30)
    cache.clear()
    assert cache.get(3, 0) is None
