"""The synthetic platform: deterministic per seed, believable shapes, idempotent on both stacks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from marquee.bootstrap import Container
from marquee.domain.maturity import KIDS_MAX_LEVEL
from marquee.errors import InvalidInput
from marquee.services.imports import generate, import_synthetic
from marquee.storage.db.tables import Interaction, Profile, Title

REFERENCE = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_same_seed_generates_the_same_platform() -> None:
    one = generate(profiles=40, titles=80, seed=11, reference=REFERENCE)
    two = generate(profiles=40, titles=80, seed=11, reference=REFERENCE)
    assert one.catalog.titles == two.catalog.titles
    assert one.profiles == two.profiles
    assert one.interactions == two.interactions
    other = generate(profiles=40, titles=80, seed=12, reference=REFERENCE)
    assert other.interactions != one.interactions


def test_history_lies_in_the_180_days_before_the_reference() -> None:
    platform = generate(profiles=60, titles=120, seed=3, reference=REFERENCE)
    times = [row["occurred_at"] for row in platform.interactions]
    assert min(times) >= REFERENCE - timedelta(days=180)
    assert max(times) <= REFERENCE


def test_catalog_mixes_kinds_and_popularity_is_skewed() -> None:
    catalog = generate(profiles=10, titles=400, seed=5, reference=REFERENCE).catalog
    kinds = [t["kind"] for t in catalog.titles]
    assert kinds.count("movie") > kinds.count("series") > kinds.count("documentary") > 0
    shares = sorted(catalog.popularity, reverse=True)
    assert sum(shares[:40]) > 0.5  # the top 10% of titles draw most of the attention


def test_zero_profiles_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="profiles"):
        generate(profiles=0, titles=10, seed=1, reference=REFERENCE)


def test_imported_platform_has_believable_shapes(container: Container) -> None:
    report = import_synthetic(
        container.db, profiles=50, titles=100, seed=7, reference=REFERENCE, now=REFERENCE
    )
    assert (report.profiles, report.titles) == (50, 100)
    assert report.interactions > 50
    assert report.seasons > 0
    assert report.episodes > 0
    with container.db.session() as s:
        idle = s.scalar(
            select(func.count())
            .select_from(Profile)
            .where(~select(Interaction.id).where(Interaction.profile_id == Profile.id).exists())
        )
        assert idle == 0
        low, high = s.execute(
            select(func.min(Interaction.value), func.max(Interaction.value)).where(
                Interaction.kind == "play"
            )
        ).one()
        assert low >= 0.0
        assert high <= 1.0
        kinds = set(s.scalars(select(Interaction.kind).distinct()))
        assert {"play", "rate"} <= kinds
        assert kinds & {"thumbs_up", "thumbs_down"}
        for series in s.scalars(select(Title).where(Title.kind == "series")):
            assert 2 <= len(series.seasons) <= 4
            assert all(6 <= len(season.episodes) <= 10 for season in series.seasons)
        kids = s.scalars(select(Profile.id).where(Profile.is_kids)).all()
        assert kids
        watched = s.scalar(
            select(func.max(Title.maturity_level))
            .join(Interaction, Interaction.title_id == Title.id)
            .where(Interaction.profile_id.in_(kids))
        )
        assert watched is not None
        assert watched <= KIDS_MAX_LEVEL


def test_importing_the_same_seed_again_adds_nothing(container: Container) -> None:
    args = {"profiles": 20, "titles": 30, "seed": 9, "reference": REFERENCE, "now": REFERENCE}
    import_synthetic(container.db, **args)  # type: ignore[arg-type]
    again = import_synthetic(container.db, **args)  # type: ignore[arg-type]
    assert again.total == 0
    with container.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Title)) == 30
        assert s.scalar(select(func.count()).select_from(Profile)) == 20
