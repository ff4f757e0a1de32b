"""GDPR erasure: deleting a profile or an account removes it from every store.

The database row goes first, through ``AccountsService`` (its rules: the last profile, the last
admin). Then the profile's events leave the event log and the lake (Iceberg row deletes, older
snapshots expired and their files removed), and its keys leave the online store. A marker in the
online store, written before anything is deleted, records the erasure until every store is done:
if one is unreachable, ``resume_erasures`` (run by the worker's archiver loop) finishes the job.
The archiver drops events of profiles that no longer exist, so events in flight cannot return.

Online-store convention: profile-keyed data lives under ``p:{profile_id}:`` (erased by prefix);
the feature store's keys (``feat:rt:``, ``feat:rts:`` and batch ``feat:b:{version}:p:``) are
erased explicitly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from marquee.clock import Clock
from marquee.features.online import realtime_key, state_key
from marquee.services.accounts import AccountsService
from marquee.storage.eventlog import EventLog
from marquee.storage.kv import OnlineStore
from marquee.storage.lake import Lake

PENDING_KEY = "privacy:erasures"
log = logging.getLogger(__name__)
ProfileEraser = Callable[[int], object]


def profile_prefix(profile_id: int) -> str:
    """The online-store prefix every profile-keyed key should use, so erasure finds it."""
    return f"p:{profile_id}:"


@dataclass(frozen=True)
class ErasureReport:
    """What one erasure removed; ``incomplete`` names stores to be retried."""

    profiles: list[int]
    log_entries: int = 0
    lake_rows: int = 0
    incomplete: list[str] = field(default_factory=list)


class PrivacyService:
    """Erase profiles and accounts everywhere; ``erasers`` add stores other modules own."""

    def __init__(
        self,
        *,
        accounts: AccountsService,
        event_log: EventLog,
        lake: Lake,
        kv: OnlineStore,
        clock: Clock,
        erasers: Sequence[ProfileEraser] = (),
    ) -> None:
        self._accounts = accounts
        self._log = event_log
        self._lake = lake
        self._kv = kv
        self._clock = clock
        self._erasers = list(erasers)

    def delete_profile(self, *, account_id: int, profile_id: int) -> ErasureReport:
        """Delete the caller's profile (404 if not theirs, 409 if it is their last)."""
        self._accounts.get_profile(account_id=account_id, profile_id=profile_id)
        self._mark([profile_id])
        try:
            self._accounts.delete_profile(account_id=account_id, profile_id=profile_id)
        except Exception:
            self._unmark([profile_id])  # refused: nothing was deleted anywhere
            raise
        return self._erase([profile_id])

    def delete_account(self, *, account_id: int, session: str) -> ErasureReport:
        """Delete the account, every profile of it and their data; sessions end at once."""
        profile_ids = [p.id for p in self._accounts.list_profiles(account_id=account_id)]
        self._mark(profile_ids)
        try:
            self._accounts.delete_account(account_id=account_id, session=session)
        except Exception:
            self._unmark(profile_ids)
            raise
        return self._erase(profile_ids)

    def resume_erasures(self) -> list[ErasureReport]:
        """Finish erasures a failed store left incomplete; returns what was done."""
        pending = sorted(int(p) for p in self._kv.hgetall(PENDING_KEY))
        return [self._erase([p]) for p in pending]

    def pending_erasures(self) -> list[int]:
        return sorted(int(p) for p in self._kv.hgetall(PENDING_KEY))

    def _mark(self, profile_ids: Iterable[int]) -> None:
        stamp = self._clock().isoformat().encode()
        fields = {str(p): stamp for p in profile_ids}
        if fields:
            self._kv.hset(PENDING_KEY, fields)

    def _unmark(self, profile_ids: Iterable[int]) -> None:
        self._kv.hdel(PENDING_KEY, [str(p) for p in profile_ids])

    def _erase(self, profile_ids: list[int]) -> ErasureReport:
        log_entries, lake_rows, failed = 0, 0, set[str]()
        done: list[int] = []
        for profile_id in profile_ids:
            failures = []
            try:
                log_entries += self._log.delete_profile(profile_id)
            except Exception:
                failures.append("event log")
            try:
                self._forget_online(profile_id)
            except Exception:
                failures.append("online store")
            if not failures:
                done.append(profile_id)
            failed.update(failures)
        try:
            # One Iceberg commit for all profiles: each erasure rewrites files and expires history.
            lake_rows = self._lake.delete_profiles(profile_ids)
        except Exception:
            failed.add("lake")
            done = []
        if failed:
            log.error("erasure of profiles %s incomplete (%s)", profile_ids, sorted(failed))
        self._unmark(done)
        return ErasureReport(profile_ids, log_entries, lake_rows, sorted(failed))

    def _forget_online(self, profile_id: int) -> None:
        self._kv.delete_prefix(profile_prefix(profile_id))
        keys = [realtime_key(profile_id), state_key(profile_id)]
        for pointer in (b"feat:b:current", b"feat:b:previous"):
            version = self._kv.get(pointer.decode())
            if version:
                keys.append(f"feat:b:{version.decode()}:p:{profile_id}")
        self._kv.delete(keys)
        for eraser in self._erasers:
            eraser(profile_id)
