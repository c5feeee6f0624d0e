"""How far a consumer group (the sync service's, by default) is behind on its topics, and how
far the topics reach."""

from __future__ import annotations

import asyncio

from confluent_kafka import Consumer, KafkaException, TopicPartition

from crm.settings import Settings

_TIMEOUT = 5.0


def _partitions(consumer: Consumer, topics: list[str]) -> dict[str, list[TopicPartition] | None]:
    """Each topic's partitions; None for a topic the broker does not know."""
    metadata = consumer.list_topics(timeout=_TIMEOUT)
    found: dict[str, list[TopicPartition] | None] = {}
    for topic in topics:
        known = metadata.topics.get(topic)
        if known is None or known.error is not None:
            found[topic] = None
        else:
            found[topic] = [TopicPartition(topic, p) for p in known.partitions]
    return found


def _high(consumer: Consumer, tp: TopicPartition) -> int:
    return int(consumer.get_watermark_offsets(tp, timeout=_TIMEOUT)[1])


def _consumer(settings: Settings, group: str) -> Consumer:
    return Consumer(
        {
            "bootstrap.servers": settings.kafka_bootstrap,
            "group.id": group,
            "enable.auto.commit": False,
        }
    )


def _lag(settings: Settings, group: str, topics: list[str]) -> dict[str, int | None]:
    consumer = _consumer(settings, group)
    try:
        lags: dict[str, int | None] = {}
        for topic, partitions in _partitions(consumer, topics).items():
            if partitions is None:
                lags[topic] = None
                continue
            committed = consumer.committed(partitions, timeout=_TIMEOUT)
            lags[topic] = sum(max(0, _high(consumer, tp) - max(tp.offset, 0)) for tp in committed)
        return lags
    finally:
        consumer.close()


def _ends(settings: Settings, topics: list[str]) -> dict[str, int | None]:
    consumer = _consumer(settings, "crm-end-offsets")
    try:
        return {
            topic: None if partitions is None else sum(_high(consumer, tp) for tp in partitions)
            for topic, partitions in _partitions(consumer, topics).items()
        }
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


async def end_offsets(settings: Settings, topics: list[str]) -> dict[str, int | None]:
    """How many messages each topic has ever received (its partitions' end offsets summed);
    None when unknown. Reads no group's offsets."""
    try:
        return await asyncio.get_running_loop().run_in_executor(None, _ends, settings, topics)
    except KafkaException:
        return dict.fromkeys(topics)
