"""The ladder: ``transcode()`` against the same ffmpeg command run directly.

Run: ``.venv/bin/python bench/bench_ladder.py [--runs 3] [--preset veryfast] [--seconds 20]``.
Sources: a generated 1080p test pattern with a sine tone (``--seconds`` long) and, when
../shared/data is present, a shared video. For each, runs alternate between

- direct: ``subprocess.run`` of the argument list ``ladder_args`` builds (no progress parsing), and
- transcode: the whole ``transcode()`` (probe, that same ffmpeg run through the runner with
  progress, the sprite, reading every rung back, playlists),

and prints a markdown table: median wall-clock seconds of each and their ratio (goal <= 1.05),
median CPU seconds (this process and its children; steadier than wall time on a shared machine)
and their ratio, and the speed of ``transcode()`` as a multiple of real time (source seconds per
wall second). Each run's figures go to stderr.
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from marquee.config import MediaSettings
from marquee.media.ffmpeg import ladder_args
from marquee.media.pipeline import TranscodeRequest, ladder_spec, prepare_out_dirs, transcode
from marquee.media.probe import probe
from marquee.media.runner import find_ffmpeg

SHARED_VIDEO = (
    Path(__file__).resolve().parents[2]
    / "shared/data/videos/bbb-320x180-36s-remux-from-shaka-hls.mp4"
)


def generate_1080p(ffmpeg: str, folder: Path, seconds: int) -> Path:
    path = folder / f"testsrc2-1080p-{seconds}s.mp4"
    subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
         "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
        check=True,
    )  # fmt: skip
    return path


@dataclass(frozen=True)
class Cost:
    wall_s: float
    cpu_s: float  # user + system of this process and its children (ffmpeg)


def _cpu_s() -> float:
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def cost_of(step: Callable[[], object]) -> Cost:
    wall, cpu = time.perf_counter(), _cpu_s()
    step()
    return Cost(time.perf_counter() - wall, _cpu_s() - cpu)


def direct(ffmpeg: str, source: Path, out: Path, settings: MediaSettings) -> Cost:
    spec = ladder_spec(source, out, probe(source), settings)
    out.mkdir(parents=True)
    prepare_out_dirs(out, spec)
    args = ladder_args(ffmpeg, spec)
    return cost_of(lambda: subprocess.run(args, check=True, stdout=subprocess.DEVNULL))


def piped(source: Path, out: Path, settings: MediaSettings) -> Cost:
    return cost_of(lambda: transcode(TranscodeRequest(source, out, "bench", settings)))


def measure(
    label: str, source: Path, *, ffmpeg: str, settings: MediaSettings, runs: int, scratch: Path
) -> str:
    info = probe(source)
    direct_costs: list[Cost] = []
    piped_costs: list[Cost] = []
    for run in range(runs):
        # Alternate which goes first so drift in the machine's load does not favour one side.
        for kind in ("direct", "transcode") if run % 2 == 0 else ("transcode", "direct"):
            if kind == "direct":
                direct_costs.append(direct(ffmpeg, source, scratch / f"d{run}", settings))
            else:
                piped_costs.append(piped(source, scratch / f"t{run}", settings))
    print(f"{label}: direct {direct_costs}", file=sys.stderr)
    print(f"{label}: transcode {piped_costs}", file=sys.stderr)
    dw, tw = (statistics.median(c.wall_s for c in costs) for costs in (direct_costs, piped_costs))
    dc, tc = (statistics.median(c.cpu_s for c in costs) for costs in (direct_costs, piped_costs))
    rungs = len(ladder_spec(source, scratch, info, settings).ladder.rungs)
    return (
        f"| {label} | {info.display_width}x{info.display_height} | {info.duration_s:.1f} | "
        f"{rungs} | {dw:.2f} | {tw:.2f} | {tw / dw:.3f} | {dc:.1f} | {tc:.1f} | {tc / dc:.3f} | "
        f"{info.duration_s / tw:.2f}x |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--seconds", type=int, default=20)
    options = parser.parse_args()
    settings = MediaSettings(x264_preset=options.preset)
    ffmpeg = find_ffmpeg(settings.ffmpeg_path)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        generated = generate_1080p(ffmpeg, scratch, options.seconds)
        sources = [("generated 1080p", generated)]
        if SHARED_VIDEO.is_file():
            sources.append(("bbb (shared)", SHARED_VIDEO))
        for label, source in sources:
            rows.append(
                measure(
                    label,
                    source,
                    ffmpeg=ffmpeg,
                    settings=settings,
                    runs=options.runs,
                    scratch=scratch / label,
                )
            )
    print(
        f"{platform.node()} {platform.machine()} Python {platform.python_version()}, "
        f"preset {options.preset}, median of {options.runs}, {datetime.now(UTC):%Y-%m-%d}"
    )
    print(
        "| source | size | seconds | rungs | direct wall s | transcode() wall s | wall ratio "
        "| direct CPU s | transcode() CPU s | CPU ratio | speed |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
