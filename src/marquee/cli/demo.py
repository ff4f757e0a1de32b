"""``marquee demo``: one command from nothing to a running, populated platform.

Embedded backends under the data directory, a synthetic (or MovieLens) catalog with viewing
history, and three demo logins. Refused in prod mode: the demo password is public.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from marquee.bootstrap import Container
from marquee.cli.context import console, opened, state
from marquee.cli.serve import run_server
from marquee.domain.catalog import TitleKind
from marquee.domain.roles import Role
from marquee.errors import ConfigError, Conflict
from marquee.media.sample import make_sample_clip, sample_subtitles
from marquee.recs.precompute import Precompute
from marquee.services.imports import import_movielens, import_synthetic
from marquee.services.imports.events import ARCHIVE_BATCH
from marquee.services.profiles import ProfileDraft
from marquee.services.viewers import viewer_of
from marquee.storage.db.migrate import upgrade
from marquee.storage.db.tables import Account, MediaAsset, Profile
from marquee.worker import JobRunner, default_loops

DEMO_PASSWORD = "marquee-demo-2026"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: Role
    plan: str | None


DEMO_LOGINS = (
    DemoLogin("viewer@demo.example.com", Role.VIEWER, "standard"),
    DemoLogin("producer@demo.example.com", Role.PRODUCER, None),
    DemoLogin("admin@demo.example.com", Role.ADMIN, "premium"),
)


def populate(
    container: Container, *, movielens: Path | None, profiles: int, titles: int, seed: int
) -> int:
    """Import data unless the catalog already has titles; return how many rows were added."""
    if container.catalog.list_titles(limit=1)[1] > 0:
        return 0
    now = container.clock()
    if movielens is not None:
        report = import_movielens(container.db, movielens, now=now, events=container.events)
    else:
        day = datetime.combine(now.date(), datetime.min.time(), tzinfo=UTC)
        report = import_synthetic(
            container.db,
            profiles=profiles,
            titles=titles,
            seed=seed,
            reference=day,
            now=now,
            events=container.events,
        )
    container.archiver.drain(batch=ARCHIVE_BATCH)  # the history's events into the lake
    return report.total


SAMPLE_SECONDS = 12


def ensure_playable_titles(container: Container) -> int:
    """Give a few titles (one fit for kids) a real HLS ladder, transcoded now; idempotent."""
    with container.db.session() as s:
        if s.query(MediaAsset.id).limit(1).first() is not None:
            return 0
    with container.db.session() as s:  # titles the demo viewer may watch where they live
        country = s.scalars(
            select(Profile.country)
            .join(Account, Account.id == Profile.account_id)
            .where(Account.email == DEMO_LOGINS[0].email)
        ).first()
    newest, _ = container.catalog.list_titles(
        kind=TitleKind.MOVIE, country=country, sort="-year", limit=2
    )
    for_kids, _ = container.catalog.list_titles(
        max_maturity_level=7, country=country, sort="-year", limit=1
    )
    title_ids = list(dict.fromkeys(t.id for t in [*newest, *for_kids]))
    if not title_ids:
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        clip = make_sample_clip(
            Path(scratch) / "sample.mp4",
            ffmpeg_path=container.settings.media.ffmpeg_path,
            seconds=SAMPLE_SECONDS,
        )
        container.blobs.put_file("sources/demo/sample.mp4", clip)
        container.blobs.put_bytes(
            "sources/demo/sample.en.vtt", sample_subtitles(SAMPLE_SECONDS).encode()
        )
    for title_id in title_ids:
        container.media.add_source(
            title_id=title_id,
            source_key="sources/demo/sample.mp4",
            source_bytes=container.blobs.stat("sources/demo/sample.mp4").size,
            subtitles={"en": ("English", "sources/demo/sample.en.vtt")},
        )
    runner = next(loop for loop in default_loops(container) if isinstance(loop, JobRunner))
    runner.drain(threading.Event())
    with container.db.session() as s:
        return s.query(MediaAsset.id).filter(MediaAsset.status == "ready").count()


def personalise(container: Container) -> int:
    """Precompute every profile's rows, then onboard the demo viewer (three picks) the way a new
    subscriber is: after the last batch, so their first homepage is built from the picks."""
    profiles = (
        Precompute(
            db=container.db,
            kv=container.kv,
            settings=container.settings.recs,
            executor=container.compute,
            now=container.clock,
            registry=container.registry,
            allocation=container.experiments.allocation("home"),
            lake=container.lake,
        )
        .run()
        .profiles
    )
    with container.db.session() as s:
        profile = s.scalars(
            select(Profile)
            .join(Account, Account.id == Profile.account_id)
            .where(Account.email == DEMO_LOGINS[0].email, Profile.is_kids.is_(False))
        ).first()
        viewer = viewer_of(profile) if profile is not None else None
    if viewer is not None and not container.onboarding.picks(viewer.profile_id).titles:
        picks = [card.id for card in container.onboarding.choices(viewer)[:3]]
        if len(picks) == 3:
            container.onboarding.save(viewer, title_ids=picks, genres=[])
    return profiles


def ensure_demo_logins(container: Container) -> None:
    """Create the demo accounts (idempotent): a subscribed viewer with a kids profile too."""
    for login in DEMO_LOGINS:
        try:
            account = container.accounts.create_account(
                email=login.email, password=DEMO_PASSWORD, role=login.role
            )
        except Conflict:
            continue  # created by an earlier run
        if login.plan is not None:
            container.billing.subscribe(
                account_id=account.id,
                plan_code=login.plan,
                payment_method="pm_card_ok",
                idempotency_key=f"demo-subscribe-{login.email}",
            )
        if login.role is Role.VIEWER:
            container.accounts.create_profile(
                account_id=account.id, draft=ProfileDraft(name="Kids", is_kids=True)
            )


def demo(
    ctx: typer.Context,
    movielens: Annotated[
        Path | None,
        typer.Option(help="Import this MovieLens directory instead of a synthetic catalog."),
    ] = None,
    profiles: Annotated[int, typer.Option(min=1, help="Synthetic profiles.")] = 300,
    titles: Annotated[int, typer.Option(min=1, help="Synthetic titles.")] = 600,
    seed: Annotated[int, typer.Option(help="Synthetic seed.")] = 7,
    host: Annotated[str, typer.Option(help="Bind address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    serve: Annotated[bool, typer.Option(help="Start the server after preparing.")] = True,
) -> None:
    """Create a data directory, migrate, import data and serve on 127.0.0.1:8000."""
    cli = state(ctx)
    settings = cli.settings()
    if settings.mode == "prod":
        raise ConfigError("mode: the demo creates logins with a public password; use dev mode")
    console.print(f"data directory: {settings.data_dir.resolve()}", soft_wrap=True)
    with opened(settings) as container:
        upgrade(container.db)
        added = populate(
            container, movielens=movielens, profiles=profiles, titles=titles, seed=seed
        )
        ensure_demo_logins(container)
        console.print("transcoding a sample clip for a few titles (once)...")
        playable = ensure_playable_titles(container)
        console.print("precomputing personalised rows...")
        personalised = personalise(container)
        count = container.catalog.list_titles(limit=1)[1]
    console.print(f"catalog: {count:,} titles ({added:,} rows imported now)")
    if playable:
        console.print(f"playable now: {playable} titles with an HLS ladder (see /browse)")
    console.print(f"homepage rows precomputed for {personalised:,} profiles")
    console.print(f"password for every demo login: {DEMO_PASSWORD}")
    for login in DEMO_LOGINS:
        console.print(f"  {login.role.value:<9} {login.email}")
    url = f"http://{host}:{port}"
    console.print(f"API docs: {url}/docs   titles: {url}/v1/titles   ready: {url}/readyz")
    if serve:
        run_server(cli, host=host, port=port)
