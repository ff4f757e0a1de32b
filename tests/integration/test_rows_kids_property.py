"""Property: whatever the catalog, the history and the data path, a kids profile never gets a
title above its maturity level in any homepage row or More Like This list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marquee.bootstrap import Container
from marquee.domain.catalog import TitleKind
from marquee.domain.maturity import KIDS_MAX_LEVEL, RATING_LEVELS
from marquee.storage.db.tables import Interaction
from tests.conftest import MakeCaller
from tests.home_support import precompute
from tests.recs_catalog import add_profile

GENRES = ["Drama", "Animation", "Family", "Crime"]
catalogs = st.lists(
    st.tuples(
        st.sampled_from(sorted(RATING_LEVELS)),
        st.lists(st.sampled_from(GENRES), min_size=1, max_size=2, unique=True),
    ),
    min_size=1,
    max_size=12,
)
# (profile index, title index, completion): who watched what.
histories = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 11), st.sampled_from([0.3, 1.0])), max_size=25
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(catalog=catalogs, history=histories, precomputed=st.booleans())
def test_kids_never_see_titles_above_their_level_in_rows_or_similar(
    container: Container,
    make_caller: MakeCaller,
    catalog: list[tuple[str, list[str]]],
    history: list[tuple[int, int, float]],
    precomputed: bool,
) -> None:
    titles = [
        container.catalog.create_title(
            kind=TitleKind.MOVIE, name=f"T{n}", maturity_rating=rating, genres=genres
        ).id
        for n, (rating, genres) in enumerate(catalog)
    ]
    caller = make_caller()
    kid = add_profile(container, caller.account_id, "Kid", kids=True)
    profiles = [
        kid,
        add_profile(container, caller.account_id, "A"),
        add_profile(container, caller.account_id, "B"),
    ]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with container.db.session() as s:
        for n, (who, which, completion) in enumerate(history):
            s.add(Interaction(profile_id=profiles[who], title_id=titles[which % len(titles)],
                              kind="play", value=completion,
                              occurred_at=start + timedelta(seconds=n), source="test"))  # fmt: skip
    if precomputed:
        precompute(container)
    container.home.forget()
    levels = {
        c.id: c.maturity_level for c in container.cards.get(range(1, max(titles) + 1)).values()
    }
    page = container.home.home(account_id=caller.account_id, profile_id=kid)
    assert all(item.card.maturity_level <= KIDS_MAX_LEVEL for r in page.rows for item in r.items)
    for title in titles:
        if levels[title] > KIDS_MAX_LEVEL:
            continue
        similar = container.similar.similar(
            account_id=caller.account_id, profile_id=kid, title_id=title
        )
        assert all(item.card.maturity_level <= KIDS_MAX_LEVEL for item in similar)
