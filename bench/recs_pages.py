"""Precompute's page assembly in process: ``profile_pages`` over a MovieLens split's test users.

    .venv/bin/python bench/recs_pages.py ../shared/data/movielens/ml-100k [--repeat 3]

Fits precompute's models on the split as ``marquee evaluate-page`` does (not timed), then times
``precompute.profile_pages`` for every test user (median of ``--repeat`` runs) and prints
profiles/s with a digest of the pages, so two trees can be compared for speed and for building
the same pages (``PYTHONPATH=<other tree>/src``).
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import orjson

from marquee.config import RecsSettings
from marquee.recs.evaluation.datasets import load_dataset
from marquee.recs.evaluation.page import prepare
from marquee.recs.precompute import profile_pages
from timing import median_time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--protocol", default="later")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = RecsSettings()
    ready = prepare(load_dataset(args.dataset), protocol=args.protocol, seed=42, settings=settings)

    def build() -> list[tuple[int, list[tuple[str, list[int]]]]]:
        pages = profile_pages(ready.profiles, ready.data, ready.models, settings, ready.now)
        return [
            (pid, [(r.key, [p.title_id for p in r.items]) for r in page]) for pid, page in pages
        ]

    pages, seconds = median_time(build, args.repeat)
    digest = hashlib.sha256(orjson.dumps(pages)).hexdigest()[:16]
    print(f"profiles {len(pages)}  median {seconds:.2f} s  {len(pages) / seconds:.1f} profiles/s")
    print(f"pages digest {digest}")


if __name__ == "__main__":
    main()
