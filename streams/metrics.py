"""Prometheus metrics of the stream side, declared once."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

MESSAGES = Counter(
    "crm_messages_total", "Messages processed by agents", ["service", "topic", "outcome"]
)
DEAD_LETTERS = Counter(
    "crm_dead_letters_total", "Messages sent to a dead-letter topic", ["service", "topic"]
)
BATCH_SECONDS = Histogram(
    "crm_agent_batch_seconds", "Time to process one agent batch end to end", ["service", "agent"]
)
PUBLISHED = Counter("crm_events_published_total", "Avro events published", ["service", "topic"])
STALE_TABLE_WRITES = Counter(
    "crm_table_writes_dropped_total",
    "Table writes dropped: their message was fetched before a rebalance and is read again",
    ["table"],
)
