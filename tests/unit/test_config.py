"""Settings: the reference file, validation messages, and refusing default secrets in prod."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from marquee.config import DEV_SECRET, Settings, load_settings
from marquee.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "marquee.example.toml"


def _keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        annotation: Any = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys |= _keys(annotation, f"{prefix}{name}.")
        else:
            keys.add(f"{prefix}{name}")
    return keys


def _flatten(table: dict[str, Any], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for name, value in table.items():
        if isinstance(value, dict):
            keys |= _flatten(value, f"{prefix}{name}.")
        else:
            keys.add(f"{prefix}{name}")
    return keys


def test_example_file_documents_every_key_and_nothing_else() -> None:
    documented = _flatten(tomllib.loads(EXAMPLE.read_text()))
    assert documented == _keys(Settings)


def test_example_file_loads_and_matches_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MARQUEE_CONFIG", raising=False)
    from_file = load_settings(EXAMPLE)
    assert from_file.model_dump() == load_settings().model_dump()


def test_environment_overrides_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "m.toml"
    config.write_text('log_level = "DEBUG"\n[auth]\naccess_token_ttl_s = 600\n')
    monkeypatch.setenv("MARQUEE_AUTH__ACCESS_TOKEN_TTL_S", "120")
    settings = load_settings(config)
    assert settings.log_level == "DEBUG"
    assert settings.auth.access_token_ttl_s == 120


def test_backend_urls_default_under_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'marquee.db'}"
    assert settings.blob_url.startswith("file://")


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"database_url": "mysql://x"}, "database_url"),
        ({"online_url": "memcached://x"}, "online_url"),
        ({"compute_url": "spark://x"}, "compute_url"),
        ({"auth": {"access_token_ttl_s": 5}}, "auth.access_token_ttl_s"),
        ({"http": {"port": 0}}, "http.port"),
        ({"auth": {"access_token_ttl_s": 7200, "refresh_token_ttl_s": 3600}}, "access_token_ttl_s"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_value_names_the_key(overrides: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        load_settings(None, **overrides)


def test_prod_refuses_the_default_secret() -> None:
    with pytest.raises(ConfigError, match="secret_key"):
        load_settings(None, mode="prod", secret_key=DEV_SECRET)
    with pytest.raises(ConfigError, match="secret_key"):
        load_settings(None, mode="prod", secret_key="short")
    assert load_settings(None, mode="prod", secret_key="k" * 40).mode == "prod"


def test_invalid_toml_is_one_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "broken.toml"
    config.write_text("mode = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(config)


def test_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "absent.toml")


def test_production_example_is_valid_with_a_secret_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MARQUEE_SECRET_KEY", "p" * 48)
    settings = load_settings(EXAMPLE.parent / "deploy" / "marquee.prod.toml")
    assert settings.mode == "prod"
    assert settings.database_url.startswith("postgresql://")
    monkeypatch.delenv("MARQUEE_SECRET_KEY")
    with pytest.raises(ConfigError, match="secret_key"):
        load_settings(EXAMPLE.parent / "deploy" / "marquee.prod.toml")


def test_the_public_dev_secret_is_refused_off_loopback() -> None:
    from marquee.cli.serve import check_bind

    check_bind(load_settings(None), "127.0.0.1")
    with pytest.raises(ConfigError, match="secret_key"):
        check_bind(load_settings(None), "0.0.0.0")
    check_bind(load_settings(None, secret_key="s" * 40), "0.0.0.0")
