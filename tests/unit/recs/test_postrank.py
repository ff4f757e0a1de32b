"""Post-ranking rules on hand-made lists: filters, diversity, boosts, exploration, pins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from marquee.recs.postrank import (
    NEW_FOR_YOU,
    Audience,
    Pick,
    Rules,
    allowed,
    apply_pins,
    boost_new,
    dedup_rows,
    diversify,
    explore,
    keep,
)

NOW = datetime(2026, 11, 21, tzinfo=UTC)


@dataclass(frozen=True)
class Info:
    genres: tuple[str, ...] = ("drama",)
    maturity_level: int = 0
    countries: tuple[str, ...] = ()
    released: date = date(2000, 1, 1)

    def available_in(self, country: str, now: datetime) -> bool:
        return not self.countries or country in self.countries

    def released_on(self) -> date:
        return self.released


def picks(*ids: int) -> list[Pick]:
    return [Pick(t, float(100 - n), "why") for n, t in enumerate(ids)]


def test_filters_drop_blocked_too_mature_unavailable_and_unknown_titles() -> None:
    info = {1: Info(), 2: Info(maturity_level=16), 3: Info(countries=("ES",)), 4: Info(), 5: Info()}
    ok = allowed(info, Audience(max_level=7, country="US", blocked=frozenset({4})), NOW)
    assert [p.title_id for p in keep(picks(1, 2, 3, 4, 5, 6, 1), ok)] == [1, 5]


def test_an_empty_country_lets_every_availability_through() -> None:
    ok = allowed({3: Info(countries=("ES",))}, Audience(max_level=18, country=""), NOW)
    assert ok(3)


def test_genre_caps_hold_back_a_genre_and_refill_only_when_short() -> None:
    info = {t: Info(genres=("drama",) if t < 10 else ("comedy",)) for t in range(1, 13)}
    ranked = picks(1, 2, 3, 4, 5, 10, 11)
    capped = diversify(ranked, info, Rules(row_length=5, diversity="genre_cap", genre_cap=2))
    assert [p.title_id for p in capped] == [1, 2, 10, 11, 3]


def test_mmr_interleaves_genres_that_plain_ranking_would_bunch() -> None:
    info = {t: Info(genres=("drama",) if t < 10 else ("comedy",)) for t in range(1, 13)}
    ranked = picks(1, 2, 3, 10, 11, 12)
    mixed = diversify(ranked, info, Rules(row_length=4, diversity="mmr", mmr_lambda=0.3))
    assert {p.title_id for p in mixed[:2]} == {1, 10}
    plain = diversify(ranked, info, Rules(row_length=4, diversity="none"))
    assert [p.title_id for p in plain] == [1, 2, 3, 10]


def test_new_releases_move_up_by_the_boost() -> None:
    info = {1: Info(), 2: Info(), 3: Info(released=date(2026, 11, 1))}
    lifted = boost_new(picks(1, 2, 3), info, NOW, Rules(new_release_boost=0.5))
    assert [p.title_id for p in lifted] == [3, 1, 2]
    assert [
        p.title_id for p in boost_new(picks(1, 2, 3), info, NOW, Rules(new_release_boost=0))
    ] == [1, 2, 3]


def test_exploration_takes_its_share_of_slots_with_new_items_and_keeps_the_length() -> None:
    row = picks(*range(1, 21))
    out = explore(row, [100, 101, 102, 3], Rules(row_length=20, exploration=0.1), seed=3)
    assert len(out) == 20
    explored = [p for p in out if p.reason == NEW_FOR_YOU]
    assert [p.title_id for p in explored] == [100, 101]
    assert all(out.index(p) >= 2 for p in explored)
    assert explore(row, [100], Rules(row_length=20, exploration=0.0)) == row


def test_pins_take_their_position_and_are_not_repeated() -> None:
    out = apply_pins(picks(1, 2, 3, 4), [(3, 0), (9, 2)], "Editor's pick")
    assert [p.title_id for p in out] == [3, 1, 9, 2, 4]
    assert out[0].reason == "Editor's pick"
    assert out[0].score > max(p.score for p in picks(1, 2, 3, 4))


def test_dedup_keeps_each_title_in_its_first_row_and_drops_rows_left_short() -> None:
    rows = [
        ("continue-watching", picks(1)),
        ("top-picks", picks(1, 2, 3, 4)),
        ("because-9", picks(2, 3, 5)),
        ("trending", picks(6, 7, 8, 4)),
    ]
    out = dict(dedup_rows(rows, min_length=3, exempt=frozenset({"continue-watching"})))
    assert [p.title_id for p in out["top-picks"]] == [2, 3, 4]
    assert "because-9" not in out
    assert [p.title_id for p in out["trending"]] == [6, 7, 8]
