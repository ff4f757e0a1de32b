"""``ExperimentService``: experiment definitions in the database, the lifecycle, in-process
cached assignment for the request path, guardrail figures and results."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from marquee.clock import Clock
from marquee.config import RecsSettings
from marquee.errors import Conflict, NotFound
from marquee.experiments.assignment import Allocation, Assignment
from marquee.experiments.definitions import (
    SURFACES,
    Experiment,
    ExperimentDraft,
    Guardrails,
    Status,
    Variant,
    validate,
)
from marquee.experiments.guardrails import GuardrailMonitor
from marquee.experiments.results import Results, compute_results
from marquee.storage.db import Database
from marquee.storage.db.tables import Experiment as ExperimentRow
from marquee.storage.lake import Lake

REFRESH_S = 30.0  # how stale the request path's view of running experiments may be


class ExperimentService:
    def __init__(
        self,
        *,
        db: Database,
        lake: Lake,
        settings: RecsSettings,
        configs: Collection[str],
        clock: Clock,
        refresh_s: float = REFRESH_S,
    ) -> None:
        self._db, self._lake, self._settings, self._clock = db, lake, settings, clock
        self._configs, self._refresh_s = frozenset(configs), refresh_s
        self._lock = threading.Lock()
        self._allocations: dict[str, Allocation] = {}
        self._loaded_at = -float("inf")
        self.guardrails = GuardrailMonitor()

    # -- definitions and lifecycle ---------------------------------------------------------

    def create(self, draft: ExperimentDraft) -> Experiment:
        validate(draft, self._configs)
        row = ExperimentRow(
            key=draft.key,
            description=draft.description,
            surface=draft.surface,
            salt=draft.salt or draft.key,
            status=Status.DRAFT.value,
            variants=[v.to_json() for v in draft.variants],
            max_error_rate=draft.guardrails.max_error_rate,
            max_p99_ms=draft.guardrails.max_p99_ms,
            created_at=self._clock(),
        )
        try:
            with self._db.session() as s:
                s.add(row)
                s.flush()
                return _experiment(row)
        except IntegrityError:
            raise Conflict(f"an experiment with key {draft.key!r} exists") from None

    def list(self) -> list[Experiment]:
        with self._db.session() as s:
            rows = s.scalars(select(ExperimentRow).order_by(ExperimentRow.id.desc()))
            return [_experiment(r) for r in rows]

    def get(self, key: str) -> Experiment:
        with self._db.session() as s:
            return _experiment(self._row(s, key))

    def start(self, key: str) -> Experiment:
        try:
            with self._db.session() as s:
                row = self._row(s, key)
                if row.status != Status.DRAFT:
                    raise Conflict(f"experiment {key!r} is {row.status}: only a draft can start")
                running = s.scalar(
                    select(ExperimentRow.key).where(
                        ExperimentRow.surface == row.surface,
                        ExperimentRow.status == Status.RUNNING.value,
                    )
                )
                if running is not None:
                    raise Conflict(f"experiment {running!r} is already running on {row.surface}")
                row.status, row.started_at = Status.RUNNING.value, self._clock()
                s.flush()
                started = _experiment(row)
        except IntegrityError:  # another process started one on this surface at the same time
            raise Conflict(f"another experiment is already running on {key!r}'s surface") from None
        self.refresh()
        return started

    def stop(self, key: str) -> Experiment:
        with self._db.session() as s:
            row = self._row(s, key)
            if row.status != Status.RUNNING:
                raise Conflict(f"experiment {key!r} is {row.status}: only a running one can stop")
            row.status, row.stopped_at = Status.STOPPED.value, self._clock()
            s.flush()
            stopped = _experiment(row)
        self.refresh()
        return stopped

    @staticmethod
    def _row(session: Session, key: str) -> ExperimentRow:
        row = session.scalar(select(ExperimentRow).where(ExperimentRow.key == key))
        if row is None:
            raise NotFound(f"no experiment {key!r}")
        return row

    # -- assignment (the request path: no query but one refresh every ``refresh_s``) -------

    def allocation(self, surface: str) -> Allocation:
        if self._due():
            self.refresh(keep_on_error=True)
        return self._known(surface)

    def _due(self) -> bool:
        return time.monotonic() - self._loaded_at >= self._refresh_s

    def _known(self, surface: str) -> Allocation:
        with self._lock:
            found = self._allocations.get(surface)
        return found or Allocation.from_settings(self._settings, surface)

    def refresh(self, *, keep_on_error: bool = False) -> None:
        """Reread the running experiments now (after start/stop, and every ``refresh_s``)."""
        try:
            with self._db.session() as s:
                rows = s.scalars(
                    select(ExperimentRow).where(ExperimentRow.status == Status.RUNNING.value)
                )
                running = [_experiment(r) for r in rows]
        except SQLAlchemyError:
            if not keep_on_error:
                raise
            running = None  # the database is down: serve from what was known
        with self._lock:
            self._loaded_at = time.monotonic()
            if running is not None:
                by_surface = {e.surface: e for e in running}
                self._allocations = {
                    surface: Allocation.from_settings(
                        self._settings, surface, by_surface.get(surface)
                    )
                    for surface in {*SURFACES, *by_surface}
                }

    def assign(self, surface: str, profile_id: int) -> Assignment:
        return self.allocation(surface).assign(profile_id)

    def cached(self, surface: str, profile_id: int) -> Assignment | None:
        """``assign`` without I/O: None when the running experiments are due to be reread."""
        return None if self._due() else self._known(surface).assign(profile_id)

    def started(self, assignment: Assignment) -> None:
        """A request served under ``assignment`` began: counted for the guardrails."""
        if assignment.experiment is not None:
            self.guardrails.started(assignment.experiment, assignment.variant)

    def observe(self, assignment: Assignment, seconds: float) -> None:
        if assignment.experiment is not None:
            self.guardrails.finished(assignment.experiment, assignment.variant, seconds)

    # -- results ---------------------------------------------------------------------------

    def results(self, key: str) -> Results:
        experiment = self.get(key)
        return compute_results(
            experiment,
            lake=self._lake,
            db=self._db,
            guardrails=self.guardrails.evaluate(experiment),
            now=self._clock(),
        )


def _experiment(row: ExperimentRow) -> Experiment:
    return Experiment(
        key=row.key,
        surface=row.surface,
        salt=row.salt,
        variants=tuple(Variant.from_json(v) for v in row.variants),
        description=row.description,
        status=Status(row.status),
        guardrails=Guardrails(row.max_error_rate, row.max_p99_ms),
        created_at=row.created_at,
        started_at=row.started_at,
        stopped_at=row.stopped_at,
    )
