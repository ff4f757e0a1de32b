"""Typed settings: one tree, read from a TOML file and ``MARQUEE_*`` environment variables.

Every backend is chosen by a URL. Settings are validated once, at start-up, and never changed
after construction; a bad value fails with a message that names the key.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
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
    # Proxies whose X-Forwarded-For / -Proto are believed (login throttling keys on the client
    # address): the loopback nginx of deploy/ by default; add your load balancer's addresses.
    forwarded_allow_ips: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])


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


class MediaSettings(_Section):
    """Uploads, the transcoding ladder and the job workers that run it."""

    ffmpeg_path: str = ""  # empty: ffmpeg on PATH, else the imageio-ffmpeg binary
    x264_preset: Literal[
        "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow"
    ] = "veryfast"
    segment_s: int = Field(default=4, ge=4, le=6)
    keyframe_interval_s: int = Field(default=2, ge=1, le=2)
    max_height: int = Field(default=2160, ge=240, le=2160)
    max_upload_bytes: int = Field(default=20 * 1024**3, ge=1024)
    upload_ttl_s: int = Field(default=24 * 3600, ge=60)
    transcode_concurrency: int = Field(default=1, ge=1, le=64)
    job_max_attempts: int = Field(default=5, ge=1, le=50)
    embedded_worker: bool = True  # run job workers as threads inside `serve` / `demo`
    max_chunk_bytes: int = Field(default=64 * 1024**2, ge=1024)  # one tus PATCH body, at most
    job_lease_s: float = Field(default=60.0, ge=2.0)  # a silent worker's job is retaken after this
    job_poll_s: float = Field(default=1.0, gt=0, le=60)  # idle workers look for jobs this often
    job_backoff_s: float = Field(default=10.0, ge=0)  # first retry delay; doubles per attempt
    job_backoff_max_s: float = Field(default=900.0, ge=0)
    transcode_max_running: int = Field(default=0, ge=0)  # across all workers; 0: no such limit
    audio_kbps: int = Field(default=128, ge=32, le=320)  # AAC stereo, every rung and audio track
    ffmpeg_timeout_s: int = Field(default=6 * 3600, ge=60)  # one ffmpeg run is stopped after this


class BlobSettings(_Section):
    """The S3-compatible object store used when ``blob_url`` is ``s3://bucket/prefix``."""

    s3_endpoint_url: str = ""  # empty: AWS; e.g. http://127.0.0.1:9000 for MinIO
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""  # empty: boto3's default chain (AWS_* variables, instance role)
    s3_secret_access_key: SecretStr = SecretStr("")
    s3_part_bytes: int = Field(default=8 * 1024**2, ge=5 * 1024**2, le=5 * 1024**3)
    s3_timeout_s: float = Field(default=30.0, gt=0)


class PlaybackSettings(_Section):
    """Playback sessions, stream leases and signed media URLs."""

    url_ttl_s: int = Field(default=6 * 3600, ge=60)
    lease_ttl_s: int = Field(default=45, ge=10, le=600)
    heartbeat_interval_s: int = Field(default=10, ge=2, le=60)
    download_ttl_s: int = Field(default=48 * 3600, ge=60)
    # Empty: derived from secret_key. The edge gets the derived key (`marquee playback edge-key`).
    url_signing_key: SecretStr = SecretStr("")
    edge_url: str = ""  # origin of media URLs (an nginx edge or CDN); empty: the API's own origin


class SearchSettings(_Section):
    """Full-text search: index freshness, candidate pool and re-ranking weights."""

    refresh_interval_s: float = Field(default=5.0, ge=0, le=3600)
    candidates: int = Field(default=200, ge=10, le=2000)
    popularity_weight: float = Field(default=0.3, ge=0, le=10)
    affinity_weight: float = Field(default=0.5, ge=0, le=10)
    spelling_below: int = Field(default=5, ge=0, le=100)
    match_cache: int = Field(default=512, ge=0, le=100_000)  # recent queries' index answers


class RecsSettings(_Section):
    """Homepage rows, post-ranking rules, precompute, serving fallbacks and experiments."""

    row_length: int = Field(default=20, ge=3, le=100)
    max_rows: int = Field(default=14, ge=1, le=50)
    because_rows: int = Field(default=10, ge=0, le=10)
    genre_rows: int = Field(default=8, ge=0, le=10)
    exploration: float = Field(default=0.1, ge=0, le=0.5)
    diversity: Literal["mmr", "genre_cap", "none"] = "mmr"
    mmr_lambda: float = Field(default=0.7, ge=0, le=1)
    genre_cap: int = Field(default=6, ge=1, le=100)
    new_release_days: int = Field(default=90, ge=1, le=3650)
    new_release_boost: float = Field(default=0.15, ge=0, le=1)
    cache_ttl_s: float = Field(default=30.0, ge=0, le=3600)
    live_ttl_s: float = Field(default=1.0, ge=0, le=60)
    online_timeout_ms: int = Field(default=50, ge=1, le=5000)
    breaker_failures: int = Field(default=3, ge=1, le=100)
    breaker_reset_s: float = Field(default=5.0, ge=0.1, le=600)
    precompute_batch: int = Field(default=256, ge=1, le=100_000)
    candidate_model: str = "ease"
    # Temporal training windows of the multi-objective ranker (each refits the sources); 0: none.
    ranker_windows: int = Field(default=3, ge=0, le=10)
    experiment_salt: str = Field(default="home-2026", min_length=1, max_length=64)
    # "variant=configuration:weight"; configurations are named in marquee.recs.rows.SERVING_CONFIGS.
    variants: list[str] = Field(default_factory=lambda: ["control=default:100"])
    # Model registry gate: a version is not promoted when one of these offline metrics (higher is
    # better, "name@K") is worse than the promoted version's by more than this relative share.
    promotion_tolerance: float = Field(default=0.02, ge=0, le=1)
    promotion_metrics: list[Annotated[str, Field(pattern=r"^[a-z_]+@[1-9][0-9]{0,2}$")]] = Field(
        default_factory=lambda: ["ndcg@10", "recall@10"]
    )
    # Percent of profiles never in any experiment (fixed salt): they always get "default".
    holdout_percent: float = Field(default=5.0, ge=0, le=50)


class LakeSettings(_Section):
    """The Iceberg lake (warehouse at ``lake_url``): its catalog, archiving and compaction."""

    # SQL catalog: empty = SQLite file ``{data_dir}/lake-catalog.db``; production: postgresql://…
    catalog_url: str = ""
    namespace: str = Field(default="marquee", pattern=r"^[a-z][a-z0-9_]{0,62}$")
    s3_endpoint: str = ""  # for S3-compatible stores (MinIO); empty: AWS
    archive_batch: int = Field(default=5000, ge=1, le=200_000)
    archive_interval_s: float = Field(default=5.0, gt=0)
    compact_min_files: int = Field(default=8, ge=2)


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
    media: MediaSettings = Field(default_factory=MediaSettings)
    playback: PlaybackSettings = Field(default_factory=PlaybackSettings)
    blob: BlobSettings = Field(default_factory=BlobSettings)
    lake: LakeSettings = Field(default_factory=LakeSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    recs: RecsSettings = Field(default_factory=RecsSettings)

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
