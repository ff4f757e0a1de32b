"""Errors of the recommender (input data, models, the model registry), each naming where."""

from __future__ import annotations

from marquee.errors import Conflict, FieldProblem, MarqueeError, NotFound


class InvalidDataError(MarqueeError):
    """Input data (a CSV file, a MovieLens folder, a parameter) cannot be used as given."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


class UnknownModelError(InvalidDataError):
    """A model name that is not in the registry."""


class ModelVersionNotFound(NotFound):
    """The model registry has no such model name, or no such version of it."""


class PromotionRefused(Conflict):
    """The promotion gate refused a model version: an offline metric regressed too far."""

    def __init__(self, detail: str, *, regressions: list[str]) -> None:
        super().__init__(detail, problems=[FieldProblem("version", r) for r in regressions])
        self.regressions = regressions
