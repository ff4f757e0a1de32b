"""Resumable uploads over the tus 1.0 protocol (core, creation, termination, expiration).

Any tus client works (tus-js-client, tusd's Go client, ``tuspy``): create with POST, send
chunks with PATCH at ``Upload-Offset``, resume after HEAD. Producers and admins only.
"""

from __future__ import annotations

from collections.abc import Iterator
from email.utils import format_datetime
from functools import partial
from typing import Annotated

import anyio.from_thread
import anyio.to_thread
from fastapi import APIRouter, Header, Path, Request, Response, status
from starlette.requests import ClientDisconnect

from marquee.api.deps import ProducerPrincipal, UploadsDep
from marquee.api.problems import problem_response
from marquee.errors import ApiError, FieldProblem
from marquee.services.uploads import (
    TUS_EXTENSIONS,
    TUS_VERSION,
    UnsupportedMediaType,
    UploadState,
    parse_metadata,
)

router = APIRouter(prefix="/uploads", tags=["uploads"])

UploadId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]
OFFSET_STREAM = "application/offset+octet-stream"
# Headers a browser client must be allowed to read (CORS exposes them, see api/app.py).
TUS_EXPOSED_HEADERS = [
    "Location",
    "Upload-Offset",
    "Upload-Length",
    "Upload-Expires",
    "Tus-Resumable",
    "Tus-Version",
    "Tus-Extension",
    "Tus-Max-Size",
    "Marquee-Media-Asset",
]


def _header_int(raw: str | None, name: str) -> int:
    if raw is None or not raw.strip().isdigit():
        raise ApiError(
            f"{name}: a non-negative integer header is required",
            problems=[FieldProblem(f"header.{name}", "required, a non-negative integer")],
        )
    return int(raw.strip())


def _version_mismatch(request: Request) -> Response | None:
    """tus: every request but OPTIONS names the protocol version; 412 if we do not speak it."""
    sent = request.headers.get("tus-resumable")
    if sent == TUS_VERSION:
        return None
    return problem_response(
        status=412,
        slug="unsupported-tus-version",
        title="Unsupported tus version",
        detail=f"send 'Tus-Resumable: {TUS_VERSION}' (got {sent!r})",
        instance=request.url.path,
        problems=[FieldProblem("header.Tus-Resumable", f"must be {TUS_VERSION}")],
        headers={"Tus-Version": TUS_VERSION},
    )


def _state_headers(state: UploadState) -> dict[str, str]:
    headers = {
        "Tus-Resumable": TUS_VERSION,
        "Upload-Offset": str(state.offset),
        "Upload-Length": str(state.length),
        "Cache-Control": "no-store",
    }
    if state.complete:
        if state.asset_id is not None:
            headers["Marquee-Media-Asset"] = str(state.asset_id)
    else:
        headers["Upload-Expires"] = format_datetime(state.expires_at, usegmt=True)
    return headers


@router.options("", status_code=status.HTTP_204_NO_CONTENT)
def describe_uploads(request: Request) -> Response:
    """What this tus server supports (no authentication needed)."""
    settings = request.app.state.container.settings.media
    return Response(
        status_code=204,
        headers={
            "Tus-Resumable": TUS_VERSION,
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": TUS_EXTENSIONS,
            "Tus-Max-Size": str(settings.max_upload_bytes),
        },
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_class=Response)
def create_upload(
    request: Request,
    *,
    caller: ProducerPrincipal,
    uploads: UploadsDep,
    upload_length: Annotated[str | None, Header(max_length=20)] = None,
    upload_metadata: Annotated[str | None, Header(max_length=8192)] = None,
) -> Response:
    """Start an upload. ``Upload-Metadata`` carries ``title_id`` (required), ``episode_id``,
    ``purpose`` (source | subtitle | audio), ``language`` and ``label`` (subtitle and audio
    tracks) and ``filename``. 413 when ``Upload-Length`` is over the limit."""
    if (refused := _version_mismatch(request)) is not None:
        return refused
    length = _header_int(upload_length, "Upload-Length")
    state = uploads.create(
        caller=caller, length=length, metadata=parse_metadata(upload_metadata or "")
    )
    headers = _state_headers(state) | {"Location": f"/v1/uploads/{state.id}"}
    return Response(status_code=201, headers=headers)


@router.head("/{upload_id}", response_class=Response)
def upload_offset(
    request: Request, upload_id: UploadId, caller: ProducerPrincipal, uploads: UploadsDep
) -> Response:
    """How many bytes arrived (``Upload-Offset``): resume from there."""
    if (refused := _version_mismatch(request)) is not None:
        return refused
    state = uploads.status(caller=caller, upload_id=upload_id)
    return Response(status_code=200, headers=_state_headers(state))


@router.patch("/{upload_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def append_to_upload(
    request: Request,
    *,
    upload_id: UploadId,
    caller: ProducerPrincipal,
    uploads: UploadsDep,
    upload_offset: Annotated[str | None, Header(max_length=20)] = None,
    content_type: Annotated[str | None, Header(max_length=200)] = None,
    content_length: Annotated[str | None, Header(max_length=20)] = None,
) -> Response:
    """Append the body at ``Upload-Offset`` (409 if that is not where the upload ends).

    The body streams to the blob store as it arrives; bytes received before a dropped
    connection are kept, so HEAD tells the client where to resume.
    """
    if (refused := _version_mismatch(request)) is not None:
        return refused
    if (content_type or "").split(";")[0].strip().lower() != OFFSET_STREAM:
        raise UnsupportedMediaType(
            f"Content-Type must be {OFFSET_STREAM}",
            problems=[FieldProblem("header.Content-Type", f"must be {OFFSET_STREAM}")],
        )
    offset = _header_int(upload_offset, "Upload-Offset")
    declared = int(content_length) if content_length and content_length.isdigit() else None
    append = partial(
        uploads.append,
        caller=caller,
        upload_id=upload_id,
        offset=offset,
        chunks=_body_chunks(request),
        content_length=declared,
    )
    try:
        state = await anyio.to_thread.run_sync(append)
    except ClientDisconnect:
        # Nobody is listening; what arrived is kept and HEAD reports it.
        return Response(status_code=400)
    return Response(status_code=204, headers=_state_headers(state))


def _body_chunks(request: Request) -> Iterator[bytes]:
    """The request body as a blocking iterator, for the worker thread that writes it out.

    Each chunk is fetched from the event loop as the writer asks for it, so at most one chunk
    is held in memory however large the PATCH.
    """
    stream = request.stream()

    async def next_chunk() -> bytes | None:
        try:
            return await stream.__anext__()
        except StopAsyncIteration:
            return None

    while (chunk := anyio.from_thread.run(next_chunk)) is not None:
        if chunk:
            yield chunk


@router.delete("/{upload_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def terminate_upload(
    request: Request, upload_id: UploadId, caller: ProducerPrincipal, uploads: UploadsDep
) -> Response:
    """Discard an unfinished upload and the bytes received so far (tus termination)."""
    if (refused := _version_mismatch(request)) is not None:
        return refused
    uploads.terminate(caller=caller, upload_id=upload_id)
    return Response(status_code=204, headers={"Tus-Resumable": TUS_VERSION})
