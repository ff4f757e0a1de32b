"""The online feature store over the key-value store: materialisation and lookup.

Key layout (under the store's namespace):

- ``feat:rt:{profile}``: the real-time features as of the profile's newest event (JSON), and
  ``feat:rts:{profile}``: the state they are computed from; written together, TTL from the
  definitions.
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
    return f"feat:rts:{profile_id}"


class OnlineFeatures:
    """Reads and writes every feature the request path and the stream processor need."""

    def __init__(self, kv: OnlineStore, catalog: TitleCatalog) -> None:
        self._kv = kv
        self.catalog = catalog

    # Real-time features (written by the stream processor).

    def load_states(self, profile_ids: Iterable[int]) -> dict[int, ProfileState]:
        ids = list(profile_ids)
        raw = self._kv.get_many([state_key(p) for p in ids])
        return {p: ProfileState.decode(value) for p, value in zip(ids, raw, strict=True)}

    def save_states(self, states: Mapping[int, ProfileState]) -> None:
        """Store each state with the features evaluated from it, in one write."""
        items: dict[str, bytes] = {}
        for profile_id, state in states.items():
            state.prune()
            items[state_key(profile_id)] = state.encode()
            items[realtime_key(profile_id)] = _dumps(evaluate(state, self.catalog.genres))
        self._kv.set_many(items, ttl=RT_TTL_S)

    def realtime(self, profile_id: int, *, at: datetime | None = None) -> dict[str, Any]:
        """The real-time features: as materialised (newest event) or, with ``at``, evaluated as
        of that time from the stored state, so windows that have closed since read as closed."""
        if at is None:
            raw = self._kv.get(realtime_key(profile_id))
            return empty_values() if raw is None else dict(orjson.loads(raw))
        state = ProfileState.decode(self._kv.get(state_key(profile_id)))
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
