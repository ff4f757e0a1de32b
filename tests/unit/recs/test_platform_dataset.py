"""Evaluating on Marquee's own interactions, read from its database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from marquee.bootstrap import Container
from marquee.recs.errors import InvalidDataError
from marquee.recs.evaluation.datasets import COLUMNS, load_dataset
from marquee.recs.evaluation.harness import evaluate
from marquee.recs.evaluation.platform import to_ratings
from marquee.recs.evaluation.report import write_all
from marquee.services.imports import import_synthetic
from marquee.storage.db.tables import Interaction

REFERENCE = datetime(2024, 6, 1, tzinfo=UTC)


def events(rows: list[tuple[int, int, str, float, int]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["user_id", "item_id", "kind", "value", "timestamp"])
    return frame.assign(id=np.arange(len(frame)))


def test_plays_map_to_ratings_by_completion_and_thumbs_to_the_ends() -> None:
    got = to_ratings(
        events(
            [
                (1, 1, "play", 0.95, 10),
                (1, 2, "play", 0.6, 10),
                (1, 3, "play", 0.2, 10),
                (1, 4, "play", 0.05, 10),
                (1, 5, "thumbs_up", 1.0, 10),
                (1, 6, "thumbs_down", 1.0, 10),
                (1, 7, "rate", 2.0, 10),
            ]
        )
    )
    assert dict(zip(got["item_id"], got["rating"], strict=True)) == {
        1: 5.0, 2: 4.0, 3: 3.0, 4: 1.0, 5: 5.0, 6: 1.0, 7: 2.0
    }  # fmt: skip
    assert list(got.columns) == COLUMNS


def test_the_latest_event_of_a_pair_wins_and_a_verdict_beats_a_play_at_the_same_time() -> None:
    got = to_ratings(
        events(
            [
                (1, 1, "rate", 5.0, 20),
                (1, 1, "play", 0.05, 10),
                (2, 1, "thumbs_down", 1.0, 30),
                (2, 1, "play", 1.0, 30),
            ]
        )
    )
    assert got.sort_values("user_id")[["user_id", "rating", "timestamp"]].values.tolist() == [
        [1, 5.0, 20],
        [2, 1.0, 30],
    ]


def test_database_interactions_evaluate_end_to_end(container: Container, tmp_path: Path) -> None:
    import_synthetic(
        container.db, profiles=60, titles=80, seed=3, reference=REFERENCE, now=REFERENCE
    )
    with container.db.session() as s:
        pairs = {(i.profile_id, i.title_id) for i in s.query(Interaction)}
    dataset = load_dataset(container.db.url)
    ratings = dataset.ratings
    assert list(ratings.columns) == COLUMNS
    assert set(zip(ratings["user_id"], ratings["item_id"], strict=True)) == pairs
    assert len(ratings) == len(pairs)
    assert ratings["rating"].between(1, 5).all()
    assert dataset.item_genres is not None
    assert dataset.item_text is not None

    report = evaluate(dataset, protocol="msr-user", models=["popularity", "ease"], search=False)
    assert [r.model for r in report.results] == ["popularity", "ease"]
    for result in report.results:
        for name in ("precision", "recall", "ndcg", "map", "hit", "coverage", "diversity"):
            assert 0.0 <= result.metrics[f"{name}@10"] <= 1.0, name
    assert report.stats["test_users"] > 0
    assert {p.name for p in write_all(report, tmp_path)} == {
        "report.json",
        "report.md",
        "report.html",
    }


def test_an_unmigrated_database_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidDataError, match="cannot read interactions"):
        load_dataset(f"sqlite:///{tmp_path / 'empty.db'}")


def test_an_empty_database_says_so(container: Container) -> None:
    with pytest.raises(InvalidDataError, match="no interactions"):
        load_dataset(container.db.url)


def test_a_url_folded_into_a_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidDataError, match="as a string"):
        load_dataset(Path(f"sqlite:///{tmp_path / 'x.db'}"))
