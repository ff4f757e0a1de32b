"""Intra-list genre diversity: the metric by hand, genres from each MovieLens layout, the report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from marquee.recs.evaluation.datasets import load_dataset
from marquee.recs.evaluation.harness import evaluate
from marquee.recs.evaluation.metrics import diversity
from marquee.recs.evaluation.report import to_html, to_json, to_markdown

# Items 0:{A,B} 1:{A} 2:{C} 3:{} 4:{A,C}
GENRES = np.array(
    [[1, 1, 0], [1, 0, 0], [0, 0, 1], [0, 0, 0], [1, 0, 1]],
    dtype=bool,
)


def test_diversity_averages_pairwise_jaccard_distance_per_list() -> None:
    # [0,1,2]: (0,1) 1 - 1/2, (0,2) 1, (1,2) 1 → 5/6.
    # [4,3,0]: item 3 has no genres, so only (4,0): 1 - 1/3 → 2/3.
    recs = np.array([[0, 1, 2], [4, 3, 0]])
    assert diversity(recs, GENRES, 3) == pytest.approx((5 / 6 + 2 / 3) / 2)


def test_lists_without_a_pair_of_genred_items_are_left_out() -> None:
    recs = np.array([[0, 1, 2], [4, 3, 0], [3, 2, -1]])
    assert diversity(recs, GENRES, 3) == pytest.approx((5 / 6 + 2 / 3) / 2)
    # At k = 2 only the first list has a pair: (0,1) → 1/2.
    assert diversity(recs, GENRES, 2) == pytest.approx(0.5)
    assert diversity(recs, GENRES, 1) == 0.0


def test_diversity_is_the_same_across_user_chunks() -> None:
    rng = np.random.default_rng(1)
    recs = rng.integers(-1, 5, size=(50, 4))
    assert diversity(recs, GENRES, 4, chunk=7) == pytest.approx(diversity(recs, GENRES, 4))


def genre_sets(frame: pd.DataFrame | None) -> dict[int, set[str]]:
    assert frame is not None
    return {int(i): set(g) for i, g in frame.groupby("item_id")["genre"]}


def test_ml100k_genres_come_from_the_flag_columns(tmp_path: Path) -> None:
    (tmp_path / "u.data").write_text("1\t1\t5\t10\n1\t2\t3\t11\n2\t1\t4\t12\n")
    (tmp_path / "u.genre").write_text("unknown|0\nAction|1\nComedy|2\nSci-Fi|3\n\n")
    flags = {1: "0|1|0|1", 2: "0|0|1|0", 3: "1|0|0|0"}
    lines = [f"{i}|Caf\xe9 {i} (1995)|01-Jan-1995||http://x|{f}" for i, f in flags.items()]
    (tmp_path / "u.item").write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    got = genre_sets(load_dataset(tmp_path).item_genres)
    assert got == {1: {"Action", "Sci-Fi"}, 2: {"Comedy"}}  # "unknown" is no genre


def test_ml1m_genres_come_from_movies_dat(tmp_path: Path) -> None:
    (tmp_path / "ratings.dat").write_text("1::1::5::10\n1::2::3::11\n")
    movies = "1::Am\xe9lie (2001)::Comedy|Romance\n2::Heat (1995)::Action|Crime|Thriller\n"
    (tmp_path / "movies.dat").write_bytes(movies.encode("latin-1"))
    got = genre_sets(load_dataset(tmp_path).item_genres)
    assert got == {1: {"Comedy", "Romance"}, 2: {"Action", "Crime", "Thriller"}}


def test_ml_latest_genres_skip_no_genres_listed(tmp_path: Path) -> None:
    (tmp_path / "ratings.csv").write_text(
        "userId,movieId,rating,timestamp\n1,1,4.0,10\n1,2,3.5,11\n"
    )
    (tmp_path / "movies.csv").write_text(
        'movieId,title,genres\n1,"Toy Story (1995)",Adventure|Animation\n'
        "2,Untitled (2020),(no genres listed)\n"
    )
    got = genre_sets(load_dataset(tmp_path).item_genres)
    assert got == {1: {"Adventure", "Animation"}}


def test_a_csv_without_genres_has_none(tmp_path: Path) -> None:
    path = tmp_path / "train.csv"
    path.write_text("user_id,item_id,rating,timestamp\n1,1,5,10\n")
    assert load_dataset(path).item_genres is None


def test_report_shows_diversity_only_when_items_have_genres(ratings: pd.DataFrame) -> None:
    from marquee.recs.evaluation.datasets import Dataset

    items = np.unique(ratings["item_id"].to_numpy())
    words = np.array(["space", "love", "crime", "war"])
    genres = pd.DataFrame({"item_id": items, "genre": words[(items - 5000) % 4]})
    with_genres = Dataset("gen", "csv", ratings, item_genres=genres)
    report = evaluate(with_genres, protocol="temporal", models=["popularity"], search=False)
    metric = report.results[0].metrics["diversity@10"]
    assert 0.0 <= metric <= 1.0
    assert "diversity@10" in to_markdown(report).splitlines()[2]
    assert "<th>diversity@10</th>" in to_html(report)
    assert "diversity@10" in json.loads(to_json(report))["results"][0]["metrics"]

    plain = evaluate(Dataset("gen", "csv", ratings), protocol="temporal", models=["popularity"])
    assert "diversity" not in to_markdown(plain)
    assert "diversity@10" not in plain.results[0].metrics
