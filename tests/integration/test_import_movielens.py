"""MovieLens imports into a real database on both stacks: counts, idempotency, spot checks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marquee.bootstrap import Container
from marquee.services.imports import ImportReport, import_movielens
from marquee.storage.db.tables import (
    Account,
    Genre,
    Interaction,
    Profile,
    Title,
    TitleGenre,
    TitleTag,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _count(container: Container, model: type[object]) -> int:
    with container.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _counts(container: Container) -> dict[str, int]:
    models = {
        "titles": Title,
        "profiles": Profile,
        "accounts": Account,
        "interactions": Interaction,
    }
    return {kind: _count(container, model) for kind, model in models.items()}


def _tiny_ml_1m(root: Path) -> Path:
    d = root / "ml-1m"
    d.mkdir()
    (d / "movies.dat").write_bytes(
        "1::Toy Story (1995)::Animation|Children's|Comedy\n"
        "73::Misérables, Les (1995)::Drama|War\n".encode("latin-1")
    )
    (d / "users.dat").write_text("1::F::1::10::48067\n2::M::25::12::70072\n")
    (d / "ratings.dat").write_text("1::1::5::978300760\n2::73::3::978302109\n2::1::4::978302110\n")
    return d


def test_a_tiny_ml_1m_imports_users_titles_and_ratings_once(
    container: Container, tmp_path: Path
) -> None:
    path = _tiny_ml_1m(tmp_path)
    first = import_movielens(container.db, path, now=NOW)
    assert (first.titles, first.profiles, first.accounts, first.interactions) == (2, 2, 2, 3)
    assert first.genres == 5
    again = import_movielens(container.db, path, now=NOW)
    assert again == ImportReport()
    assert _counts(container) == {"titles": 2, "profiles": 2, "accounts": 2, "interactions": 3}
    with container.db.session() as s:
        profile = s.scalars(select(Profile).where(Profile.external_ref == "ml-1m:user:2")).one()
        assert (profile.name, profile.age_band, profile.country) == ("User 2", "25-34", "US")
        assert profile.attributes == {"gender": "M", "occupation": "programmer", "zip": "70072"}
        account = s.get(Account, profile.account_id)
        assert account is not None
        assert (account.email, account.password_hash, account.role) == (
            "ml-1m-user-2@movielens.invalid",
            None,
            "viewer",
        )
        les = s.scalars(select(Title).where(Title.external_ref == "movielens:movie:73")).one()
        assert (les.name, les.year, les.kind, les.maturity_rating) == (
            "Les Misérables",
            1995,
            "movie",
            "NR",
        )


@pytest.mark.shared_data
@pytest.mark.slow
def test_ml_100k_imports_every_row_once(container: Container, shared_data: Path) -> None:
    path = shared_data / "movielens" / "ml-100k"
    first = import_movielens(container.db, path, now=NOW)
    assert (first.titles, first.profiles, first.interactions) == (1682, 943, 100_000)
    assert import_movielens(container.db, path, now=NOW).total == 0
    assert _counts(container) == {
        "titles": 1682,
        "profiles": 943,
        "accounts": 943,
        "interactions": 100_000,
    }
    with container.db.session() as s:
        toy = s.scalars(select(Title).where(Title.external_ref == "ml-100k:movie:1")).one()
        assert (toy.name, toy.year) == ("Toy Story", 1995)
        genres = s.scalars(
            select(Genre.name).join(TitleGenre).where(TitleGenre.title_id == toy.id)
        ).all()
        assert sorted(genres) == ["Animation", "Children's", "Comedy"]
        user = s.scalars(select(Profile).where(Profile.external_ref == "ml-100k:user:1")).one()
        assert user.age_band == "18-24"
        assert user.attributes == {"gender": "M", "occupation": "technician", "zip": "85711"}
        rating = s.scalars(
            select(Interaction).where(
                Interaction.profile_id
                == select(Profile.id)
                .where(Profile.external_ref == "ml-100k:user:196")
                .scalar_subquery(),
                Interaction.title_id
                == select(Title.id)
                .where(Title.external_ref == "ml-100k:movie:242")
                .scalar_subquery(),
            )
        ).one()
        assert (rating.kind, rating.value, rating.source) == ("rate", 3.0, "ml-100k")
        assert rating.occurred_at == datetime.fromtimestamp(881250949, UTC)
        shawshank = s.scalars(select(Title).where(Title.external_ref == "ml-100k:movie:64")).one()
        assert shawshank.name == "The Shawshank Redemption"


@pytest.mark.shared_data
@pytest.mark.slow
def test_ml_latest_small_imports_every_row_once(container: Container, shared_data: Path) -> None:
    path = shared_data / "movielens" / "ml-latest-small"
    first = import_movielens(container.db, path, now=NOW)
    assert (first.titles, first.profiles, first.interactions) == (9742, 610, 100_836)
    assert first.tags > 0
    assert import_movielens(container.db, path, now=NOW).total == 0
    assert _counts(container) == {
        "titles": 9742,
        "profiles": 610,
        "accounts": 610,
        "interactions": 100_836,
    }
    with container.db.session() as s:
        title = s.scalars(select(Title).where(Title.external_ref == "movielens:movie:318")).one()
        assert (title.name, title.year) == ("The Shawshank Redemption", 1994)
        assert (title.imdb_id, title.tmdb_id) == ("tt0111161", "278")
        tags = s.scalars(select(TitleTag.tag).where(TitleTag.title_id == title.id)).all()
        assert all(tag == tag.strip().lower() and len(tag) <= 100 for tag in tags)
        sources = s.scalars(select(Interaction.source).distinct()).all()
        assert sources == ["ml-latest-small"]
