"""``marquee worker``: run background jobs (transcodes, ...) until SIGTERM or Ctrl-C."""

from __future__ import annotations

import gc
import signal
from types import FrameType
from typing import Annotated

import typer

from marquee.cli.context import console, opened, state
from marquee.logs import configure_logging
from marquee.worker import Worker, default_loops


def worker(
    ctx: typer.Context,
    concurrency: Annotated[
        int | None,
        typer.Option(
            min=1, max=64, help="Transcode jobs run at once (default: media.transcode_concurrency)."
        ),
    ] = None,
) -> None:
    """Run the job workers. SIGTERM or Ctrl-C stops them: running jobs are handed back to the
    queue for the next worker, nothing half-done is published."""
    settings = state(ctx).settings()
    configure_logging(settings.log_level, as_json=settings.log_json)
    with opened(settings) as container:
        running = Worker(container, default_loops(container, concurrency=concurrency))
        # Start-up objects live as long as the process: keep them out of the collector's scans
        # (they were a large part of the stream processor's CPU time, see bench/README).
        gc.freeze()

        def stop(signum: int, _frame: FrameType | None) -> None:
            running.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        running.start()
        console.print(f"worker running: {', '.join(loop.name for loop in running.loops)}")
        running.wait()
        running.stop()
