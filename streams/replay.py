"""`crm replay`: re-deliver topics from a point in time to a named consumer group.

It moves the group's committed offsets back to the first message at or after the time on
every partition; the group's consumers then read from there on their next start. Kafka
accepts offsets only for a group with no running members: stop those consumers first (the
command says so when they are running). Replays are safe because every consumer of the
CRM's topics is idempotent by natural key.
"""

from __future__ import annotations

from datetime import datetime

from confluent_kafka import Consumer, KafkaException, TopicPartition

from crm.settings import Settings

TIMEOUT = 10.0


def replay(settings: Settings, group: str, since: datetime, topics: list[str]) -> int:
    if since.tzinfo is None:
        print("--from must carry a UTC offset, e.g. 2026-11-29T08:00:00+00:00")
        return 2
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka_bootstrap,
            "group.id": group,
            "enable.auto.commit": False,
        }
    )
    try:
        metadata = consumer.list_topics(timeout=TIMEOUT)
        wanted = []
        for topic in topics:
            name = settings.topic(topic)
            known = metadata.topics.get(name)
            if known is None or known.error is not None:
                print(f"no topic {name}")
                return 2
            millis = int(since.timestamp() * 1000)
            wanted += [TopicPartition(name, p, millis) for p in sorted(known.partitions)]
        found = consumer.offsets_for_times(wanted, timeout=TIMEOUT)
        positions = []
        for tp in found:
            # -1: nothing at or after the time; the end of the partition is where to resume.
            offset = tp.offset
            if offset < 0:
                offset = consumer.get_watermark_offsets(tp, timeout=TIMEOUT)[1]
            positions.append(TopicPartition(tp.topic, tp.partition, offset))
        try:
            consumer.commit(offsets=positions, asynchronous=False)
        except KafkaException as exc:
            print(f"Kafka refused the offsets ({exc}); stop the group's consumers and retry")
            return 1
        for tp in positions:
            print(f"{group}: {tp.topic}[{tp.partition}] -> offset {tp.offset}")
        return 0
    finally:
        consumer.close()
