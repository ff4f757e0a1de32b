"""`marquee batch ...`: offline jobs over the lake and the models (features, precompute)."""

from __future__ import annotations

import typer

from marquee.cli.batch_features import features
from marquee.cli.batch_precompute import precompute
from marquee.cli.batch_search import search_index

app = typer.Typer(help="Batch jobs: compute features, precompute recommendation rows.")
app.command("features")(features)
app.command("search-index")(search_index)
app.command("precompute")(precompute)
