"""Features: definitions declared once, the stream processor, batch computation, online store."""
