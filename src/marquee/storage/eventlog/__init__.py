"""The durable, partitioned event log between ingestion and its consumers."""

from marquee.storage.eventlog.base import EventLog, LogEntry, LogRecord, PendingEntry

__all__ = ["EventLog", "LogEntry", "LogRecord", "PendingEntry"]
