"""The model registry: versions of each trained model with their data snapshot, parameters,
offline metrics and artefact, kept in the blob store, and the promotion gate to serving.

Blob layout (any :class:`BlobStore`: a local directory or S3):

- ``models/{name}/{version}/artefact``: the bytes (a recommender: a tar of its ``save`` folder);
- ``models/{name}/{version}/manifest.json``: what the version is (see :class:`ModelEntry`);
- ``models/{name}/promoted``: the version that serves (see :class:`Promotion`).

A version exists once its manifest does; the artefact is written before it and the promoted
pointer only by :meth:`ModelRegistry.promote`, so a registration that fails half-way is invisible
and changes nothing that serves. A version id is a hash of the name, snapshot and parameters:
registering the same training again returns the version already there.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import tarfile
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from marquee.clock import Clock
from marquee.errors import InvalidInput
from marquee.recs.candidates.base import ParamValue, Recommender
from marquee.recs.errors import InvalidDataError, ModelVersionNotFound, PromotionRefused
from marquee.storage.blob import BlobNotFound, BlobStore

log = logging.getLogger(__name__)

PREFIX = "models"
POINTER = "promoted"
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_MODEL_FILES = ("model.json", "model.npz")  # what Recommender.save writes


@dataclass(frozen=True)
class ModelEntry:
    """One registered version: what it was trained on, how it scored, where its bytes are."""

    name: str
    version: str
    kind: str  # "recommender:{model}" for candidate models, else what the caller said
    snapshot_id: str
    params: dict[str, ParamValue]
    metrics: dict[str, float]
    created_at: datetime
    artefact_bytes: int
    artefact_sha256: str

    def encode(self) -> bytes:
        data = asdict(self) | {"created_at": self.created_at.isoformat()}
        return json.dumps(data, indent=2, sort_keys=True).encode() + b"\n"

    @classmethod
    def decode(cls, raw: bytes) -> ModelEntry:
        data: dict[str, Any] = json.loads(raw)
        data["created_at"] = datetime.fromisoformat(data["created_at"])
        return cls(**data)


@dataclass(frozen=True)
class Promotion:
    """The promoted pointer: which version serves, since when, and how it got there."""

    name: str
    version: str
    promoted_at: datetime
    previous: str | None = None
    forced: bool = False
    regressions: list[str] = field(default_factory=list)  # overridden by ``forced``

    def encode(self) -> bytes:
        return json.dumps(asdict(self) | {"promoted_at": self.promoted_at.isoformat()}).encode()

    @classmethod
    def decode(cls, raw: bytes) -> Promotion:
        data: dict[str, Any] = json.loads(raw)
        data["promoted_at"] = datetime.fromisoformat(data["promoted_at"])
        return cls(**data)


@dataclass(frozen=True)
class ModelHistory:
    """A name's versions, newest first, and its promoted pointer (None before a promotion)."""

    name: str
    versions: list[ModelEntry]
    promoted: Promotion | None


def regressions(
    candidate: Mapping[str, float],
    baseline: Mapping[str, float],
    *,
    metrics: Sequence[str],
    tolerance: float,
) -> list[str]:
    """Why ``candidate`` may not replace ``baseline``: one line per gated metric that dropped by
    more than ``tolerance`` (relative), or that the candidate lacks. Higher is better for every
    gated metric; a metric the baseline lacks is not gated."""
    found = []
    for metric in metrics:
        if metric not in baseline:
            continue
        before = baseline[metric]
        if metric not in candidate:
            found.append(f"{metric}: not measured (promoted version: {before:.4f})")
            continue
        after = candidate[metric]
        floor = before * (1.0 - tolerance)
        if after < floor:
            change = (after - before) / before if before else 0.0
            found.append(
                f"{metric}: {after:.4f} vs {before:.4f} promoted ({change:+.1%}, "
                f"tolerance {tolerance:.1%})"
            )
    return found


