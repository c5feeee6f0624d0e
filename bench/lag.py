"""Waiting until a service's workers have caught up with a topic (between measurements)."""

from __future__ import annotations

import asyncio
import sys
import time

from confluent_kafka import Consumer, TopicPartition

from crm.settings import Settings
from streams.sync_lag import group_lag

_TIMEOUT_S = 5.0


async def drained(
    settings: Settings, service: str, topic_name: str, deadline_s: float = 600
) -> None:
    """Wait until the service's consumer group has committed every message of the topic."""
    topic = settings.topic(topic_name)
    group = settings.topic(f"crm-{service}")
    end = time.perf_counter() + deadline_s
    while time.perf_counter() < end:
        lag = (await group_lag(settings, group, [topic])).get(topic)
        print(
            f"  {service} still to handle on {topic}: {lag if lag is not None else '?'}",
            file=sys.stderr,
        )
        if lag == 0:
            return
        await asyncio.sleep(2.0)
    raise TimeoutError(f"{service} did not catch up with {topic} within {deadline_s:.0f}s")


def _end_offsets(settings: Settings, topics: list[str]) -> int:
    consumer = Consumer({"bootstrap.servers": settings.kafka_bootstrap, "group.id": "bench"})
    try:
        metadata = consumer.list_topics(timeout=_TIMEOUT_S)
        total = 0
        for topic in topics:
            known = metadata.topics.get(topic)
            if known is None or known.error is not None:
                raise RuntimeError(f"topic {topic} is not known to the broker")
            for partition in known.partitions:
                _, high = consumer.get_watermark_offsets(
                    TopicPartition(topic, partition), timeout=_TIMEOUT_S
                )
                total += high
        return total
    finally:
        consumer.close()


async def end_offsets(settings: Settings, topics: list[str]) -> int:
    """How many messages the topics have ever received (the sum of their end offsets)."""
    return await asyncio.get_running_loop().run_in_executor(None, _end_offsets, settings, topics)
