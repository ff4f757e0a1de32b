"""Pure models and rules, no I/O: accounts, plans, catalog, media, playback, events."""
