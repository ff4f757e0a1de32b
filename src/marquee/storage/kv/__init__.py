"""The online key-value store: precomputed rows, online features, leases, counters, caches."""

from marquee.storage.kv.base import HashStore, KeyValueStore, OnlineStore

__all__ = ["HashStore", "KeyValueStore", "OnlineStore"]
