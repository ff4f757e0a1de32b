"""Page assembly: rows, explanations, kids filter, deduplication, assignment, encoding."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime

from marquee.recs.postrank import Audience, Rules
from marquee.recs.rows import (
    PageInputs,
    assign,
    build_page,
    decode_rows,
    encode_rows,
    parse_variants,
    rules_for,
)

NOW = datetime(2026, 11, 21, tzinfo=UTC)


@dataclass(frozen=True)
class Card:
    name: str
    genres: tuple[str, ...]
    maturity_level: int

    def available_in(self, country: str, now: datetime) -> bool:
        return True

    def released_on(self) -> date:
        return date(2001, 1, 1)


CARDS = {
    t: Card(f"T{t}", (["drama", "comedy", "crime"][t % 3],), [0, 7, 13, 16, 18][t % 5])
    for t in range(1, 81)
}


def scored(ids: range | list[int]) -> list[tuple[int, float]]:
    return [(t, 100.0 - n) for n, t in enumerate(ids)]


def inputs(**changes: object) -> PageInputs:
    base = PageInputs(
        name="Ana",
        audience=Audience(max_level=18, country="ES", blocked=frozenset({5})),
        top_picks=scored(range(1, 41)),
        because=[(60, scored(range(20, 50)))],
        genre_affinity={"drama": 1.0, "crime": 0.5},
        trending=scored(range(30, 70)),
        segment_top=scored(range(40, 80)),
        new_releases=list(range(79, 60, -1)),
        watched=[60, 61],
        fresh=[77, 78],
    )
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def test_a_page_has_explained_rows_and_no_title_twice() -> None:
    rows = build_page(inputs(), CARDS, Rules(row_length=10), NOW)
    keys = [r.key for r in rows]
    assert keys[0] == "top-picks"
    assert "because-60" in keys
    assert "top10-ES" in keys
    because = next(r for r in rows if r.key == "because-60")
    assert {p.reason for p in because.items} == {"Because you watched T60"}
    top10 = next(r for r in rows if r.key == "top10-ES")
    assert top10.title == "Top 10 in Spain Today"
    assert {p.reason for p in top10.items} == {"Popular in Spain"}
    counts = Counter(p.title_id for r in rows if r.key != "watch-again" for p in r.items)
    assert max(counts.values()) == 1
    assert 5 not in counts, "a blocked (completed) title was recommended"


def test_watch_it_again_shows_finished_titles() -> None:
    rows = build_page(inputs(watched=[5, 60, 61]), CARDS, Rules(row_length=10), NOW)
    again = next(r for r in rows if r.key == "watch-again")
    assert [p.title_id for p in again.items][:1] == [5]


def test_a_kids_audience_gets_no_title_above_its_level_in_any_row() -> None:
    kid = Audience(max_level=7, country="ES")
    rows = build_page(inputs(audience=kid, watched=[3, 4]), CARDS, Rules(row_length=10), NOW)
    assert rows
    assert all(CARDS[p.title_id].maturity_level <= 7 for r in rows for p in r.items)


def test_exploration_and_pins_appear_in_top_picks() -> None:
    rules = Rules(row_length=10, exploration=0.2)
    page = build_page(inputs(pins={"top-picks": [(39, 0)]}), CARDS, rules, NOW)
    top = page[0]
    assert top.items[0].title_id == 39
    assert [p.title_id for p in top.items if p.reason == "New for you"] == [77, 78]


def test_genre_rows_sets_how_many_favourite_genre_rows_a_page_may_have() -> None:
    affinity = {"drama": 1.0, "crime": 0.5, "comedy": 0.2}

    def genre_keys(count: int) -> list[str]:
        rows = build_page(inputs(genre_affinity=affinity), CARDS, Rules(row_length=3,
                          genre_rows=count), NOW)  # fmt: skip
        return sorted(r.key for r in rows if r.key.startswith("genre-"))

    assert genre_keys(0) == []
    assert genre_keys(1) == ["genre-drama"]
    assert genre_keys(3) == ["genre-comedy", "genre-crime", "genre-drama"]


def test_a_profile_without_data_still_gets_popular_rows() -> None:
    cold = PageInputs(name="New", audience=Audience(18, "US"), segment_top=scored(range(1, 30)))
    rows = build_page(cold, CARDS, Rules(row_length=10), NOW)
    assert [r.key for r in rows] == ["top10-US"]
    assert build_page(PageInputs("New", Audience(18, "US")), CARDS, Rules(), NOW) == []


def test_rows_survive_encoding() -> None:
    rows = build_page(inputs(), CARDS, Rules(row_length=10), NOW)
    decoded, meta = decode_rows(encode_rows(rows, version="v1"))
    assert decoded == rows
    assert meta == {"version": "v1"}


def test_assignment_is_deterministic_and_follows_the_weights() -> None:
    variants = ["control=default:50", "test=diverse:50"]
    assert assign("salt", 7, variants) == assign("salt", 7, variants)
    share = Counter(assign("salt", p, variants)[0] for p in range(2000))
    assert 850 < share["control"] < 1150
    assert assign("salt", 7, ["only=popular:1"]) == ("only", "popular")
    assert parse_variants(["broken", "x=y:0"]) == [("control", "default", 100)]


def test_serving_configurations_override_the_rules() -> None:
    assert rules_for(Rules(), "popular").exploration == 0.0
    assert rules_for(Rules(), "genre-cap").diversity == "genre_cap"
    assert rules_for(Rules(), "unknown") == Rules()
