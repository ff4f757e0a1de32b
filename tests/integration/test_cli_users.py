"""``marquee users create``: an account from the command line, bad input as one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from marquee.cli import app as cli
from marquee.errors import InvalidInput
from marquee.storage.db import Database
from marquee.storage.db.tables import Account, Profile


def test_users_create_makes_an_account_with_a_profile(data_dir: Path) -> None:
    args = ["--email", "Root@Example.com", "--password", "violet tractor 42", "--role", "admin"]
    result = CliRunner().invoke(cli.app, ["--data-dir", str(data_dir), "users", "create", *args])
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith("created admin account ")
    assert "violet" not in result.output
    db = Database(f"sqlite:///{data_dir / 'marquee.db'}")
    try:
        with db.session() as s:
            account = s.scalars(select(Account)).one()
            profiles = s.scalars(select(Profile.name)).all()
        assert (account.email, account.role) == ("root@example.com", "admin")
        assert account.password_hash is not None
        assert account.password_hash.startswith("$argon2id$")
        assert profiles == ["root"]
    finally:
        db.close()


def test_users_create_refuses_a_weak_password(data_dir: Path) -> None:
    args = ["--email", "root@example.com", "--password", "short"]
    result = CliRunner().invoke(cli.app, ["--data-dir", str(data_dir), "users", "create", *args])
    assert isinstance(result.exception, InvalidInput)
    assert result.exception.problems[0].field == "body.password"


def test_the_entry_point_prints_bad_input_as_one_line(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["marquee", "--data-dir", str(data_dir), "users", "create", "--email", "nope",
            "--password", "violet tractor 42"]  # fmt: skip
    monkeypatch.setattr("sys.argv", argv)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.strip() == "error: body.email: is not a valid e-mail address"


def test_unknown_role_is_refused_by_the_parser(data_dir: Path) -> None:
    args = ["--email", "a@example.com", "--password", "violet tractor 42", "--role", "owner"]
    result = CliRunner().invoke(cli.app, ["--data-dir", str(data_dir), "users", "create", *args])
    assert result.exit_code == 2
