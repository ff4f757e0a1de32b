"""An experiment's results: its exposed profiles' outcomes from the lake, analysed per variant,
with the guardrails. Events reach the lake through the archiver, seconds after they happen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import select

from marquee.experiments.analysis import MetricResult, analyse
from marquee.experiments.definitions import Experiment
from marquee.experiments.guardrails import GuardrailResult
from marquee.experiments.outcomes import NEEDED, to_frame, units
from marquee.storage.db import Database
from marquee.storage.db.tables import Genre, TitleGenre
from marquee.storage.lake import Lake


@dataclass(frozen=True)
class Results:
    experiment: Experiment
    computed_at: datetime
    exposed: dict[str, int]  # profiles per variant
    metrics: list[MetricResult]
    guardrails: list[GuardrailResult]


def compute_results(
    experiment: Experiment,
    *,
    lake: Lake,
    db: Database,
    guardrails: list[GuardrailResult],
    now: datetime,
) -> Results:
    names = [v.name for v in experiment.variants]
    frame = _events(experiment, lake)
    unit = units(frame, experiment.key, _genres(db) if len(frame) else {})
    unit = unit[unit["variant"].isin(names)]
    exposed = {n: int((unit["variant"] == n).sum()) for n in names}
    return Results(experiment, now, exposed, analyse(unit, names), guardrails)


def _events(experiment: Experiment, lake: Lake) -> pd.DataFrame:
    """The lake's events from the start to the stop (or now); none before it started."""
    if experiment.started_at is None:
        return to_frame(pd.DataFrame(columns=list(NEEDED)))
    table = lake.scan(since=experiment.started_at, until=experiment.stopped_at, columns=NEEDED)
    return to_frame(table)


def _genres(db: Database) -> dict[int, tuple[str, ...]]:
    out: dict[int, list[str]] = {}
    with db.session() as s:
        for title_id, slug in s.execute(
            select(TitleGenre.title_id, Genre.slug).join(Genre, Genre.id == TitleGenre.genre_id)
        ):
            out.setdefault(title_id, []).append(slug)
    return {t: tuple(g) for t, g in out.items()}
