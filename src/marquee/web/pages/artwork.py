"""``/artwork/{id}``: a title's poster, the producer's image when there is one, else generated."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Request, Response

from marquee.storage.blob import BlobNotFound
from marquee.web.deps import ContainerDep, TitleId
from marquee.web.pages.studio import artwork_type

router = APIRouter()
CACHE = "public, max-age=300"


@router.get("/artwork/{title_id}")
def artwork(request: Request, title_id: TitleId, container: ContainerDep) -> Response:
    card = container.cards.get([title_id]).get(title_id)
    data, media_type = b"", ""
    if card is not None and card.artwork_key:
        try:
            data = container.blobs.get_bytes(card.artwork_key)
            media_type = artwork_type(data)
        except BlobNotFound:
            data = b""
    if not media_type:
        data = container.catalog.poster(title_id=title_id).encode()
        media_type = "image/svg+xml"
    etag = f'"{hashlib.sha256(data).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": CACHE}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=media_type, headers=headers)
