"""The behaviour every blob store promises, run on a local directory and a real S3 server."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from marquee.errors import InvalidInput
from marquee.storage.blob import (
    BlobBackend,
    BlobNotFound,
    BlobStore,
    StagedUploads,
    StagingConflict,
)
from marquee.storage.blob.local import LocalBlobStore
from marquee.storage.blob.s3 import MIN_PART_BYTES, S3BlobStore, S3Options
from tests.blobs import CREDENTIALS, S3Endpoint


@pytest.fixture(params=["local", "s3"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobBackend]:
    if request.param == "local":
        store: BlobBackend = LocalBlobStore(tmp_path / "blobs")
    else:
        endpoint: S3Endpoint = request.getfixturevalue("s3_endpoint")
        options = S3Options(
            endpoint_url=endpoint.endpoint_url, part_bytes=MIN_PART_BYTES, **CREDENTIALS
        )
        store = S3BlobStore(f"s3://{endpoint.new_bucket()}/some/prefix", options)
    yield store
    store.close()


def test_implements_both_capabilities(blobs: BlobBackend) -> None:
    assert isinstance(blobs, BlobStore)
    assert isinstance(blobs, StagedUploads)


def test_bytes_round_trip_with_size_and_etag(blobs: BlobBackend) -> None:
    written = blobs.put_bytes("media/1/master.m3u8", b"#EXTM3U\n")
    assert blobs.get_bytes("media/1/master.m3u8") == b"#EXTM3U\n"
    assert blobs.exists("media/1/master.m3u8")
    stat = blobs.stat("media/1/master.m3u8")
    assert stat.size == 8
    assert stat.etag == written.etag
    assert blobs.stat("media/1/master.m3u8").etag == stat.etag


def test_overwrite_replaces_content_and_changes_the_etag(blobs: BlobBackend) -> None:
    first = blobs.put_bytes("poster.jpg", b"old bytes")
    second = blobs.put_bytes("poster.jpg", b"new, longer bytes")
    assert blobs.get_bytes("poster.jpg") == b"new, longer bytes"
    assert second.etag != first.etag
    assert blobs.stat("poster.jpg").size == len(b"new, longer bytes")


def test_a_reader_keeps_the_whole_old_object_while_it_is_replaced(blobs: BlobBackend) -> None:
    old = os.urandom(256 * 1024)
    blobs.put_bytes("seg.ts", old)
    reader = blobs.open_range("seg.ts", chunk_size=64 * 1024)
    first = next(reader)
    blobs.put_bytes("seg.ts", os.urandom(256 * 1024))
    assert first + b"".join(reader) == old


def test_file_upload_and_download_stream_large_objects(blobs: BlobBackend, tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    source = tmp_path / "source.bin"
    source.write_bytes(data)
    assert blobs.put_file("sources/abc", source).size == len(data)
    target = tmp_path / "copy.bin"
    blobs.download("sources/abc", target)
    assert target.read_bytes() == data


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, None, b"0123456789"),
        (2, 5, b"234"),
        (7, None, b"789"),
        (8, 100, b"89"),
        (10, None, b""),
        (25, None, b""),
        (4, 4, b""),
    ],
)
def test_ranges_are_half_open_and_clipped_to_the_object(
    blobs: BlobBackend, start: int, end: int | None, expected: bytes
) -> None:
    blobs.put_bytes("digits", b"0123456789")
    assert b"".join(blobs.open_range("digits", start, end, chunk_size=3)) == expected


def test_missing_objects_are_reported_as_such(blobs: BlobBackend, tmp_path: Path) -> None:
    with pytest.raises(BlobNotFound):
        blobs.get_bytes("nope")
    with pytest.raises(BlobNotFound):
        blobs.stat("nope")
    with pytest.raises(BlobNotFound):
        list(blobs.open_range("nope", 0, 0))
    with pytest.raises(BlobNotFound):
        blobs.download("nope", tmp_path / "x")
    assert not blobs.exists("nope")
    assert blobs.delete("nope") is False


def test_list_and_delete_by_prefix(blobs: BlobBackend) -> None:
    for key in ["media/12/v1/a.ts", "media/12/v1/b/c.ts", "media/12/v2/a.ts", "media/120/x"]:
        blobs.put_bytes(key, b"x")
    assert list(blobs.list("media/12/")) == [
        "media/12/v1/a.ts",
        "media/12/v1/b/c.ts",
        "media/12/v2/a.ts",
    ]
    assert list(blobs.list("media/12")) == [*list(blobs.list("media/12/")), "media/120/x"]
    assert blobs.delete_prefix("media/12/v1/") == 2
    assert list(blobs.list("")) == ["media/12/v2/a.ts", "media/120/x"]
    assert blobs.delete("media/12/v2/a.ts") is True
    assert list(blobs.list("media/")) == ["media/120/x"]


@pytest.mark.parametrize(
    "key",
    [
        "",
        "../etc/passwd",
        "/abs",
        "a//b",
        "a/./b",
        "a/../b",
        ".staging/x",
        "a/.tmp/b",
        "sp ace",
        "back\\slash",
        "x" * 1000,
    ],
)
def test_unsafe_keys_are_refused(blobs: BlobBackend, key: str) -> None:
    with pytest.raises(InvalidInput):
        blobs.put_bytes(key, b"x")
    with pytest.raises(InvalidInput):
        blobs.exists(key)


def test_staged_upload_grows_by_appends_and_appears_only_when_committed(
    blobs: BlobBackend,
) -> None:
    data = os.urandom(2 * MIN_PART_BYTES + 1234)
    token = blobs.stage_begin("sources/u1")
    cuts = [0, 1000, MIN_PART_BYTES + 10, len(data) - 3, len(data)]
    for start, end in itertools.pairwise(cuts):
        pieces = [data[i : min(i + 700_000, end)] for i in range(start, end, 700_000)]
        assert blobs.stage_append("sources/u1", token, start, pieces) == end
        assert blobs.stage_size("sources/u1", token) == end
        assert not blobs.exists("sources/u1")
    assert list(blobs.list("")) == []
    assert blobs.stage_commit("sources/u1", token).size == len(data)
    assert blobs.get_bytes("sources/u1") == data


def test_append_at_the_wrong_offset_conflicts_and_stores_nothing(blobs: BlobBackend) -> None:
    token = blobs.stage_begin("sources/u2")
    blobs.stage_append("sources/u2", token, 0, [b"abc"])
    with pytest.raises(StagingConflict):
        blobs.stage_append("sources/u2", token, 1, [b"zzz"])
    with pytest.raises(StagingConflict):
        blobs.stage_append("sources/u2", token, 0, [b"zzz"])
    assert blobs.stage_size("sources/u2", token) == 3


def test_an_interrupted_append_keeps_the_bytes_that_arrived(blobs: BlobBackend) -> None:
    def body() -> Iterator[bytes]:
        yield b"a" * 1000
        yield b"b" * 500
        raise ConnectionResetError("client went away")

    token = blobs.stage_begin("sources/u3")
    with pytest.raises(ConnectionResetError):
        blobs.stage_append("sources/u3", token, 0, body())
    assert blobs.stage_size("sources/u3", token) == 1500
    assert blobs.stage_append("sources/u3", token, 1500, [b"c"]) == 1501
    blobs.stage_commit("sources/u3", token)
    assert blobs.get_bytes("sources/u3") == b"a" * 1000 + b"b" * 500 + b"c"


def test_an_empty_staged_upload_commits_to_an_empty_object(blobs: BlobBackend) -> None:
    token = blobs.stage_begin("sources/empty")
    assert blobs.stage_size("sources/empty", token) == 0
    assert blobs.stage_commit("sources/empty", token).size == 0
    assert blobs.get_bytes("sources/empty") == b""


def test_aborted_staging_is_gone(blobs: BlobBackend) -> None:
    token = blobs.stage_begin("sources/u4")
    blobs.stage_append("sources/u4", token, 0, [b"partial"])
    blobs.stage_abort("sources/u4", token)
    blobs.stage_abort("sources/u4", token)
    with pytest.raises(BlobNotFound):
        blobs.stage_size("sources/u4", token)
    assert not blobs.exists("sources/u4")
    assert list(blobs.list("")) == []
