"""Our key → partition mapping agrees with librdkafka's Java-compatible murmur2 partitioner."""

from __future__ import annotations

import uuid

from confluent_kafka import Producer

from streams.partitioner import partition_for


def test_matches_java_compatible_partitioner_of_librdkafka() -> None:
    # librdkafka's mock cluster is a real producer path with its own murmur2 implementation.
    producer = Producer(
        {
            "test.mock.num.brokers": 1,
            "partitioner": "murmur2_random",
            "linger.ms": 0,
        }
    )
    topic = f"partitioner-{uuid.uuid4().hex}"
    producer.produce(topic, key=b"warmup", value=b"")
    producer.flush(10)
    partitions = len(producer.list_topics(topic, timeout=10).topics[topic].partitions)
    assert partitions > 1, "the check needs several partitions to mean anything"
    seen: dict[str, int] = {}

    def record(err: object, msg: object) -> None:
        assert err is None
        seen[msg.key().decode()] = msg.partition()  # type: ignore[attr-defined]

    keys = [f"LD{n:010d}" for n in range(500)] + ["100234", "card-4111", "Nguyễn"]
    for key in keys:
        producer.produce(topic, key=key.encode(), value=b"", on_delivery=record)
    producer.flush(10)
    assert len(seen) == len(keys)
    assert {k: partition_for(k, partitions) for k in keys} == seen
    assert len(set(seen.values())) == partitions
