"""Reach the real PostgreSQL and Redis used by the tests.

When a service is unreachable the tests that need it are skipped with the reason, except when
``MARQUEE_REQUIRE_SERVICES=1`` (set by ``.ci/run``): then they fail, so CI can never go green by
skipping.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

POSTGRES_URL = os.environ.get(
    "MARQUEE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("MARQUEE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def services_required() -> bool:
    return os.environ.get("MARQUEE_REQUIRE_SERVICES") == "1"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def need(service: str) -> None:
    """Skip (or fail under MARQUEE_REQUIRE_SERVICES=1) unless ``service`` is reachable."""
    host, port = {"postgres": ("127.0.0.1", 5432), "redis": ("127.0.0.1", 6379)}[service]
    if _reachable(host, port):
        return
    reason = f"{service} is unreachable at {host}:{port}"
    if services_required():
        pytest.fail(f"{reason} and MARQUEE_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(reason)


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """Create an empty database for one test session and drop it afterwards."""
    import psycopg

    need("postgres")
    name = f"marquee_t_{uuid.uuid4().hex[:12]}"
    admin = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def unique_namespace() -> str:
    """A key prefix no other test run uses, so tests can share one Redis."""
    return f"test-{uuid.uuid4().hex[:10]}"
