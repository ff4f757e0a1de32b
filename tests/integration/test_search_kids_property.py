"""Property: whatever the catalog and the query, a kids profile never gets a title above its
maturity level from search or autocomplete."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marquee.bootstrap import Container
from marquee.domain.catalog import TitleKind
from marquee.domain.maturity import KIDS_MAX_LEVEL, RATING_LEVELS
from marquee.services.viewers import viewer_of
from marquee.storage.db.tables import Profile
from marquee.storage.search import SearchFilters
from tests.conftest import MakeCaller

WORDS = ["star", "night", "river", "stars", "nite", "rivers", "dragon", "drag", "the", "a"]
GENRES = ["Drama", "Animation", "Family", "Crime"]
titles = st.lists(
    st.tuples(
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join),
        st.sampled_from(sorted(RATING_LEVELS)),
        st.lists(st.sampled_from(GENRES), max_size=2, unique=True),
    ),
    min_size=1,
    max_size=6,
)
queries = st.lists(st.sampled_from([*WORDS, "strs", "rivr", "dr", "s"]), min_size=1, max_size=3)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(batch=titles, query=queries, kind=st.sampled_from([None, "movie"]))
def test_kids_never_see_titles_above_their_level(
    container: Container,
    make_caller: MakeCaller,
    batch: list[tuple[str, str, list[str]]],
    query: list[str],
    kind: str | None,
) -> None:
    for name, rating, genres in batch:
        container.catalog.create_title(
            kind=TitleKind.MOVIE, name=name, maturity_rating=rating, genres=genres
        )
    container.search.refresh()
    caller = make_caller()
    with container.db.session() as s:
        profile = Profile(account_id=caller.account_id, name="Kid", is_kids=True, maturity_level=18)
        s.add(profile)
        s.flush()
        viewer = viewer_of(profile)
    text = " ".join(query)
    page = container.search.search(
        q=text, filters=SearchFilters(kind=kind), viewer=viewer, limit=100
    )
    assert all(r.card.maturity_level <= KIDS_MAX_LEVEL for r in page.results)
    for label in container.search.suggest(q=text, viewer=viewer, limit=20):
        assert label.maturity_level <= KIDS_MAX_LEVEL