def pack_model(model: Recommender) -> bytes:
    """A fitted recommender as one artefact: an uncompressed tar of its ``save`` folder."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="marquee-model-") as tmp:
        folder = model.save(Path(tmp))
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for name in _MODEL_FILES:
                tar.add(folder / name, arcname=name)
    return buffer.getvalue()


def unpack_model(artefact: bytes) -> Recommender:
    """The recommender in an artefact written by :func:`pack_model`."""
    with tempfile.TemporaryDirectory(prefix="marquee-model-") as tmp:
        try:
            with tarfile.open(fileobj=io.BytesIO(artefact), mode="r") as tar:
                # Only the two known members, read by name: nothing else is ever written.
                for name in _MODEL_FILES:
                    member = tar.extractfile(name)
                    if member is None:
                        raise KeyError(name)
                    (Path(tmp) / name).write_bytes(member.read())
        except (tarfile.TarError, KeyError) as exc:
            raise InvalidDataError("artefact", f"not a packed model ({exc})") from exc
        return Recommender.load(tmp)


def version_id(name: str, snapshot: str, params: Mapping[str, ParamValue]) -> str:
    """The same training (name, data snapshot, parameters) always gets the same version."""
    text = json.dumps([name, snapshot, dict(params)], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class ModelRegistry:
    """Register versions, list and read them, and promote one per name through the gate."""

    def __init__(
        self,
        blobs: BlobStore,
        *,
        metrics: Sequence[str],
        tolerance: float,
        clock: Clock,
    ) -> None:
        self._blobs, self._clock = blobs, clock
        self.metrics, self.tolerance = list(metrics), tolerance

    # -- writes ----------------------------------------------------------------------------

    def register(
        self,
        *,
        name: str,
        artefact: bytes,
        snapshot: str,
        params: Mapping[str, ParamValue],
        metrics: Mapping[str, float],
        kind: str = "bytes",
        version: str | None = None,
    ) -> ModelEntry:
        """Store a version (artefact first, manifest last); an existing version is returned as
        it is. Works for any bytes: the ranker registers its booster this way."""
        _check(NAME, "name", name)
        version = _check(VERSION, "version", version or version_id(name, snapshot, params))
        if version == POINTER:
            raise InvalidInput.on("version", f"{POINTER!r} is reserved")
        manifest = self._key(name, version, "manifest.json")
        if self._blobs.exists(manifest):
            return self.get(name, version)
        entry = ModelEntry(
            name=name,
            version=version,
            kind=kind,
            snapshot_id=snapshot,
            params=dict(params),
            metrics={k: float(v) for k, v in metrics.items()},
            created_at=self._clock(),
            artefact_bytes=len(artefact),
            artefact_sha256=hashlib.sha256(artefact).hexdigest(),
        )
        self._blobs.put_bytes(self._key(name, version, "artefact"), artefact)
        self._blobs.put_bytes(manifest, entry.encode())
        return entry

    def register_model(
        self, name: str, model: Recommender, *, metrics: Mapping[str, float]
    ) -> ModelEntry:
        """Register a fitted candidate model under ``name`` (a serving slot, e.g. top-picks)."""
        if model.version is None:
            raise InvalidDataError(name, "the model is not fitted")
        return self.register(
            name=name,
            artefact=pack_model(model),
            snapshot=model.version.snapshot_id,
            params={"model": model.name, **model.params},
            metrics=metrics,
            kind=f"recommender:{model.name}",
        )

    def promote(
        self, name: str, version: str, *, force: bool = False, gate: Sequence[str] | None = None
    ) -> Promotion:
        """Make ``version`` the one that serves. Refused (:class:`PromotionRefused`) when a gated
        metric (``gate``, else the configured ones) regressed beyond the tolerance against the
        promoted version, unless ``force``; the first version of a name always promotes.
        Promoting the promoted version is a no-op."""
        entry = self.get(name, version)
        before = self.promoted(name)
        if before is None:
            return self._point(Promotion(name, version, self._clock()))
        if before.version == version:
            return before
        baseline = self.get(name, before.version)
        gated = self.metrics if gate is None else list(gate)
        found = regressions(
            entry.metrics, baseline.metrics, metrics=gated, tolerance=self.tolerance
        )
        if found and not force:
            detail = f"{name} {version} is worse than promoted {before.version}"
            raise PromotionRefused(f"{detail}: {'; '.join(found)}", regressions=found)
        if found:
            log.warning("forced promotion of %s %s despite: %s", name, version, "; ".join(found))
        return self._point(
            Promotion(name, version, self._clock(), before.version, bool(found), found)
        )

    def _point(self, promotion: Promotion) -> Promotion:
        # The pointer is one object: readers see the old version or the new one, never a mix.
        self._blobs.put_bytes(self._key(promotion.name, POINTER), promotion.encode())
        log.info(
            "promoted %s %s (previous %s)", promotion.name, promotion.version, promotion.previous
        )
        return promotion

    def prune(self, name: str, *, keep: int) -> list[str]:
        """Delete all but the ``keep`` newest versions, never the promoted one; returns the
        versions deleted. Manifest first, so a half-deleted version is already invisible."""
        pointer = self.promoted(name)
        old = [e.version for e in self.versions(name)[max(keep, 0) :]]
        doomed = [v for v in old if pointer is None or v != pointer.version]
        for version in doomed:
            self._blobs.delete(self._key(name, version, "manifest.json"))
            self._blobs.delete_prefix(self._key(name, version) + "/")
        return doomed

    # -- reads -----------------------------------------------------------------------------

    def names(self) -> list[str]:
        """Every name with at least one registered version, sorted."""
        found = {key.split("/")[1] for key in self._manifests(f"{PREFIX}/")}
        return sorted(found)

    def versions(self, name: str) -> list[ModelEntry]:
        """Every version of ``name``, newest first; [] for an unknown name."""
        _check(NAME, "name", name)
        entries = [
            ModelEntry.decode(self._blobs.get_bytes(key))
            for key in self._manifests(f"{PREFIX}/{name}/")
        ]
        return sorted(entries, key=lambda e: (e.created_at, e.version), reverse=True)

    def history(self, name: str) -> ModelHistory:
        """A name's versions and its promoted pointer; ModelVersionNotFound for an unknown name."""
        versions = self.versions(name)
        if not versions:
            raise ModelVersionNotFound(f"no model called {name!r}")
        return ModelHistory(name, versions, self.promoted(name))

    def histories(self) -> list[ModelHistory]:
        return [self.history(name) for name in self.names()]

    def get(self, name: str, version: str) -> ModelEntry:
        _check(NAME, "name", name)
        _check(VERSION, "version", version)
        try:
            return ModelEntry.decode(
                self._blobs.get_bytes(self._key(name, version, "manifest.json"))
            )
        except BlobNotFound:
            raise ModelVersionNotFound(f"no version {version!r} of model {name!r}") from None

    def promoted(self, name: str) -> Promotion | None:
        _check(NAME, "name", name)
        try:
            return Promotion.decode(self._blobs.get_bytes(self._key(name, POINTER)))
        except BlobNotFound:
            return None

    def artefact(self, name: str, version: str) -> bytes:
        self.get(name, version)
        return self._blobs.get_bytes(self._key(name, version, "artefact"))

    def load_model(self, name: str, version: str) -> Recommender:
        """The candidate model a version holds (registered with :meth:`register_model`)."""
        return unpack_model(self.artefact(name, version))

    def _manifests(self, prefix: str) -> list[str]:
        return [k for k in self._blobs.list(prefix) if k.endswith("/manifest.json")]

    @staticmethod
    def _key(name: str, *parts: str) -> str:
        return "/".join([PREFIX, name, *parts])


def _check(pattern: re.Pattern[str], what: str, value: str) -> str:
    if not pattern.match(value):
        raise InvalidInput.on(what, f"must match {pattern.pattern}")
    return value
