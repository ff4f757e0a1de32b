"""What every command shares: settings from the global options, a container, console output."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console

from marquee.bootstrap import Container, bootstrap
from marquee.config import Settings, load_settings

console = Console(stderr=False, highlight=False)
err_console = Console(stderr=True, highlight=False)


@dataclass
class CliState:
    config_file: Path | None = None
    data_dir: Path | None = None

    def settings(self, **overrides: object) -> Settings:
        if self.data_dir is not None:
            overrides.setdefault("data_dir", self.data_dir)
        return load_settings(self.config_file, **overrides)


def state(ctx: typer.Context) -> CliState:
    found = ctx.find_object(CliState)
    return found if found is not None else CliState()


@contextmanager
def opened(settings: Settings) -> Iterator[Container]:
    container = bootstrap(settings)
    try:
        yield container
    finally:
        container.close()
