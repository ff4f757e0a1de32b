"""The blob-store interface: named byte objects (sources, renditions, artwork, model files).

Keys are ``/``-separated relative names of safe characters (``media/12/v3/720p/seg_0001.ts``).
Writes are atomic: a reader sees the whole old object or the whole new one, never a part.
Resumable uploads grow a *staged* object by appends at known offsets and publish it under its
key only when committed (local: a staging file renamed; S3: a multipart upload completed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from marquee.errors import Conflict, InvalidInput, MarqueeError

_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._=-]{0,199}$")
MAX_KEY_LENGTH = 900


class BlobNotFound(MarqueeError):
    """No object under that key (or no staged upload under that token)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no blob {key!r}")
        self.key = key


class StagingConflict(Conflict):
    """An append did not start where the staged object ends (another writer, or a stale offset)."""


@dataclass(frozen=True)
class BlobStat:
    """What a reader needs for caching and ranges: the size and a strong validator."""

    size: int
    etag: str


def check_key(key: str) -> str:
    """Return ``key`` if it is a safe relative name, else raise InvalidInput.

    No empty, ``.`` or ``..`` segments and no leading dot, so a key can never leave the store's
    root nor reach its private staging area.
    """
    parts = key.split("/")
    if len(key) > MAX_KEY_LENGTH or not all(_SEGMENT.match(p) for p in parts):
        raise InvalidInput.on("key", f"not a valid blob key: {key[:80]!r}")
    return key


def check_prefix(prefix: str) -> str:
    """A prefix is a key, optionally ending with ``/``; the empty prefix means everything."""
    if prefix:
        check_key(prefix.removesuffix("/"))
    return prefix


@runtime_checkable
class BlobStore(Protocol):
    """Objects by key. Ranges are ``[start, end)`` byte offsets, ``end=None`` meaning the end."""

    def put_bytes(self, key: str, data: bytes) -> BlobStat: ...

    def put_file(self, key: str, path: Path) -> BlobStat: ...

    def open_range(
        self, key: str, start: int = 0, end: int | None = None, *, chunk_size: int = 1 << 20
    ) -> Iterator[bytes]:
        """Stream bytes ``[start, end)``; BlobNotFound if absent (raised before any chunk)."""
        ...

    def get_bytes(self, key: str) -> bytes: ...

    def download(self, key: str, path: Path) -> None:
        """Copy the object to a local file (streaming, never whole in memory)."""
        ...

    def stat(self, key: str) -> BlobStat:
        """Size and etag; BlobNotFound if absent."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> bool:
        """Remove the object; True if it existed."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object whose key starts with ``prefix``; return how many."""
        ...

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys starting with ``prefix``, in lexicographic order."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class StagedUploads(Protocol):
    """Resumable writes: append at known offsets, then publish atomically under the key."""

    def stage_begin(self, key: str) -> str:
        """Start a staged object for ``key``; returns an opaque token to keep with the upload."""
        ...

    def stage_append(self, key: str, token: str, offset: int, chunks: Iterable[bytes]) -> int:
        """Append ``chunks`` at ``offset`` and return the new staged size.

        StagingConflict if ``offset`` is not the current staged size. Bytes received before the
        chunks stop (or raise) are kept, so an interrupted request can be resumed from
        ``stage_size``.
        """
        ...

    def stage_size(self, key: str, token: str) -> int: ...

    def stage_commit(self, key: str, token: str) -> BlobStat:
        """Publish the staged bytes under ``key`` (replacing any object there)."""
        ...

    def stage_abort(self, key: str, token: str) -> None:
        """Discard the staged bytes; doing it twice is harmless."""
        ...


@runtime_checkable
class BlobBackend(BlobStore, StagedUploads, Protocol):
    """What bootstrap opens: both capabilities."""
