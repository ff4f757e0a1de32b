"""Check-then-act rules hold under concurrency on SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
from collections.abc import Callable

from marquee.bootstrap import Container
from marquee.errors import ApiError
from marquee.services.profiles import ProfileDraft
from marquee.storage.db.tables import Profile
from tests.conftest import MakeCaller


def _race(calls: list[Callable[[], object]]) -> list[str]:
    """Run the calls at once; return "ok" or the error class name of each."""
    outcomes: list[str] = []
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> None:
        start.wait()
        try:
            call()
            outcomes.append("ok")
        except ApiError as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_concurrent_profile_creation_stops_at_five(
    container: Container, make_caller: MakeCaller
) -> None:
    account = make_caller("viewer").account_id
    with container.db.session() as s:
        s.add(Profile(account_id=account, name="first"))
    outcomes = _race(
        [
            lambda i=i: container.accounts.create_profile(
                account_id=account, draft=ProfileDraft(name=f"p{i}")
            )
            for i in range(10)
        ]
    )
    assert outcomes.count("ok") == 4
    assert len(container.accounts.list_profiles(account_id=account)) == 5


def test_concurrent_deletes_keep_the_last_profile(
    container: Container, make_caller: MakeCaller
) -> None:
    account = make_caller("viewer").account_id
    with container.db.session() as s:
        s.add_all(
            [Profile(account_id=account, name="one"), Profile(account_id=account, name="two")]
        )
    ids = [p.id for p in container.accounts.list_profiles(account_id=account)]
    _race(
        [
            lambda pid=pid: container.accounts.delete_profile(account_id=account, profile_id=pid)
            for pid in ids
        ]
    )
    assert len(container.accounts.list_profiles(account_id=account)) == 1


def test_two_admins_deleting_themselves_at_once_leave_one_admin(
    container: Container, make_caller: MakeCaller
) -> None:
    admins = [make_caller("admin").account_id for _ in range(2)]
    outcomes = _race(
        [lambda a=a: container.accounts.delete_account(account_id=a, session="s") for a in admins]
    )
    assert sorted(outcomes) == ["Conflict", "ok"]


def test_two_admins_demoting_each_other_at_once_leave_one_admin(
    container: Container, make_caller: MakeCaller
) -> None:
    first, second = (make_caller("admin").account_id for _ in range(2))
    outcomes = _race(
        [
            lambda: container.accounts.update_account(
                actor_id=first, account_id=second, role=None, is_active=False
            ),
            lambda: container.accounts.update_account(
                actor_id=second, account_id=first, role=None, is_active=False
            ),
        ]
    )
    assert sorted(outcomes) == ["Conflict", "ok"]
