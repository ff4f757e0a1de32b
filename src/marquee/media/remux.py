"""A rung's HLS media playlist into one MP4 for download: stream copy, no re-encoding."""

from __future__ import annotations

from pathlib import Path


def remux_args(ffmpeg: str, playlist: Path, out: Path) -> list[str]:
    """ffmpeg arguments: read the local playlist and its segments, write a progressive MP4.

    ``aac_adtstoasc`` turns the ADTS audio of MPEG-TS into what MP4 holds; ``+faststart``
    moves the index to the front so a player can start before the download ends.
    """
    return [
        ffmpeg,
        "-hide_banner",
        "-nostdin",
        "-y",
        "-loglevel",
        "error",
        "-protocol_whitelist",
        "file",
        "-i",
        str(playlist),
        "-map",
        "0:v:0",
        "-map",
        "0:a:0?",
        "-c",
        "copy",
        "-bsf:a",
        "aac_adtstoasc",
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        str(out),
    ]
