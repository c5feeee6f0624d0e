"""Key → partition exactly as Java clients, Kafka Connect and Debezium compute it (murmur2)."""

from __future__ import annotations

from aiokafka.partitioner import murmur2


def partition_for(key: str | bytes, partitions: int) -> int:
    """Return the partition Java's default partitioner picks for a non-null key."""
    data = key.encode() if isinstance(key, str) else key
    return (int(murmur2(data)) & 0x7FFFFFFF) % partitions
