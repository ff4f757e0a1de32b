"""Post-ranking rules on hand-made lists: filters, diversity, boosts, exploration, pins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

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


def _mmr_by_definition(
    pool: list[Pick], genres: dict[int, tuple[str, ...]], k: int, lam: float
) -> list[int]:
    """MMR written out pair by pair: the reference the matrix version must match."""
    pool = pool[: k * 4]
    high, low = max(p.score for p in pool), min(p.score for p in pool)
    span = (high - low) or 1.0
    left, chosen = list(pool), list[Pick]()
    while left and len(chosen) < k:

        def worth(p: Pick) -> float:
            shared = [
                len(set(genres[p.title_id]) & set(genres[c.title_id]))
                / len(set(genres[p.title_id]) | set(genres[c.title_id]))
                for c in chosen
                if genres[p.title_id] and genres[c.title_id]
            ]
            return lam * (p.score - low) / span - (1 - lam) * max(shared, default=0.0)

        best = max(left, key=worth)
        left.remove(best)
        chosen.append(best)
    return [p.title_id for p in chosen]


@settings(deadline=None)  # numpy's first call on a loaded machine
@given(
    genres=st.lists(
        st.lists(st.sampled_from(["drama", "comedy", "horror", "war", "kids"]), max_size=3),
        min_size=1,
        max_size=40,
    ),
    scores=st.lists(st.integers(0, 5), min_size=40, max_size=40),
    k=st.integers(1, 12),
    lam=st.sampled_from([0.0, 0.3, 0.7, 1.0]),
)
def test_mmr_picks_what_its_definition_picks(
    genres: list[list[str]], scores: list[int], k: int, lam: float
) -> None:
    pool = [Pick(t, float(scores[t]), "why") for t in range(len(genres))]
    by_title = {t: tuple(g) for t, g in enumerate(genres)}
    info = {t: Info(genres=g) for t, g in by_title.items()}
    got = diversify(pool, info, Rules(row_length=k, diversity="mmr", mmr_lambda=lam))
    assert [p.title_id for p in got] == _mmr_by_definition(pool, by_title, k, lam)


def test_mmr_with_more_genre_names_than_fit_a_machine_word_still_picks_by_definition() -> None:
    # Genre sets are bit words while at most 64 names are known; past that, a membership matrix.
    names = [f"genre-{n}" for n in range(80)]
    by_title = {t: tuple(names[(t * 7 + j * 13) % 80] for j in range(t % 4)) for t in range(60)}
    pool = [Pick(t, float((t * 5) % 11), "why") for t in by_title]
    info = {t: Info(genres=g) for t, g in by_title.items()}
    for lam in (0.0, 0.5, 1.0):
        got = diversify(pool, info, Rules(row_length=15, diversity="mmr", mmr_lambda=lam))
        assert [p.title_id for p in got] == _mmr_by_definition(pool, by_title, 15, lam)


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
