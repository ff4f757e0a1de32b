"""Importers: MovieLens datasets and a synthetic platform, written idempotently in bulk."""

from marquee.services.imports.movielens import (
    Dataset,
    DatasetError,
    Layout,
    detect,
    import_movielens,
)
from marquee.services.imports.synthetic import generate, import_synthetic
from marquee.services.imports.writer import ImportReport, ProgressFn

__all__ = [
    "Dataset",
    "DatasetError",
    "ImportReport",
    "Layout",
    "ProgressFn",
    "detect",
    "generate",
    "import_movielens",
    "import_synthetic",
]
