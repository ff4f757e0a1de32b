"""Errors about recommendation input data; each message is one line naming the file and field."""

from __future__ import annotations

from marquee.errors import MarqueeError


class InvalidDataError(MarqueeError):
    """Input data (a CSV file, a MovieLens folder, a parameter) cannot be used as given."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


class UnknownModelError(InvalidDataError):
    """A model name that is not in the registry."""
