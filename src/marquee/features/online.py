"""The online feature store over the key-value store: materialisation and lookup.

Key layout (under the store's namespace):

- ``feat:rt:{profile}``: the real-time features as of the profile's newest event (JSON), a
  newline, then the state they are computed from (JSON); one key, so the stream processor writes
  one row per profile per batch, and a reader of the features parses only the part before the
  newline (compact JSON never contains a raw newline). TTL from the definitions. Values written
  before this layout hold the features alone, with the state in ``feat:rts:{profile}``; both are
  still read (and erased) until they expire.
- ``feat:b:{version}:p:{profile}`` and ``feat:b:{version}:i:{title}``: batch features (JSON) of
  one run; ``feat:b:current`` names the version readers use. A run writes its keys first and
  flips the pointer last, so a failed run changes nothing and a rerun is idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import orjson

from marquee.features.catalog import TitleCatalog
from marquee.features.definitions import ITEM_BATCH, PROFILE_BATCH, REALTIME, ttl_seconds
from marquee.features.realtime import ProfileState, empty_values, evaluate, to_us
from marquee.storage.kv import OnlineStore

RT_TTL_S = ttl_seconds(REALTIME)
BATCH_TTL_S = ttl_seconds(PROFILE_BATCH + ITEM_BATCH)
_POINTER = "feat:b:current"
_CHUNK = 1000


def _dumps(value: object) -> bytes:
    return orjson.dumps(value)


def realtime_key(profile_id: int) -> str:
    return f"feat:rt:{profile_id}"


def state_key(profile_id: int) -> str:
    """Where the state lived before it shared ``realtime_key``; read only as a fallback."""
    return f"feat:rts:{profile_id}"


_SEPARATOR = b"\n"


class OnlineFeatures:
    """Reads and writes every feature the request path and the stream processor need."""

    def __init__(self, kv: OnlineStore, catalog: TitleCatalog) -> None:
        self._kv = kv
        self.catalog = catalog

    # Real-time features (written by the stream processor).

    def load_states(self, profile_ids: Iterable[int]) -> dict[int, ProfileState]:
        ids = list(profile_ids)
        raw = self._kv.get_many([realtime_key(p) for p in ids])
        states: dict[int, ProfileState] = {}
        legacy: list[int] = []
        for profile_id, value in zip(ids, raw, strict=True):
            if value is not None and _SEPARATOR not in value:
                legacy.append(profile_id)
                continue
            states[profile_id] = ProfileState.decode(value and value.partition(_SEPARATOR)[2])
        if legacy:
            # Written by the two-key layout: its state key is alive as long as its features.
            old = self._kv.get_many([state_key(p) for p in legacy])
            states.update(zip(legacy, map(ProfileState.decode, old), strict=True))
        return states

    def save_states(self, states: Mapping[int, ProfileState]) -> None:
        """Store each state with the features evaluated from it: one key per profile."""
        items: dict[str, bytes] = {}
        genres = self.catalog.genres
        for profile_id, state in states.items():
            state.prune()
            values = _dumps(evaluate(state, genres))
            items[realtime_key(profile_id)] = values + _SEPARATOR + state.encode()
        self._kv.set_many(items, ttl=RT_TTL_S)

    def realtime(self, profile_id: int, *, at: datetime | None = None) -> dict[str, Any]:
        """The real-time features: as materialised (newest event) or, with ``at``, evaluated as
        of that time from the stored state, so windows that have closed since read as closed."""
        if at is None:
            raw = self._kv.get(realtime_key(profile_id))
            if raw is None:
                return empty_values()
            return dict(orjson.loads(raw.partition(_SEPARATOR)[0]))
        state = self.load_states([profile_id])[profile_id]
        return evaluate(state, self.catalog.genres, to_us(at))

    # Batch features (written by ``marquee batch features``).

    def write_batch(
        self,
        version: str,
        *,
        profiles: Mapping[int, Mapping[str, Any]],
        items: Mapping[int, Mapping[str, Any]],
    ) -> int:
        """Write one run's values under ``version``; returns how many keys were written."""
        written = 0
        for prefix, values in (("p", profiles), ("i", items)):
            batch: dict[str, bytes] = {}
            for entity, value in values.items():
                batch[f"feat:b:{version}:{prefix}:{entity}"] = _dumps(value)
                if len(batch) >= _CHUNK:
                    self._kv.set_many(batch, ttl=BATCH_TTL_S)
                    written, batch = written + len(batch), {}
            self._kv.set_many(batch, ttl=BATCH_TTL_S)
            written += len(batch)
        return written

    def publish_batch(self, version: str) -> str | None:
        """Point readers at ``version``; drop the version before the previous one. Returns the
        version that was current before."""
        before = self.current_version()
        self._kv.set(_POINTER, version.encode())
        previous = self._kv.get("feat:b:previous")
        if previous and previous.decode() not in (version, before):
            self._kv.delete_prefix(f"feat:b:{previous.decode()}:")
        if before is not None and before != version:
            self._kv.set("feat:b:previous", before.encode())
        return before

    def current_version(self) -> str | None:
        raw = self._kv.get(_POINTER)
        return raw.decode() if raw else None

    def profile_batch(self, profile_id: int) -> dict[str, Any] | None:
        return self._batch_value("p", profile_id)

    def item_batch(self, title_id: int) -> dict[str, Any] | None:
        return self._batch_value("i", title_id)

    def items_batch(self, title_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        version = self.current_version()
        ids = list(title_ids)
        if version is None or not ids:
            return {}
        raw = self._kv.get_many([f"feat:b:{version}:i:{t}" for t in ids])
        return {t: orjson.loads(v) for t, v in zip(ids, raw, strict=True) if v is not None}

    def _batch_value(self, prefix: str, entity: int) -> dict[str, Any] | None:
        version = self.current_version()
        if version is None:
            return None
        raw = self._kv.get(f"feat:b:{version}:{prefix}:{entity}")
        return None if raw is None else dict(orjson.loads(raw))
