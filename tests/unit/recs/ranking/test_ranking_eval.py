"""The ranker's offline evaluation: every source alone and the blends, on a temporal split."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from marquee.cli import app as cli
from marquee.recs.evaluation.datasets import Dataset
from marquee.recs.evaluation.ranking_eval import evaluate_ranker
from marquee.recs.ranking.dataset import SOURCE_NAMES
from tests.unit.recs.conftest import generated_ratings


@pytest.fixture(scope="module")
def ratings() -> pd.DataFrame:
    return generated_ratings(seed=11)


def test_the_report_scores_each_source_alone_and_the_blends(ratings: pd.DataFrame) -> None:
    report = evaluate_ranker(Dataset("generated", "csv", ratings), model="ease", pool=20)
    assert report.profiles > 20
    assert [f"{name} alone" for name in SOURCE_NAMES] == list(report.rows)[:4]
    assert sum(name.startswith("ranker") for name in report.rows) == 2
    for metrics in report.rows.values():
        assert 0.0 <= metrics["ndcg_played"] <= 1.0
        # Any order's top K is part of the pool, so no row beats the pool's own recall.
        assert metrics["recall_played"] <= report.pool_recall + 1e-9
    # Users here stick to their taste cluster: personal sources beat global trending.
    assert report.rows["top alone"]["ndcg_played"] > report.rows["trending alone"]["ndcg_played"]
    assert report.ranker["auc_play"] > 0.5
    assert "| top alone |" in report.to_markdown()


def test_the_cli_prints_and_writes_the_table(ratings: pd.DataFrame, tmp_path: Path) -> None:
    data = tmp_path / "ratings.csv"
    ratings.to_csv(data, index=False)
    out = tmp_path / "report"
    result = CliRunner().invoke(
        cli.app,
        ["evaluate-ranker", "--data", str(data), "--pool", "20", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "ranker, default blend" in result.output
    assert (out / "ranker.json").is_file()
    assert (out / "ranker.md").read_text().startswith("| order")
