"""`marquee playback`: what an edge (nginx, a CDN) needs to check signed media URLs."""

from __future__ import annotations

import typer

from marquee.cli.context import console, state
from marquee.media.signing import encode_key, media_key

app = typer.Typer(help="Signed media URLs and the edge.", no_args_is_help=True)


@app.command("edge-key")
def edge_key(ctx: typer.Context) -> None:
    """Print the media signing key (base64url) for the edge's MARQUEE_MEDIA_KEY variable.

    It is derived from the secret, so the edge can check URLs but cannot mint access tokens.
    """
    console.print(encode_key(media_key(state(ctx).settings())), soft_wrap=True)
