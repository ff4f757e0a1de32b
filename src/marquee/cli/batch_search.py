"""`marquee batch search-index`: rebuild the search index from the catalog."""

from __future__ import annotations

import time

import typer

from marquee.cli.context import console, opened, state


def search_index(ctx: typer.Context) -> None:
    """Rewrite every search document (with fresh popularity) and the autocomplete labels.

    Searches refresh changed titles on their own; run this after bulk imports or renames of
    people, which the incremental refresh does not see.
    """
    with opened(state(ctx).settings()) as container:
        started = time.perf_counter()
        written = container.search.rebuild()
    console.print(f"indexed {written} titles in {time.perf_counter() - started:.1f} s")
