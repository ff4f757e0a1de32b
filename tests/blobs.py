"""A real S3-compatible server for tests: moto's server (werkzeug) on a free local port."""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from tests.services import services_required

CREDENTIALS = {"access_key_id": "testing", "secret_access_key": "testing"}


@dataclass(frozen=True)
class S3Endpoint:
    endpoint_url: str

    def new_bucket(self) -> str:
        """Create an empty bucket and return its name."""
        import boto3

        name = f"marquee-{secrets.token_hex(6)}"
        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=CREDENTIALS["access_key_id"],
            aws_secret_access_key=CREDENTIALS["secret_access_key"],
        )
        client.create_bucket(Bucket=name)
        client.close()
        return name


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def s3_server() -> Iterator[S3Endpoint]:
    """Start moto's S3 server in this process (a real HTTP server; boto3 talks to it over TCP)."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        reason = "moto[server] is not installed (pip install -e '.[test]')"
        if services_required():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield S3Endpoint(f"http://127.0.0.1:{port}")
    finally:
        server.stop()
