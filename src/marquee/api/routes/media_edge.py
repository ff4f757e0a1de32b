"""The embedded media edge, mounted at /media (not under /v1): signed playlists and segments
with HTTP ranges, validators and cache headers. Production puts nginx here (deploy/nginx)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from marquee.api.deps import MediaEdgeDep
from marquee.api.problems import problem_response
from marquee.services.media_edge import EdgeObject

router = APIRouter(prefix="/media", include_in_schema=False)

_RANGE_RE = re.compile(r"bytes=(\d*)-(\d*)")


class Unsatisfiable(Exception):
    """The range starts past the end (or asks for a zero-length suffix)."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``[start, end)`` of a single-range ``Range`` header; None means the whole object.

    Malformed and multi-range headers are ignored (RFC 9110 allows serving the whole object).
    """
    if header is None:
        return None
    match = _RANGE_RE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # a suffix: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise Unsatisfiable
        return max(size - length, 0), size
    start = int(first)
    end = size if not last else min(int(last) + 1, size)
    if start >= size or end <= start:
        raise Unsatisfiable
    return start, end


def _headers(obj: EdgeObject) -> dict[str, str]:
    headers = {
        "ETag": obj.etag,
        "Cache-Control": obj.cache_control,
        "Accept-Ranges": "bytes",
        "Content-Type": obj.content_type,
        # The URL is the credential; players on another origin may read it.
        "Access-Control-Allow-Origin": "*",
        "X-Content-Type-Options": "nosniff",
    }
    if obj.attachment:
        headers["Content-Disposition"] = f'attachment; filename="{obj.attachment}"'
    return headers


def _not_modified(request: Request, obj: EdgeObject) -> bool:
    tags = request.headers.get("if-none-match")
    if tags is None:
        return False
    return tags.strip() == "*" or obj.etag in (t.strip() for t in tags.split(","))


@router.api_route("/s/{tail:path}", methods=["GET", "HEAD"])
def serve(tail: str, request: Request, edge: MediaEdgeDep) -> Response:
    obj = edge.find(edge.verify(tail))
    headers = _headers(obj)
    if _not_modified(request, obj):
        return Response(status_code=304, headers=headers)
    wanted = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range.strip() != obj.etag:
        wanted = None  # the client's partial copy is of another version: send it all
    try:
        span = byte_range(wanted, obj.size)
    except Unsatisfiable:
        return problem_response(
            status=416,
            slug="range-not-satisfiable",
            title="Range not satisfiable",
            detail=f"the range {wanted} is outside the {obj.size} bytes of this file",
            instance=request.url.path,
            headers={"Content-Range": f"bytes */{obj.size}"},
        )
    start, end = span or (0, obj.size)
    status = 200
    if span is not None:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{obj.size}"
    headers["Content-Length"] = str(end - start)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers)
    return StreamingResponse(edge.open(obj, start, end), status_code=status, headers=headers)
