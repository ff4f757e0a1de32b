"""The blob store: sources, renditions, artwork and model files, by key."""

from marquee.storage.blob.base import (
    BlobBackend,
    BlobNotFound,
    BlobStat,
    BlobStore,
    StagedUploads,
    StagingConflict,
    check_key,
)

__all__ = [
    "BlobBackend",
    "BlobNotFound",
    "BlobStat",
    "BlobStore",
    "StagedUploads",
    "StagingConflict",
    "check_key",
]
