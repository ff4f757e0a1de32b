"""``marquee import``: the commands import into the data directory and report what they added."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marquee.cli.app import app, main


def _tiny_ml_latest(root: Path) -> Path:
    d = root / "ml-latest-small"
    d.mkdir(parents=True)
    files = {
        "movies.csv": "movieId,title,genres\n1,Toy Story (1995),Animation|Comedy\n"
        '2,"Usual Suspects, The (1995)",Crime|Mystery\n',
        "ratings.csv": "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,2,5.0,964982931\n"
        "2,2,3.5,1445714994\n",
        "tags.csv": "userId,movieId,tag,timestamp\n2,2,twist ending,1445714994\n",
        "links.csv": "movieId,imdbId,tmdbId\n1,0114709,862\n2,0114814,629\n",
    }
    for name, text in files.items():
        (d / name).write_bytes(text.replace("\n", "\r\n").encode())
    return d


def test_import_movielens_prints_what_it_added_and_nothing_the_second_time(
    tmp_path: Path,
) -> None:
    dataset = _tiny_ml_latest(tmp_path / "data")
    argv = ["--data-dir", str(tmp_path / "var"), "import", "movielens", str(dataset)]
    runner = CliRunner()
    first = runner.invoke(app, argv)
    assert first.exit_code == 0, first.output
    assert "ml-latest-small" in first.output
    assert "interactions" in first.output
    # 2 accounts, 2 profiles, 2 titles, 4 genres, 1 tag and 3 ratings
    assert "imported 14 rows" in first.output
    second = runner.invoke(app, argv)
    assert second.exit_code == 0, second.output
    assert "nothing new" in second.output


def test_import_synthetic_creates_a_platform(tmp_path: Path) -> None:
    argv = ["--data-dir", str(tmp_path), "import", "synthetic", "--profiles", "5", "--titles", "8"]
    result = CliRunner().invoke(app, [*argv, "--seed", "1", "--reference", "2026-01-01"])
    assert result.exit_code == 0, result.output
    assert "history to 2026-01-01" in result.output
    assert "profiles" in result.output


def test_a_missing_path_is_one_error_line_and_exit_code_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        sys, "argv", ["marquee", "--data-dir", "var", "import", "movielens", "nope"]
    )
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.splitlines() == ["error: nope: no such file or directory"]
