"""The public surface of openroam.pricing: its public API is what ``__all__`` lists
(docs/architecture.md "What the code has settled": Public surface)."""

from __future__ import annotations

import openroam.pricing as pricing


def test_all_names_exist_and_nothing_else_is_promised() -> None:
    assert sorted(pricing.__all__) == sorted(set(pricing.__all__))
    for name in pricing.__all__:
        assert getattr(pricing, name) is not None, name
    assert {"price", "explain", "audit", "timeline_from_samples", "timeline_from_periods"} <= set(
        pricing.__all__
    )
