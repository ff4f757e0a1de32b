"""``recommend-batch`` and ``evaluate`` on plain CSVs: documented behaviour, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from marquee.cli.evaluate import evaluate
from marquee.cli.recommend_batch import recommend_batch
from marquee.recs.errors import InvalidDataError

app = typer.Typer()
app.command("recommend-batch")(recommend_batch)
app.command("evaluate")(evaluate)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def run(*args: str) -> tuple[int, BaseException | None]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.exception


@pytest.fixture
def train(tmp_path: Path, ratings: pd.DataFrame) -> Path:
    path = tmp_path / "train.csv"
    ratings.to_csv(path, index=False)
    return path


@pytest.fixture
def users(tmp_path: Path, ratings: pd.DataFrame) -> Path:
    ids = [*sorted(set(ratings["user_id"]))[:5], 777_777]
    return write(tmp_path / "users.csv", "user_id\n" + "\n".join(map(str, ids)) + "\n")


def test_batch_never_recommends_train_or_excluded_items(
    tmp_path: Path, train: Path, users: Path, ratings: pd.DataFrame
) -> None:
    first_user = int(sorted(set(ratings["user_id"]))[0])
    unseen = sorted(set(ratings["item_id"]) - set(ratings[ratings.user_id == first_user].item_id))
    exclude = write(tmp_path / "ex.csv", f"user_id,item_id\n{first_user},{unseen[0]}\n")
    out = tmp_path / "recs.csv"
    code, error = run(
        "recommend-batch", "--train", str(train), "--users", str(users),
        "--exclude", str(exclude), "--model", "ease", "--k", "7", "--out", str(out),
    )  # fmt: skip
    assert code == 0, error
    recs = pd.read_csv(out)
    assert list(recs.columns) == ["user_id", "item_id", "rank"]
    seen = set(zip(ratings.user_id, ratings.item_id, strict=True))
    assert not {(u, i) for u, i in zip(recs.user_id, recs.item_id, strict=True)} & seen
    assert unseen[0] not in set(recs[recs.user_id == first_user].item_id)
    assert (recs.groupby("user_id").size() == 7).all()


def test_batch_serves_popular_items_to_users_absent_from_training(
    tmp_path: Path, train: Path, users: Path, ratings: pd.DataFrame
) -> None:
    out = tmp_path / "recs.csv"
    assert run("recommend-batch", "--train", str(train), "--users", str(users),
               "--k", "3", "--out", str(out))[0] == 0  # fmt: skip
    cold = pd.read_csv(out).query("user_id == 777777")["item_id"].tolist()
    assert cold == ratings["item_id"].value_counts().index[:3].tolist()


def test_batch_tunes_on_valid_and_collapses_duplicate_rows(
    tmp_path: Path, ratings: pd.DataFrame, users: Path
) -> None:
    train = tmp_path / "train.csv"
    pd.concat([ratings, ratings.head(20)]).to_csv(train, index=False)
    valid = tmp_path / "valid.csv"
    ratings.sample(frac=0.2, random_state=0).to_csv(valid, index=False)
    out = tmp_path / "recs.csv"
    code, error = run("recommend-batch", "--train", str(train), "--valid", str(valid),
                      "--users", str(users), "--model", "ease", "--out", str(out))  # fmt: skip
    assert code == 0, error
    assert len(pd.read_csv(out)) > 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "--train: file not found"),
        ("user,item\n1,2\n", "--train: header must start with user_id,item_id"),
        ("user_id,item_id\n1,abc\n", "--train: line 2: item_id must be an integer, got 'abc'"),
        ("user_id,item_id,rating\n1,2,high\n", "--train: line 2: rating must be a number"),
        ("user_id,item_id\n", "train.csv has no rows"),
        ("user_id,item_id,colour\n1,2,red\n", "--train: unknown columns colour"),
    ],
)
def test_bad_training_files_are_one_line_errors(
    tmp_path: Path, users: Path, content: str | None, message: str
) -> None:
    train = tmp_path / "train.csv"
    if content is not None:
        train.write_text(content)
    code, error = run("recommend-batch", "--train", str(train), "--users", str(users),
                      "--out", str(tmp_path / "o.csv"))  # fmt: skip
    assert code == 1
    assert isinstance(error, InvalidDataError)
    assert message in str(error)
    assert "\n" not in str(error)


def test_an_unknown_model_names_the_option(tmp_path: Path, train: Path, users: Path) -> None:
    _, error = run("recommend-batch", "--train", str(train), "--users", str(users),
                   "--model", "magic", "--out", str(tmp_path / "o.csv"))  # fmt: skip
    assert isinstance(error, InvalidDataError)
    assert str(error).startswith("--model: unknown model 'magic'")


def test_evaluate_writes_json_markdown_and_html(tmp_path: Path, train: Path) -> None:
    out = tmp_path / "report"
    code, error = run("evaluate", "--data", str(train), "--protocol", "msr-user",
                      "--models", "popularity,ease,itemknn", "--out", str(out))  # fmt: skip
    assert code == 0, error
    report = json.loads((out / "report.json").read_text())
    assert [r["model"] for r in report["results"]] == ["popularity", "ease", "itemknn"]
    assert 0 < report["results"][1]["metrics"]["ndcg@10"] <= 1
    assert "| ease |" in (out / "report.md").read_text()
    assert "<svg" in (out / "report.html").read_text()


def test_evaluate_on_a_missing_folder_is_a_one_line_error(tmp_path: Path) -> None:
    _, error = run("evaluate", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "r"))
    assert isinstance(error, InvalidDataError)
    assert str(error).startswith("--data: not found")
