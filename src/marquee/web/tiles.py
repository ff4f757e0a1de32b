"""What a row of posters is made of, whichever source (serving or fallback) filled it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Tile:
    """One poster in a row: where it leads, and how far the profile got (Continue Watching)."""

    title_id: int
    name: str
    meta: str = ""
    href: str = ""
    progress: float | None = None  # 0..1 of the item watched
    caption: str = ""  # "S1:E2 · 12 min left"
    kind: str = "movie"

    @property
    def play_href(self) -> str:
        """Straight to the player for a movie; a series' page picks the episode."""
        return f"/watch/{self.title_id}" if self.kind == "movie" else self.link

    @property
    def link(self) -> str:
        return self.href or f"/title/{self.title_id}"


@dataclass(frozen=True)
class Row:
    key: str
    title: str
    explanation: str
    tiles: list[Tile] = field(default_factory=list)
