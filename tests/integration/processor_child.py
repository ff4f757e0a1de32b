"""A stream processor in its own process, for the kill/restart test.

``python -m tests.integration.processor_child EVENTS_URL ONLINE_URL NAMESPACE MODE``: MODE
``run`` processes until its 15th ack, prints ``stuck`` and hangs there, to be killed between a
batch's effects and its ack (the window the effectively-once guarantee is about), whatever the
machine's load; ``drain`` processes until the log is empty and idle, then prints its counters
as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict

from marquee.bootstrap import open_event_log, open_online_store
from marquee.features.online import OnlineFeatures
from marquee.features.processor import StreamProcessor
from marquee.storage.eventlog import EventLog
from tests.features_backends import CATALOG

CLAIM_IDLE_MS = 300
HANG_AT_ACK = 15  # of 60 batches: well into the stream, far from its end


class HangingAcks:
    """The real log, whose ``hang_at``-th ack never happens (0: every ack happens)."""

    def __init__(self, inner: EventLog, hang_at: int) -> None:
        self._inner, self._hang_at, self._acks = inner, hang_at, 0

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def ack(self, group: str, entry_ids: Sequence[str]) -> int:
        self._acks += 1
        if self._acks == self._hang_at:
            print("stuck", flush=True)
            while True:
                time.sleep(1)
        return self._inner.ack(group, entry_ids)


def main(events_url: str, online_url: str, namespace: str, mode: str) -> None:
    log = open_event_log(events_url, namespace=namespace)
    kv = open_online_store(online_url, namespace=namespace)
    processor = StreamProcessor(
        event_log=HangingAcks(log, HANG_AT_ACK if mode == "run" else 0),  # type: ignore[arg-type]
        features=OnlineFeatures(kv, CATALOG),
        batch_size=10,
        claim_idle_ms=CLAIM_IDLE_MS,
    )
    print("ready", flush=True)
    idle_since = time.monotonic()
    while True:
        if processor.step(block_ms=50):
            idle_since = time.monotonic()
        elif mode == "drain" and time.monotonic() - idle_since > 3 * CLAIM_IDLE_MS / 1000:
            break
    print(json.dumps(asdict(processor.stats)), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:5])
