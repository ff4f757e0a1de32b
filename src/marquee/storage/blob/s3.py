"""Blob store on an S3-compatible object store (AWS S3, MinIO, Ceph RGW, Garage...).

``s3://bucket/prefix``: every key lives under ``prefix/``. PUTs are atomic by S3's nature.
Staged uploads are S3 multipart uploads: parts of ``part_bytes`` are uploaded as they fill, and
the remainder of each append (smaller than S3's 5 MiB minimum part) is parked in a ``.tail``
object that the next append or the commit picks up, as tusd's S3 store does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from marquee.storage.blob.base import (
    BlobNotFound,
    BlobStat,
    StagingConflict,
    check_key,
    check_prefix,
)

MIN_PART_BYTES = 5 * 1024 * 1024
Parts = list[dict[str, Any]]  # module level: the class's own ``list`` method shadows the name


@dataclass(frozen=True)
class S3Options:
    """How to reach the object store; empty credentials use boto3's default chain."""

    endpoint_url: str = ""
    region: str = "us-east-1"
    access_key_id: str = ""
    secret_access_key: str = ""
    part_bytes: int = 8 * 1024 * 1024
    timeout_s: float = 30.0


def _missing(exc: Exception) -> bool:
    code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NotFound", "NoSuchUpload"}


