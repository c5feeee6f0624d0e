"""Kafka with confluent-kafka: produce (acks=all) and consume rates on a throwaway topic."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from bench.report import Progress, Result, rate
from crm.settings import Settings

MB = 1024 * 1024
VALUE_BYTES = 200
# Every wait on the broker is bounded so a dead broker fails the step instead of hanging it.
DEADLINE_S = 120.0


def admin(settings: Settings) -> AdminClient:
    # log_level 4: librdkafka's info lines about purged queues on close are noise here.
    return AdminClient({"bootstrap.servers": settings.kafka_bootstrap, "log_level": 4})


def producer(settings: Settings, **extra: Any) -> Producer:
    # murmur2 like Java and Faust, so keys land where a Faust agent expects them.
    return Producer(
        {
            "bootstrap.servers": settings.kafka_bootstrap,
            "acks": "all",
            "partitioner": "murmur2_random",
            **extra,
        }
    )


def delete_topics(settings: Settings, names: list[str]) -> None:
    if not names:
        return
    # Keep the client referenced: a collected AdminClient fails its pending futures.
    client = admin(settings)
    for future in client.delete_topics(names, operation_timeout=30).values():
        future.result(timeout=60)


@contextmanager
def fresh_topic(settings: Settings, prefix: str, partitions: int) -> Iterator[str]:
    """Create a uuid-named topic (auto-creation is off) and delete it afterwards."""
    name = f"{prefix}-{uuid.uuid4().hex[:12]}"
    spec = NewTopic(name, num_partitions=partitions, replication_factor=settings.topic_replication)
    client = admin(settings)
    for future in client.create_topics([spec], operation_timeout=30).values():
        future.result(timeout=60)
    try:
        yield name
    finally:
        delete_topics(settings, [name])


def produce(settings: Settings, topic: str, count: int, label: str = "produce") -> float:
    """Send `count` 200-byte values keyed by account number; return seconds until all acked."""
    value = os.urandom(VALUE_BYTES)
    failures: list[KafkaError] = []

    def on_delivery(err: KafkaError | None, _msg: object) -> None:
        if err is not None:
            failures.append(err)

    p = producer(settings)
    progress = Progress(label, count)
    started = time.perf_counter()
    for i in range(count):
        while True:
            try:
                p.produce(topic, value=value, key=f"LN{i % 100_000:012d}", on_delivery=on_delivery)
                break
            except BufferError:
                # Local queue full: let librdkafka drain it, bounded by the step deadline.
                p.poll(0.05)
                if time.perf_counter() - started > DEADLINE_S:
                    raise TimeoutError("producer queue never drained") from None
        if i % 10_000 == 0:
            p.poll(0)
            progress.update(i)
    remaining = p.flush(DEADLINE_S)
    elapsed = time.perf_counter() - started
    progress.update(count)
    if remaining or failures:
        raise RuntimeError(f"{remaining} undelivered, {len(failures)} failed: {failures[:3]}")
    return elapsed


def consume(settings: Settings, topic: str, partitions: int, count: int) -> float:
    """Read `count` messages from the beginning; return seconds from first to last message."""
    c = Consumer(
        {
            "bootstrap.servers": settings.kafka_bootstrap,
            "group.id": f"bench-{uuid.uuid4().hex[:12]}",
            "enable.auto.commit": False,
        }
    )
    # assign() skips the group join, so the number is fetch throughput, not rebalance time.
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
    progress = Progress("consume", count)
    received = 0
    first = 0.0
    deadline = time.perf_counter() + DEADLINE_S
    try:
        while received < count and time.perf_counter() < deadline:
            for msg in c.consume(num_messages=10_000, timeout=1.0):
                if msg.error() is not None:
                    raise RuntimeError(f"consume error: {msg.error()}")
                if received == 0:
                    first = time.perf_counter()
                received += 1
            progress.update(received)
        elapsed = time.perf_counter() - first
    finally:
        c.close()
    if received < count:
        raise TimeoutError(f"consumed {received} of {count} within {DEADLINE_S:.0f}s")
    return elapsed


def produce_and_consume(
    settings: Settings, count: int, disk_mb_s: float | None, loopback_mb_s: float | None
) -> list[Result]:
    """Produce then consume `count` messages on a fresh topic with the project's partitions."""
    partitions = settings.topic_partitions
    with fresh_topic(settings, "bench-kafka", partitions) as topic:
        produced = produce(settings, topic, count)
        consumed = consume(settings, topic, partitions, count)
    msgs_per_mb = MB / VALUE_BYTES
    return [
        Result(
            "Kafka produce (acks=all, 200 B)",
            rate(count, produced),
            "msgs/s",
            limit=None if disk_mb_s is None else disk_mb_s * msgs_per_mb,
            limit_source="disk write / 200 B",
        ),
        Result(
            "Kafka consume (200 B)",
            rate(count, consumed),
            "msgs/s",
            limit=None if loopback_mb_s is None else loopback_mb_s * msgs_per_mb,
            limit_source="loopback TCP / 200 B",
        ),
    ]
