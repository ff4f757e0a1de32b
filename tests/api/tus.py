"""A minimal tus 1.0 client over the test client, speaking the protocol as tus-js-client does."""

from __future__ import annotations

import base64
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Caller

TUS = {"Tus-Resumable": "1.0.0"}
OFFSET_STREAM = {"Content-Type": "application/offset+octet-stream"}


def metadata(**fields: Any) -> str:
    return ",".join(
        f"{key} {base64.b64encode(str(value).encode()).decode()}" for key, value in fields.items()
    )


def create(client: TestClient, who: Caller, length: int, **fields: Any) -> Any:
    headers = {**TUS, **who.headers, "Upload-Length": str(length)}
    if fields:
        headers["Upload-Metadata"] = metadata(**fields)
    return client.post("/v1/uploads", headers=headers)


def patch(client: TestClient, who: Caller, url: str, offset: int, data: bytes) -> Any:
    headers = {**TUS, **OFFSET_STREAM, **who.headers, "Upload-Offset": str(offset)}
    return client.patch(url, content=data, headers=headers)


def head(client: TestClient, who: Caller, url: str) -> Any:
    return client.head(url, headers={**TUS, **who.headers})


def upload(
    client: TestClient, who: Caller, data: bytes, *, chunk: int = 1 << 20, **fields: Any
) -> str:
    """Create and send ``data`` in chunks; return the upload URL."""
    created = create(client, who, len(data), **fields)
    assert created.status_code == 201, created.text
    url: str = created.headers["Location"]
    offset = 0
    while True:  # an empty file still takes one (empty) PATCH
        sent = patch(client, who, url, offset, data[offset : offset + chunk])
        assert sent.status_code == 204, sent.text
        offset = int(sent.headers["Upload-Offset"])
        if offset == len(data):
            return url


def new_title(client: TestClient, who: Caller, name: str = "Upload Test") -> int:
    made = client.post("/v1/titles", json={"kind": "movie", "name": name}, headers=who.headers)
    assert made.status_code == 201, made.text
    title_id: int = made.json()["id"]
    return title_id
