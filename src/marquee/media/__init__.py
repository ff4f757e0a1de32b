"""Media processing: probe, ladder, ffmpeg arguments and runner, HLS playlists, URL signing."""
