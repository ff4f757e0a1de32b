"""Candidate models, registered by name: ``make_model("ease", {"l2": 200.0})``."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from marquee.recs.candidates.base import (
    ModelVersion,
    ParamValue,
    Recommender,
    model_class,
    registered,
)
from marquee.recs.candidates.blend import Blend
from marquee.recs.candidates.content import Content
from marquee.recs.candidates.ease import EASE
from marquee.recs.candidates.ials import IALS
from marquee.recs.candidates.neighbours import SAR, ItemKNN
from marquee.recs.candidates.popularity import Popularity, Trending
from marquee.recs.candidates.session_ease import SessionEASE
from marquee.recs.candidates.two_tower import TwoTower, has_torch
from marquee.recs.errors import InvalidDataError

#: What ``best`` means: the strongest model this project ships (see docs/evaluation.md).
BEST = "blend"

__all__ = [
    "BEST",
    "EASE",
    "IALS",
    "SAR",
    "Blend",
    "Content",
    "ItemKNN",
    "ModelVersion",
    "Popularity",
    "Recommender",
    "SessionEASE",
    "Trending",
    "TwoTower",
    "has_torch",
    "load_model",
    "make_model",
    "model_class",
    "registered",
]


def make_model(
    name: str,
    params: Mapping[str, ParamValue] | None = None,
    *,
    item_text: pd.DataFrame | None = None,
) -> Recommender:
    """A fresh model by registry name; ``best`` is an alias of :data:`BEST`."""
    cls = model_class(BEST if name == "best" else name)
    kwargs: dict[str, Any] = dict(params or {})
    accepted = inspect.signature(cls.__init__).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values())
    unknown = [key for key in kwargs if key not in accepted and not takes_any]
    if unknown:
        raise InvalidDataError(f"{cls.name} parameters", f"unknown {', '.join(sorted(unknown))}")
    if uses_item_text(cls) or takes_any:
        kwargs["item_text"] = item_text
    return cls(**kwargs)


def uses_item_text(cls: type[Recommender]) -> bool:
    """Whether ``cls`` takes an ``item_text`` frame (Content needs it, TwoTower uses it)."""
    return bool(getattr(cls, "needs_item_text", False) or getattr(cls, "uses_item_text", False))


def load_model(path: str | Path) -> Recommender:
    """Read a model folder written by ``Recommender.save``, whatever its class."""
    return Recommender.load(path)
