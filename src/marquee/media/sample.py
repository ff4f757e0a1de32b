"""A generated sample clip (test pattern, tone, English subtitles) so a fresh demo can play video.

Generated rather than shipped: no licence to track, nothing large in the repository.
"""

from __future__ import annotations

from pathlib import Path

from marquee.media.runner import find_ffmpeg, run_ffmpeg


def sample_clip_args(ffmpeg: str, out: Path, *, seconds: int, width: int, height: int) -> list[str]:
    """ffmpeg arguments for an H.264/AAC MP4 of a moving test pattern and a soft tone."""
    video = f"testsrc2=size={width}x{height}:rate=25:duration={seconds}"
    audio = f"sine=frequency=330:sample_rate=48000:duration={seconds}"
    return [
        ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
        "-f", "lavfi", "-i", video,
        "-f", "lavfi", "-i", audio,
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "96k", "-af", "volume=0.2",
        "-shortest", "-movflags", "+faststart", str(out),
    ]  # fmt: skip


def sample_subtitles(seconds: int, *, every_s: int = 4) -> str:
    """WebVTT cues that count the clip's seconds, so a viewer can see captions switch on."""
    lines = ["WEBVTT", ""]
    for start in range(0, seconds, every_s):
        end = min(start + every_s, seconds)
        lines += [f"{_stamp(start)} --> {_stamp(end)}", f"Marquee sample clip, {start}s", ""]
    return "\n".join(lines)


def _stamp(second: int) -> str:
    return f"00:{second // 60:02d}:{second % 60:02d}.000"


def make_sample_clip(
    out: Path, *, ffmpeg_path: str = "", seconds: int = 12, width: int = 854, height: int = 480
) -> Path:
    """Write the sample clip to ``out`` (its folder must exist) and return ``out``."""
    run_ffmpeg(
        sample_clip_args(
            find_ffmpeg(ffmpeg_path), out, seconds=seconds, width=width, height=height
        ),
        timeout_s=300,
    )
    return out
