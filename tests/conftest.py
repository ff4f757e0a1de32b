"""Fixtures shared by every test.

API and service tests run on two stacks: ``embedded`` (SQLite + SQLite online store) and
``production`` (PostgreSQL + Redis). Each test gets a fresh, migrated database cloned from a
template made once per session, and its own online-store namespace.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from marquee.api import create_app
from marquee.bootstrap import Container, bootstrap
from marquee.clock import ManualClock
from marquee.config import LakeSettings, RecsSettings, Settings
from marquee.domain.roles import Role
from marquee.services.accounts import AccountsService
from marquee.services.credentials import Credentials
from marquee.storage.db import Database
from marquee.storage.db.migrate import upgrade
from marquee.storage.db.tables import Account
from tests.blobs import S3Endpoint, s3_server
from tests.services import REDIS_URL, fresh_postgres_database, need, unique_namespace

TEST_SECRET = "test-secret-" + "x" * 40
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "marquee.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.close()
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    with fresh_postgres_database() as url:
        db = Database(url)
        upgrade(db)
        db.close()
        yield url


def _clone_postgres(template_url: str) -> tuple[str, Callable[[], None]]:
    import psycopg

    base, template = template_url.rsplit("/", 1)
    name = f"marquee_c_{secrets.token_hex(6)}"
    admin = base.replace("postgresql+psycopg://", "postgresql://") + "/test"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{base}/{name}", drop


@pytest.fixture(params=["embedded", "production"])
def stack(request: pytest.FixtureRequest) -> str:
    if request.param == "production":
        need("postgres")
        need("redis")
    return str(request.param)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def settings(stack: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Settings]:
    namespace = unique_namespace()
    cleanup: Callable[[], None] = lambda: None  # noqa: E731
    if stack == "embedded":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copy(template, tmp_path / "marquee.db")
        database_url = f"sqlite:///{tmp_path / 'marquee.db'}"
        online_url = f"sqlite:///{tmp_path / 'online.db'}"
    else:
        database_url, cleanup = _clone_postgres(request.getfixturevalue("postgres_template"))
        online_url = REDIS_URL
    yield Settings(
        events_url=REDIS_URL if stack == "production" else f"sqlite:///{tmp_path / 'events.db'}",
        data_dir=tmp_path,
        database_url=database_url,
        online_url=online_url,
        kv_namespace=namespace,
        secret_key=TEST_SECRET,
        log_json=False,
        # The production stack keeps the Iceberg catalog in its (per-test) PostgreSQL database.
        lake=LakeSettings(catalog_url=database_url if stack == "production" else ""),
        # The serving deadline is 50 ms in production; a loaded 2-core CI machine can stall a
        # healthy read past that, and a test would see a fallback page. Outage tests use an
        # unreachable or stopped store, which fails at once whatever the deadline.
        recs=RecsSettings(online_timeout_ms=2000),
    )
    cleanup()


@pytest.fixture
def container(settings: Settings, clock: ManualClock) -> Iterator[Container]:
    c = bootstrap(settings, clock=clock)
    # The cheapest argon2id parameters: hashing is not what these tests are about.
    cheap = Credentials(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    c.accounts = AccountsService(
        db=c.db, kv=c.kv, tokens=c.tokens, settings=settings.auth, clock=clock, credentials=cheap
    )
    yield c
    c.kv.delete_prefix("")
    c.close()


@pytest.fixture
def client(settings: Settings, container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(settings, container=container)) as test_client:
        yield test_client


@dataclass(frozen=True)
class Caller:
    """An account with a valid access token, for calling the API as someone."""

    account_id: int
    email: str
    role: Role
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


MakeCaller = Callable[..., Caller]


@pytest.fixture
def make_caller(container: Container) -> MakeCaller:
    """Create an account directly in the database and mint a token for it."""

    def make(role: Role | str = Role.VIEWER, email: str | None = None) -> Caller:
        role = Role(role)
        email = email or f"{role.value}-{secrets.token_hex(4)}@example.com"
        with container.db.session() as s:
            account = Account(email=email, password_hash=None, role=role.value)
            s.add(account)
            s.flush()
            account_id = account.id
        token = container.tokens.issue(
            account_id=account_id, role=role, session=secrets.token_hex(8)
        )
        return Caller(account_id, email, role, token)

    return make


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data``; tests that need it skip where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[S3Endpoint]:
    """A real S3-compatible server (moto's) shared by the session; each user makes a bucket."""
    with s3_server() as endpoint:
        yield endpoint
