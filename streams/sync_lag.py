"""How far a consumer group (the sync service's, by default) is behind on its topics."""

from __future__ import annotations

import asyncio

from confluent_kafka import Consumer, KafkaException, TopicPartition

from crm.settings import Settings

_TIMEOUT = 5.0


def _lag(settings: Settings, group: str, topics: list[str]) -> dict[str, int | None]:
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka_bootstrap,
            "group.id": group,
            "enable.auto.commit": False,
        }
    )
    try:
        lags: dict[str, int | None] = {}
        metadata = consumer.list_topics(timeout=_TIMEOUT)
        for topic in topics:
            known = metadata.topics.get(topic)
            if known is None or known.error is not None:
                lags[topic] = None
                continue
            partitions = [TopicPartition(topic, p) for p in known.partitions]
            committed = consumer.committed(partitions, timeout=_TIMEOUT)
            total = 0
            for tp in committed:
                _, high = consumer.get_watermark_offsets(tp, timeout=_TIMEOUT)
                total += max(0, high - max(tp.offset, 0))
            lags[topic] = total
        return lags
    finally:
        consumer.close()


async def group_lag(settings: Settings, group: str, topics: list[str]) -> dict[str, int | None]:
    """Messages not yet committed by a consumer group per topic; None when unknown."""
    try:
        return await asyncio.get_running_loop().run_in_executor(None, _lag, settings, group, topics)
    except KafkaException:
        return dict.fromkeys(topics)


async def consumer_lag(settings: Settings, topics: list[str]) -> dict[str, int | None]:
    """Messages not yet committed by the sync group per topic; None when unknown."""
    return await group_lag(settings, settings.topic("crm-sync"), topics)
