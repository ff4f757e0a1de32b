"""``marquee batch search-index``: a full rebuild picks up what incremental refreshes miss."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update
from typer.testing import CliRunner

from marquee.bootstrap import bootstrap
from marquee.cli import app as cli
from marquee.config import load_settings
from marquee.storage.db.tables import Person
from marquee.storage.search import SearchFilters
from tests.recs_catalog import seed_catalog


def test_rebuild_sees_a_renamed_person(data_dir: Path) -> None:
    container = bootstrap(load_settings(None, data_dir=data_dir))
    try:
        seed_catalog(container)
        container.search.rebuild()
        with container.db.session() as s:
            s.execute(update(Person).where(Person.name == "Tom Hanks").values(name="Thomas Hanks"))
    finally:
        container.close()
    result = CliRunner().invoke(cli.app, ["--data-dir", str(data_dir), "batch", "search-index"])
    assert result.exit_code == 0, result.output
    assert "indexed 12 titles" in result.output
    container = bootstrap(load_settings(None, data_dir=data_dir))
    try:
        page = container.search.search(q="thomas", filters=SearchFilters(), viewer=None)
        assert {r.card.name for r in page.results} == {"Toy Story", "Cast Away"}
    finally:
        container.close()
