"""``evaluate``: split a dataset, tune every model on validation, score it once on test."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

from marquee.recs.candidates import make_model, model_class
from marquee.recs.candidates.base import ParamValue
from marquee.recs.candidates.blend import Blend
from marquee.recs.errors import InvalidDataError
from marquee.recs.evaluation.datasets import Dataset
from marquee.recs.evaluation.protocols import make_split
from marquee.recs.evaluation.runner import (
    ModelResult,
    Params,
    StageData,
    prepare,
    run,
    score,
    slices,
    tune,
)

DEFAULT_KS = [1, 5, 10, 20, 50]


@dataclass
class EvalReport:
    dataset: str
    protocol: str
    seed: int
    k: int
    ks: list[int]
    stats: dict[str, int]
    results: list[ModelResult] = field(default_factory=list)
    date: str = ""
    command: str = ""


def _seeded(name: str, params: Params, seed: int) -> Params:
    accepted = inspect.signature(model_class(name).__init__).parameters
    return {**params, "seed": seed} if "seed" in accepted else params


def _params_for(
    name: str,
    valid: StageData,
    *,
    k: int,
    seed: int,
    tuned: dict[str, tuple[Params, list[dict[str, object]]]],
    dataset: Dataset,
    search: bool,
) -> tuple[Params, list[dict[str, object]]]:
    """Tuned parameters for ``name``, memoised; a blend tunes its members first, so its
    coverage floor (``runner.coverage_floor``) is EASE as tuned."""
    if name in tuned:
        return tuned[name]
    base = _seeded(name, {}, seed)
    space: dict[str, list[ParamValue]] | None = None if search else {}
    if name == "blend":
        members = str(inspect.signature(Blend.__init__).parameters["members"].default)
        for member in members.split(","):
            own, _ = _params_for(
                member, valid, k=k, seed=seed, tuned=tuned, dataset=dataset, search=search
            )
            base.update({f"{member}.{key}": value for key, value in own.items()})
    if not search:
        tuned[name] = (base, [])
    else:
        tuned[name] = tune(name, valid, k, item_text=dataset.item_text, base=base, space=space)
    return tuned[name]


def evaluate(
    dataset: Dataset,
    *,
    protocol: str,
    models: list[str],
    k: int = 10,
    seed: int = 42,
    search: bool = True,
    ks: list[int] | None = None,
) -> EvalReport:
    """Every model tuned on the validation stage (unless ``search`` is off), scored on test."""
    ks = sorted({*(ks or DEFAULT_KS), k})
    for name in models:
        model_class(name)  # fail fast on unknown names
        if name == "content" and dataset.item_text is None:
            raise InvalidDataError(
                "--models", "content needs item text (movies / u.item) in --data"
            )
    split = make_split(dataset.ratings, protocol, seed=seed)
    valid = prepare(split.valid, split.items)
    test = prepare(split.test, split.items, dataset.item_genres)
    report = EvalReport(
        dataset.name,
        protocol,
        seed,
        k,
        ks,
        {
            "train_rows": test.snapshot.nnz,
            "train_users": test.snapshot.n_users,
            "items": test.snapshot.n_items,
            "test_users": int(test.users.shape[0]),
            "test_rows": int(test.n_relevant.sum()),
        },
    )
    tuned: dict[str, tuple[Params, list[dict[str, object]]]] = {}
    for name in models:
        params, trials = _params_for(
            name, valid, k=k, seed=seed, tuned=tuned, dataset=dataset, search=search
        )
        model = make_model(name, params, item_text=dataset.item_text)
        recs, fit_s, rec_s = run(model, test, max(ks))
        report.results.append(
            ModelResult(
                name,
                params,
                score(recs, test, ks),
                slices(recs, test, k),
                round(fit_s, 3),
                round(rec_s, 3),
                trials,
            )
        )
    return report
