"""Blob store on a local directory (embedded mode; also what an nginx edge can serve directly).

Objects are plain files under ``root``. Every write goes to a temporary file in ``root/.tmp``
and is renamed into place, so readers never see a partial object. Staged uploads are files in
``root/.staging`` (dot-names are not valid keys, so no key can reach them).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from marquee.storage.blob.base import (
    BlobNotFound,
    BlobStat,
    StagingConflict,
    check_key,
    check_prefix,
)


class LocalBlobStore:
    """Files under ``root``; safe for several processes sharing the directory."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._tmp = self.root / ".tmp"
        self._staging = self.root / ".staging"
        for folder in (self.root, self._tmp, self._staging):
            folder.mkdir(parents=True, exist_ok=True)

    def path_of(self, key: str) -> Path:
        """The file holding ``key`` (for an edge that serves the directory itself)."""
        return self.root / check_key(key)

    # --- writes -------------------------------------------------------------------------

    def put_bytes(self, key: str, data: bytes) -> BlobStat:
        return self._publish(key, lambda out: out.write(data))

    def put_file(self, key: str, path: Path) -> BlobStat:
        def copy(out: BinaryIO) -> None:
            with path.open("rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)

        return self._publish(key, copy)

    def _publish(self, key: str, write: Callable[[BinaryIO], object]) -> BlobStat:
        target = self.path_of(key)
        tmp = self._tmp / secrets.token_hex(12)
        try:
            with tmp.open("wb") as out:
                write(out)
                out.flush()
                os.fsync(out.fileno())
            _move_into_place(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return self.stat(key)

    # --- reads --------------------------------------------------------------------------

    def open_range(
        self, key: str, start: int = 0, end: int | None = None, *, chunk_size: int = 1 << 20
    ) -> Iterator[bytes]:
        try:
            handle = self.path_of(key).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise BlobNotFound(key) from None
        return _read_range(handle, start, end, chunk_size)

    def get_bytes(self, key: str) -> bytes:
        return b"".join(self.open_range(key))

    def download(self, key: str, path: Path) -> None:
        source = self.path_of(key)
        if not source.is_file():
            raise BlobNotFound(key)
        shutil.copyfile(source, path)

    def stat(self, key: str) -> BlobStat:
        try:
            st = self.path_of(key).stat()
        except (FileNotFoundError, NotADirectoryError):
            raise BlobNotFound(key) from None
        if not stat.S_ISREG(st.st_mode):
            raise BlobNotFound(key)
        # Size + inode + mtime changes whenever the object is replaced (a rename gives a new
        # inode); hashing every segment on each request would cost far more.
        return BlobStat(size=st.st_size, etag=f'"{st.st_size:x}-{st.st_ino:x}-{st.st_mtime_ns:x}"')

    def exists(self, key: str) -> bool:
        return self.path_of(key).is_file()

    def list(self, prefix: str = "") -> Iterator[str]:
        check_prefix(prefix)
        # Walk only the deepest folder the prefix names, not the whole store.
        folder = self.root / prefix.rsplit("/", 1)[0] if "/" in prefix else self.root
        if not folder.is_dir():
            return iter(())
        keys = []
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            rel = Path(dirpath).relative_to(self.root).as_posix()
            for name in filenames:
                key = name if rel == "." else f"{rel}/{name}"
                if key.startswith(prefix):
                    keys.append(key)
        return iter(sorted(keys))

    # --- deletes ------------------------------------------------------------------------

    def delete(self, key: str) -> bool:
        try:
            self.path_of(key).unlink()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return False
        return True

    def delete_prefix(self, prefix: str) -> int:
        count = 0
        for key in list(self.list(prefix)):
            count += self.delete(key)
        self._prune_empty(prefix)
        return count

    def _prune_empty(self, prefix: str) -> None:
        """Remove folders the deletion left empty (bottom-up), so the tree does not grow."""
        if not prefix:
            return
        folder = self.root / prefix.rstrip("/")
        if folder.is_dir():
            for dirpath, _, _ in os.walk(folder, topdown=False):
                with contextlib.suppress(OSError):
                    os.rmdir(dirpath)
        parent = folder.parent
        while parent != self.root:
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    # --- staged uploads -----------------------------------------------------------------

    def stage_begin(self, key: str) -> str:
        check_key(key)
        token = secrets.token_hex(16)
        self._staged(token).touch()
        return token

    def stage_append(self, key: str, token: str, offset: int, chunks: Iterable[bytes]) -> int:
        path = self._staged(token)
        if not path.is_file():
            raise BlobNotFound(f"staged:{key}")
        with path.open("ab") as out:
            # The lock makes "check the size, then append" one step across processes.
            fcntl.flock(out.fileno(), fcntl.LOCK_EX)
            size = os.fstat(out.fileno()).st_size
            if size != offset:
                raise StagingConflict(f"the upload is at offset {size}, not {offset}")
            try:
                for chunk in chunks:
                    out.write(chunk)
            finally:
                out.flush()
                os.fsync(out.fileno())
                size = os.fstat(out.fileno()).st_size
        return size

    def stage_size(self, key: str, token: str) -> int:
        try:
            return self._staged(token).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(f"staged:{key}") from None

    def stage_commit(self, key: str, token: str) -> BlobStat:
        staged = self._staged(token)
        if not staged.is_file():
            raise BlobNotFound(f"staged:{key}")
        _move_into_place(staged, self.path_of(key))
        return self.stat(key)

    def stage_abort(self, key: str, token: str) -> None:
        self._staged(token).unlink(missing_ok=True)

    def _staged(self, token: str) -> Path:
        if not token.isalnum():
            raise BlobNotFound(f"staged:{token[:40]}")
        return self._staging / token

    def close(self) -> None:
        """Nothing to release; files are opened per call."""


def _read_range(handle: BinaryIO, start: int, end: int | None, chunk_size: int) -> Iterator[bytes]:
    with handle:
        handle.seek(start)
        left = None if end is None else max(0, end - start)
        while left is None or left > 0:
            chunk = handle.read(chunk_size if left is None else min(chunk_size, left))
            if not chunk:
                return
            if left is not None:
                left -= len(chunk)
            yield chunk


def _move_into_place(source: Path, target: Path) -> None:
    # A concurrent delete_prefix may prune the empty parent between mkdir and rename: retry once.
    for attempt in range(2):
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, target)
            return
        except FileNotFoundError:
            if attempt or not source.exists():
                raise
