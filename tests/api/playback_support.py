"""Playback test fixtures: a real HLS ladder (made once per test process), published titles and
subscribed viewers."""

from __future__ import annotations

import secrets
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marquee.bootstrap import Container
from marquee.config import MediaSettings
from marquee.domain.catalog import TitleKind
from marquee.domain.media import Manifest
from marquee.media.pipeline import TranscodeRequest, transcode
from marquee.media.runner import find_ffmpeg
from marquee.media.sidecars import SidecarInput
from marquee.services.catalog_writes import WindowSpec
from marquee.services.profiles import ProfileDraft
from marquee.storage.db.tables import MediaAsset
from tests.conftest import Caller, MakeCaller

DURATION_S = 2
SUBTITLES = "WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nHello from the test pattern\n"
_LADDER: dict[str, Rendition] = {}


@dataclass(frozen=True)
class Rendition:
    """A transcoded 1080p source (rungs 240p-1080p + English subtitles) on local disk."""

    folder: Path
    manifest: Manifest


def rendition(factory: pytest.TempPathFactory) -> Rendition:
    """The ladder, transcoded by the real pipeline the first time a test asks for it."""
    if "ladder" not in _LADDER:
        folder = factory.mktemp("ladder")
        source = folder / "source.mp4"
        args = [
            find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=25:duration={DURATION_S}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={DURATION_S}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", str(source),
        ]  # fmt: skip
        subprocess.run(args, check=True, capture_output=True, timeout=120)
        vtt = folder / "en.vtt"
        vtt.write_text(SUBTITLES)
        request = TranscodeRequest(
            source=source,
            out_dir=folder / "out",
            prefix="media/template",
            settings=MediaSettings(x264_preset="ultrafast"),
            subtitles=[SidecarInput(language="en", label="English", path=vtt)],
        )
        _LADDER["ladder"] = Rendition(folder / "out", transcode(request))
    return _LADDER["ladder"]


def publish(
    container: Container, ladder: Rendition, *, title_id: int, episode_id: int | None = None
) -> int:
    """Store the ladder under its own prefix and insert a ready asset; returns its id."""
    prefix = f"media/{title_id}/{episode_id or 0}/{secrets.token_hex(3)}"
    for path in sorted(ladder.folder.rglob("*")):
        if path.is_file():
            container.blobs.put_file(f"{prefix}/{path.relative_to(ladder.folder).as_posix()}", path)
    manifest = {**ladder.manifest.to_json(), "prefix": prefix}
    with container.db.session() as s:
        asset = MediaAsset(
            title_id=title_id,
            episode_id=episode_id,
            status="ready",
            source_key=f"{prefix}/source.mp4",
            source_bytes=1,
            manifest=manifest,
            duration_s=ladder.manifest.duration_s,
            ready_at=container.clock(),
        )
        s.add(asset)
        s.flush()
        return asset.id


def movie(
    container: Container,
    ladder: Rendition | None,
    *,
    rating: str = "PG",
    countries: list[str] | None = None,
    downloadable: bool = False,
    name: str | None = None,
) -> int:
    title = container.catalog.create_title(
        kind=TitleKind.MOVIE,
        name=name or f"Film {secrets.token_hex(3)}",
        maturity_rating=rating,
        downloadable=downloadable,
        availability=[WindowSpec(country=c) for c in countries or []],
    )
    if ladder is not None:
        publish(container, ladder, title_id=title.id)
    return title.id


def series(container: Container, ladder: Rendition, *, episodes: int) -> tuple[int, list[int]]:
    """A one-season series whose episodes are all playable; (title id, episode ids in order)."""
    title = container.catalog.create_title(
        kind=TitleKind.SERIES, name=f"Series {secrets.token_hex(3)}", maturity_rating="TV-PG"
    )
    container.catalog.add_season(title_id=title.id, number=1)
    ids = []
    for number in range(1, episodes + 1):
        episode = container.catalog.add_episode(
            title_id=title.id, season_number=1, number=number, name=f"Episode {number}"
        )
        publish(container, ladder, title_id=title.id, episode_id=episode.id)
        ids.append(episode.id)
    return title.id, ids


@dataclass(frozen=True)
class Viewer:
    caller: Caller
    profile_id: int

    @property
    def headers(self) -> dict[str, str]:
        return self.caller.headers


def viewer(
    container: Container,
    make_caller: MakeCaller,
    *,
    plan: str | None = "basic",
    kids: bool = False,
    country: str = "US",
) -> Viewer:
    """A viewer account with one profile and, unless ``plan`` is None, a trial of ``plan``."""
    caller = make_caller("viewer")
    profile = container.accounts.create_profile(
        account_id=caller.account_id,
        draft=ProfileDraft(name="Kim" if kids else "Ana", is_kids=kids, country=country),
    )
    if plan is not None:
        container.billing.subscribe(
            account_id=caller.account_id,
            plan_code=plan,
            payment_method="pm_card_ok",
            idempotency_key=secrets.token_hex(8),
        )
    return Viewer(caller, profile.id)


def start(client: TestClient, who: Viewer, title_id: int, **extra: Any) -> Any:
    body = {"profile_id": who.profile_id, "title_id": title_id, **extra}
    return client.post("/v1/playback", json=body, headers=who.headers)


def started(client: TestClient, who: Viewer, title_id: int, **extra: Any) -> dict[str, Any]:
    response = start(client, who, title_id, **extra)
    assert response.status_code == 201, response.json()
    body: dict[str, Any] = response.json()
    return body


def beat(client: TestClient, who: Viewer, session_id: str, **report: Any) -> Any:
    return client.post(
        f"/v1/playback/{session_id}/heartbeat",
        json={"position_s": 0, **report},
        headers=who.headers,
    )


def playlist_uris(text: str) -> list[str]:
    """Every URI of a playlist: lines that are not tags, and URI="..." attributes."""
    uris = [line for line in text.splitlines() if line and not line.startswith("#")]
    for line in text.splitlines():
        if 'URI="' in line:
            uris.append(line.split('URI="', 1)[1].split('"', 1)[0])
    return uris


def heights(master: str) -> list[int]:
    found = []
    for line in master.splitlines():
        if line.startswith("#EXT-X-STREAM-INF:") and "RESOLUTION=" in line:
            found.append(int(line.split("RESOLUTION=", 1)[1].split(",", 1)[0].split("x")[1]))
    return sorted(found)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)