class S3BlobStore:
    """Objects in one bucket under one prefix."""

    def __init__(self, url: str, options: S3Options | None = None) -> None:
        try:
            import boto3
            from botocore.config import Config
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError(
                "blob_url s3://: install the s3 extra (pip install 'marquee[s3]')"
            ) from exc
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"blob_url: expected s3://bucket/prefix, got {url!r}")
        self.options = options or S3Options()
        if self.options.part_bytes < MIN_PART_BYTES:
            raise ValueError("blob s3_part_bytes: S3 parts must be at least 5 MiB")
        self.bucket = parts.netloc
        self.prefix = check_prefix(parts.path.strip("/") + "/") if parts.path.strip("/") else ""
        opts = self.options
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=opts.endpoint_url or None,
            region_name=opts.region,
            aws_access_key_id=opts.access_key_id or None,
            aws_secret_access_key=opts.secret_access_key or None,
            config=Config(
                connect_timeout=min(opts.timeout_s, 5.0),
                read_timeout=opts.timeout_s,
                retries={"max_attempts": 3, "mode": "standard"},
                s3={"addressing_style": "path"},
            ),
        )

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    # --- writes -------------------------------------------------------------------------

    def put_bytes(self, key: str, data: bytes) -> BlobStat:
        done = self._client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data)
        return BlobStat(size=len(data), etag=done["ETag"])

    def put_file(self, key: str, path: Path) -> BlobStat:
        # upload_file switches to a parallel multipart upload for large files.
        self._client.upload_file(str(path), self.bucket, self._name(key))
        return self.stat(key)

    # --- reads --------------------------------------------------------------------------

    def open_range(
        self, key: str, start: int = 0, end: int | None = None, *, chunk_size: int = 1 << 20
    ) -> Iterator[bytes]:
        if end is not None and end <= start:
            self.stat(key)  # still say "not found" for a missing key
            return iter(())
        ranged = f"bytes={start}-" + ("" if end is None else str(end - 1))
        try:
            got = self._client.get_object(Bucket=self.bucket, Key=self._name(key), Range=ranged)
        except self._client.exceptions.ClientError as exc:
            if _missing(exc):
                raise BlobNotFound(key) from None
            if "InvalidRange" in str(exc):  # start at or past the end: nothing to read
                return iter(())
            raise
        return _stream(got["Body"], chunk_size)

    def get_bytes(self, key: str) -> bytes:
        return b"".join(self.open_range(key))

    def download(self, key: str, path: Path) -> None:
        with path.open("wb") as out:
            for chunk in self.open_range(key, chunk_size=8 << 20):
                out.write(chunk)

    def stat(self, key: str) -> BlobStat:
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=self._name(key))
        except self._client.exceptions.ClientError as exc:
            if _missing(exc):
                raise BlobNotFound(key) from None
            raise
        return BlobStat(size=int(head["ContentLength"]), etag=head["ETag"])

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except BlobNotFound:
            return False
        return True

    def list(self, prefix: str = "") -> Iterator[str]:
        check_prefix(prefix)
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                name = item["Key"][len(self.prefix) :]
                if not name.startswith(".staging/"):
                    yield name

    # --- deletes ------------------------------------------------------------------------

    def delete(self, key: str) -> bool:
        existed = self.exists(key)
        self._client.delete_object(Bucket=self.bucket, Key=self._name(key))
        return existed

    def delete_prefix(self, prefix: str) -> int:
        keys = list(self.list(prefix))
        for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1000 keys
            batch = [{"Key": self.prefix + k} for k in keys[start : start + 1000]]
            self._client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
            )
        return len(keys)

    # --- staged uploads -----------------------------------------------------------------

    def stage_begin(self, key: str) -> str:
        created = self._client.create_multipart_upload(Bucket=self.bucket, Key=self._name(key))
        return str(created["UploadId"])

    def stage_append(self, key: str, token: str, offset: int, chunks: Iterable[bytes]) -> int:
        parts, tail = self._parts(key, token), self._tail(key, token)
        size = sum(int(p["Size"]) for p in parts) + len(tail)
        if size != offset:
            raise StagingConflict(f"the upload is at offset {size}, not {offset}")
        buffer, number, uploaded = bytearray(tail), len(parts) + 1, 0
        part = self.options.part_bytes
        try:
            for chunk in chunks:
                buffer += chunk
                while len(buffer) >= part:
                    self._upload_part(key, token, number, bytes(buffer[:part]))
                    del buffer[:part]
                    number, uploaded = number + 1, uploaded + part
        finally:
            # Keep what arrived even if the client went away: the next append resumes from it.
            self._client.put_object(
                Bucket=self.bucket, Key=self._tail_name(key, token), Body=bytes(buffer)
            )
        return size - len(tail) + uploaded + len(buffer)

    def stage_size(self, key: str, token: str) -> int:
        return sum(int(p["Size"]) for p in self._parts(key, token)) + len(self._tail(key, token))

    def stage_commit(self, key: str, token: str) -> BlobStat:
        parts, tail = self._parts(key, token), self._tail(key, token)
        if tail or not parts:
            # The last part may be smaller than 5 MiB; an empty object still needs one part.
            parts.append(self._upload_part(key, token, len(parts) + 1, tail))
        self._client.complete_multipart_upload(
            Bucket=self.bucket,
            Key=self._name(key),
            UploadId=token,
            MultipartUpload={
                "Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]
            },
        )
        self._client.delete_object(Bucket=self.bucket, Key=self._tail_name(key, token))
        return self.stat(key)

    def stage_abort(self, key: str, token: str) -> None:
        try:
            self._client.abort_multipart_upload(
                Bucket=self.bucket, Key=self._name(key), UploadId=token
            )
        except self._client.exceptions.ClientError as exc:
            if not _missing(exc):
                raise
        self._client.delete_object(Bucket=self.bucket, Key=self._tail_name(key, token))

    def _upload_part(self, key: str, token: str, number: int, data: bytes) -> dict[str, Any]:
        done = self._client.upload_part(
            Bucket=self.bucket, Key=self._name(key), UploadId=token, PartNumber=number, Body=data
        )
        return {"PartNumber": number, "ETag": done["ETag"], "Size": len(data)}

    def _parts(self, key: str, token: str) -> Parts:
        found: Parts = []
        pages = self._client.get_paginator("list_parts").paginate(
            Bucket=self.bucket, Key=self._name(key), UploadId=token
        )
        try:
            for page in pages:
                found.extend(page.get("Parts", []))
        except self._client.exceptions.ClientError as exc:
            if _missing(exc):
                raise BlobNotFound(f"staged:{key}") from None
            raise
        return sorted(found, key=lambda p: int(p["PartNumber"]))

    def _tail_name(self, key: str, token: str) -> str:
        # Hashed: upload ids may hold characters that are not valid in our keys.
        digest = hashlib.sha256(f"{key}\0{token}".encode()).hexdigest()[:40]
        return f"{self.prefix}.staging/{digest}.tail"

    def _tail(self, key: str, token: str) -> bytes:
        try:
            got = self._client.get_object(Bucket=self.bucket, Key=self._tail_name(key, token))
        except self._client.exceptions.ClientError as exc:
            if _missing(exc):
                return b""
            raise
        return bytes(got["Body"].read())

    def close(self) -> None:
        self._client.close()


def _stream(body: Any, chunk_size: int) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(chunk_size)
    finally:
        body.close()
