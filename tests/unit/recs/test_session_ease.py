"""Session EASE: sessions are cut by time gaps, and titles of one sitting recommend each other."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from marquee.recs.candidates import EASE, SessionEASE
from marquee.recs.candidates.session_ease import session_rows
from marquee.recs.data import from_ratings

HOUR = 3_600


def test_sessions_break_at_gaps_longer_than_the_limit_and_never_span_users() -> None:
    matrix = sp.csr_matrix(np.array([[1, 1, 1, 0], [0, 1, 0, 1]], dtype=np.float32))
    # User 0 watched items 0 and 2 a minute apart, item 1 a day later; user 1 both at once.
    stamps = np.array([0, 86_400, 60, 500, 500])
    sessions = session_rows(matrix, stamps, gap_s=HOUR).toarray()
    assert sessions.tolist() == [[1, 0, 1, 0], [0, 1, 0, 0], [0, 1, 0, 1]]


def test_without_timestamps_it_recommends_like_ease(ratings: pd.DataFrame) -> None:
    data = from_ratings(ratings.assign(timestamp=0))
    users = np.arange(data.n_users)
    plain, _ = EASE(l2=10.0).fit(data).recommend(users, 5)
    session, _ = SessionEASE(l2=10.0, gap_s=0.0).fit(data).recommend(users, 5)
    np.testing.assert_array_equal(session, plain)


def test_titles_watched_in_one_sitting_outrank_titles_watched_on_other_days() -> None:
    rows = []
    for user in range(20):
        # Everyone watches 1, and 3 a month later; half of them watch 2 right after 1.
        rows += [(user, 1, 5.0, 0), (user, 3, 5.0, 30 * 86_400)]
        rows += [(user, 2, 5.0, 60)] if user % 2 else []
    rows.append((99, 1, 5.0, 0))
    data = from_ratings(pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"]))
    user = data.users.index(np.array([99]))
    by_user, _ = EASE(l2=1.0).fit(data).recommend(user, 2)
    by_session, _ = SessionEASE(l2=1.0, gap_s=HOUR).fit(data).recommend(user, 2)
    assert data.items.raw[by_user[0]].tolist() == [3, 2]
    assert data.items.raw[by_session[0]].tolist() == [2, 3]
