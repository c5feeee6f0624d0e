"""Read a small compacted topic whole into memory, then keep following it.

For views every worker of every service needs locally (revoked sessions, who works whom):
no consumer group, every partition, from the beginning. `caught_up` is set once the view
holds everything the topic held when the worker started.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition
from confluent_kafka.admin import AdminClient

from crm.settings import Settings

log = logging.getLogger(__name__)

Apply = Callable[[bytes | None, bytes | None], None]


def topic_partitions(settings: Settings, topics: list[str]) -> list[TopicPartition]:
    """Every partition of the topics; a consumer without a subscription cannot tell them."""
    admin = AdminClient({"bootstrap.servers": settings.kafka_bootstrap})
    found = admin.list_topics(timeout=30).topics
    missing = [t for t in topics if t not in found or found[t].error is not None]
    if missing:
        raise RuntimeError(f"topics {missing} do not exist; run `crm topics`")
    return [TopicPartition(t, p) for t in topics for p in found[t].partitions]


async def follow_topics(
    settings: Settings,
    appliers: dict[str, Apply],
    caught_up: asyncio.Event,
    on_poll: Callable[[], None] | None = None,
) -> None:
    """Apply every record of the topics (name → apply) in order per partition, forever."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap, group_id=None, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = await asyncio.to_thread(topic_partitions, settings, list(appliers))
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        while True:
            batches = await consumer.getmany(timeout_ms=200, max_records=1000)
            for tp, records in batches.items():
                apply = appliers[tp.topic]
                for record in records:
                    apply(record.key, record.value)
            if not caught_up.is_set():
                positions = {tp: await consumer.position(tp) for tp in partitions}
                if all(positions[tp] >= ends[tp] for tp in partitions):
                    caught_up.set()
                    log.info("caught up with %s", ", ".join(appliers))
            if on_poll is not None:
                on_poll()
    finally:
        await consumer.stop()
