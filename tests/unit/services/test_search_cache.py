"""The search match cache: bounded, dropped when the index moves, never filled with an answer
computed against an index that moved meanwhile."""

from __future__ import annotations

from marquee.services.search_cache import MatchCache


def test_entries_last_until_the_index_watermark_changes() -> None:
    cache: MatchCache[str] = MatchCache(10)
    cache.expect("w1")
    cache.put(("the",), "hits", generation=cache.generation)
    cache.expect("w1")
    assert cache.get(("the",)) == "hits"
    cache.expect("w2")
    assert cache.get(("the",)) is None


def test_an_answer_computed_before_a_clear_is_not_kept() -> None:
    cache: MatchCache[str] = MatchCache(10)
    generation = cache.generation
    cache.clear()  # e.g. a refresh rewrote the index while the query ran
    cache.put(("the",), "stale", generation=generation)
    assert cache.get(("the",)) is None


def test_the_least_recently_used_entry_goes_first() -> None:
    cache: MatchCache[int] = MatchCache(2)
    for n in (1, 2):
        cache.put(n, n, generation=cache.generation)
    assert cache.get(1) == 1
    cache.put(3, 3, generation=cache.generation)
    assert (cache.get(1), cache.get(2), cache.get(3)) == (1, None, 3)
    assert len(cache) == 2


def test_size_zero_keeps_nothing() -> None:
    cache: MatchCache[int] = MatchCache(0)
    cache.put(1, 1, generation=cache.generation)
    assert cache.get(1) is None
