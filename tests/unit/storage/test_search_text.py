"""Search text rules: normalisation, typo budgets, edit distance and backend query syntax."""

from __future__ import annotations

from marquee.storage.search.base import allowed_typos, edit_distance, normalise, tokens, trigrams
from marquee.storage.search.postgres import ts_query
from marquee.storage.search.sqlite import fts_query


def test_normalise_strips_accents_case_and_punctuation() -> None:
    assert (
        normalise("Amélie — Le Fabuleux Destin d'Amélie!") == "amelie le fabuleux destin d amelie"
    )
    assert normalise("Ｔｏｋｙｏ") == "tokyo"  # full-width letters fold too
    assert tokens("  ??  ") == []


def test_long_queries_are_cut_to_a_few_words() -> None:
    assert len(tokens(" ".join(["word"] * 50))) == 8


def test_edit_distance_counts_a_swap_as_one_and_stops_at_the_limit() -> None:
    assert edit_distance("godfahter", "godfather", limit=2) == 1
    assert edit_distance("shawshenk", "shawshank", limit=2) == 1
    assert edit_distance("heat", "heat", limit=1) == 0
    assert edit_distance("kitten", "sitting", limit=1) == 2  # limit + 1: beyond the budget


def test_short_words_must_be_spelt_right() -> None:
    assert allowed_typos("up") == 0
    assert allowed_typos("heat") == 1
    assert allowed_typos("shawshank") == 2
    assert trigrams("up") == []
    assert trigrams("heat") == ["eat", "hea"]


def test_query_syntax_matches_every_word_and_the_last_as_a_prefix() -> None:
    assert fts_query(["star", "wa"]) == '"star" "wa"*'
    assert ts_query(["star", "wa"]) == "star & wa:*"
    assert ts_query(["star", "wa"], weight="A") == "star:A & wa:*A"
