"""Session EASE: EASE whose Gram matrix counts titles met in the same sitting, not the same user.

Each user's history is cut into sessions wherever consecutive timestamps lie more than
``gap_s`` seconds apart; the sessions are the rows of the matrix EASE is solved on, so B learns
which titles go together in one sitting (on MovieLens: rated on the same page). Users are
scored as in EASE, history × B. Without timestamps (all 0) a user's history is one session and
the model is plain EASE. It is a blend member (``blend``), weaker alone than EASE.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from marquee.recs.candidates.base import ParamValue
from marquee.recs.candidates.ease import EASE, ease_weights
from marquee.recs.data import Interactions
from marquee.recs.errors import InvalidDataError


class SessionEASE(EASE):
    """EASE over sessions: consecutive events of a user at most ``gap_s`` seconds apart."""

    name = "session_ease"
    search_space: ClassVar[dict[str, list[ParamValue]]] = {"l2": [25.0, 50.0, 100.0, 200.0]}

    def __init__(self, *, l2: float = 50.0, gap_s: float = 10.0) -> None:
        super().__init__(l2=l2, binary=True)
        if gap_s < 0:
            raise InvalidDataError("session_ease.gap_s", "must not be negative")
        # The parameters recorded (and restored by ``load``) are this class's own.
        self.params = {"l2": l2, "gap_s": gap_s}
        self.gap_s = gap_s

    def _fit(self, interactions: Interactions) -> None:
        sessions = session_rows(interactions.matrix, interactions.timestamps, self.gap_s)
        gram = np.asarray((sessions.T @ sessions).todense(), dtype=np.float32)
        gram[np.diag_indices_from(gram)] += np.float32(self.l2)
        self._b = ease_weights(gram)


def session_rows(matrix: sp.csr_matrix, timestamps: np.ndarray, gap_s: float) -> sp.csr_matrix:
    """A binary sessions × items matrix: one row per run of a user's events ≤ ``gap_s`` apart."""
    csr = sp.csr_matrix(matrix)
    users = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
    stamps = np.asarray(timestamps, dtype=np.int64)
    order = np.lexsort((stamps, users))
    users, items, stamps = users[order], csr.indices[order], stamps[order]
    starts = np.ones(users.shape[0], dtype=bool)
    starts[1:] = (users[1:] != users[:-1]) | (np.diff(stamps) > gap_s)
    session = np.cumsum(starts) - 1
    n_sessions = int(session[-1]) + 1 if session.size else 0
    ones = np.ones(items.shape[0], dtype=np.float32)
    out = sp.csr_matrix((ones, (session, items)), shape=(n_sessions, csr.shape[1]))
    out.data[:] = 1.0
    return out
