"""Typed settings: one tree, read from a TOML file and ``MARQUEE_*`` environment variables.

Every backend is chosen by a URL. Settings are validated once, at start-up, and never changed
after construction; a bad value fails with a message that names the key.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from marquee.errors import ConfigError

DEV_SECRET = "dev-only-insecure-secret-change-me-0123456789"

# The URL schemes each backend accepts; bootstrap maps each to a concrete class.
BACKEND_SCHEMES: dict[str, frozenset[str]] = {
    "database_url": frozenset({"sqlite", "postgresql", "postgresql+psycopg"}),
    "online_url": frozenset({"memory", "sqlite", "redis", "rediss"}),
    "events_url": frozenset({"sqlite", "redis", "rediss"}),
    "lake_url": frozenset({"file", "s3"}),
    "blob_url": frozenset({"file", "s3"}),
    "compute_url": frozenset({"local", "ray"}),
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HttpSettings(_Section):
    """The HTTP server and request limits."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    request_timeout_s: float = Field(default=10.0, gt=0)
    cors_origins: list[str] = Field(default_factory=list)


class AuthSettings(_Section):
    """Tokens, passwords and login throttling."""

    access_token_ttl_s: int = Field(default=900, ge=30, le=86_400)
    refresh_token_ttl_s: int = Field(default=30 * 86_400, ge=3600)
    min_password_length: int = Field(default=10, ge=8, le=128)
    login_max_attempts: int = Field(default=5, ge=1)
    login_window_s: int = Field(default=300, ge=1)

    @model_validator(mode="after")
    def _access_outlived_by_refresh(self) -> AuthSettings:
        # Revoking a login finds it through its live refresh tokens; an access token that
        # outlived them would escape revocation.
        if self.access_token_ttl_s > self.refresh_token_ttl_s:
            raise ValueError("access_token_ttl_s must not exceed refresh_token_ttl_s")
        return self


class BillingSettings(_Section):
    """Subscriptions and the payment provider."""

    currency: str = Field(default="EUR", min_length=3, max_length=3)
    trial_days: int = Field(default=7, ge=0, le=90)
    period_days: int = Field(default=30, ge=1, le=366)
    payment_provider: Literal["builtin"] = "builtin"


class Settings(BaseSettings):
    """The whole settings tree. See ``marquee.example.toml`` for every key, documented."""

    model_config = SettingsConfigDict(
        env_prefix="MARQUEE_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    mode: Literal["dev", "prod"] = "dev"
    data_dir: Path = Path("var")
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = True

    database_url: str = ""
    online_url: str = ""
    events_url: str = ""
    lake_url: str = ""
    blob_url: str = ""
    compute_url: str = "local://"
    kv_namespace: str = "mq"

    http: HttpSettings = Field(default_factory=HttpSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    billing: BillingSettings = Field(default_factory=BillingSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Precedence: explicit arguments, then MARQUEE_* variables, then the TOML file.
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @model_validator(mode="after")
    def _fill_and_check(self) -> Settings:
        base = self.data_dir.resolve()
        defaults = {
            "database_url": f"sqlite:///{base / 'marquee.db'}",
            "online_url": f"sqlite:///{base / 'online.db'}",
            "events_url": f"sqlite:///{base / 'events.db'}",
            "lake_url": f"file://{base / 'lake'}",
            "blob_url": f"file://{base / 'blobs'}",
        }
        for key, default in defaults.items():
            if not getattr(self, key):
                object.__setattr__(self, key, default)
        for key, schemes in BACKEND_SCHEMES.items():
            scheme = urlsplit(getattr(self, key)).scheme
            if scheme not in schemes:
                allowed = ", ".join(sorted(schemes))
                raise ValueError(
                    f"{key}: scheme {scheme!r} is not supported (use one of {allowed})"
                )
        secret = self.secret_key.get_secret_value()
        if self.mode == "prod" and (secret == DEV_SECRET or len(secret) < 32):
            raise ValueError(
                "secret_key: the default or a short secret (< 32 characters) "
                "is refused in prod mode"
            )
        return self


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Read and validate the settings; raise ConfigError naming the bad key on failure.

    The TOML file is ``config_file``, else the ``MARQUEE_CONFIG`` variable, else none.
    """
    if config_file is None and os.environ.get("MARQUEE_CONFIG"):
        config_file = Path(os.environ["MARQUEE_CONFIG"])
    cls: type[Settings] = Settings
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError(f"config file not found: {config_file}")
        config = SettingsConfigDict(**{**Settings.model_config, "toml_file": config_file})
        cls = type("FileSettings", (Settings,), {"model_config": config})
    try:
        return cls(**overrides)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {config_file}: not valid TOML ({exc})") from None
    except SettingsError as exc:
        cause = f": {exc.__cause__}" if exc.__cause__ else ""
        raise ConfigError(f"invalid settings: {exc}{cause}") from None
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem: ``key.path: reason``."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "settings"
        msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"{loc}: {msg}" if not msg.startswith(f"{loc}:") else msg)
    return "invalid settings: " + "; ".join(lines)
