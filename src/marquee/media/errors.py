"""Why a media file or a transcode was refused: the errors the pipeline raises on purpose."""

from __future__ import annotations

from marquee.errors import FieldProblem, InvalidInput, MarqueeError


class UnsupportedMedia(InvalidInput):
    """The file is not something Marquee can stream (HTTP 422); ``reason`` is for a producer."""

    def __init__(self, reason: str, *, field: str = "file") -> None:
        super().__init__(f"{field}: {reason}", problems=[FieldProblem(field, reason)])
        self.reason = reason
        self.field = field


class TranscodeFailed(MarqueeError):
    """ffmpeg failed or ran too long; the message is readable and ends with ffmpeg's own words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TranscodeCanceled(MarqueeError):
    """The transcode was canceled on request; ffmpeg was stopped and nothing was published."""
