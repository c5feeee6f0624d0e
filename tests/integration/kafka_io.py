"""Read a topic the way an outside consumer would: confluent-kafka and the repo's files only."""

from __future__ import annotations

import io
import json
import struct
import time
import uuid
from collections.abc import Callable, Generator
from typing import Any

import fastavro
from confluent_kafka import Consumer, Message, TopicPartition

from crm.settings import PROJECT_ROOT, Settings
from streams.partitioner import partition_for

SCHEMAS = PROJECT_ROOT / "schemas" / "avro"


def decode_with_repo_files(data: bytes | None) -> dict[str, Any]:
    """Decode Confluent-framed Avro with nothing but catalog.json and the history .avsc files."""
    assert data is not None
    magic, schema_id = struct.unpack(">bI", data[:5])
    assert magic == 0
    catalog = json.loads((SCHEMAS / "catalog.json").read_text())
    (entry,) = [e for e in catalog["schemas"] if e["id"] == schema_id]
    text = (SCHEMAS / "history" / entry["name"] / f"{schema_id}.avsc").read_text()
    schema = fastavro.parse_schema(json.loads(text))
    record = fastavro.schemaless_reader(io.BytesIO(data[5:]), schema, None)
    assert isinstance(record, dict)
    return record


def messages_with_key(
    settings: Settings, topic: str, key: str, deadline_s: float
) -> Generator[Message, None, None]:
    """Messages with `key`, from the start of the key's partition, until the deadline."""
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka_bootstrap,
            "group.id": f"test-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
        }
    )
    try:
        partition = partition_for(key, settings.topic_partitions)
        consumer.assign([TopicPartition(topic, partition, 0)])
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            msg = consumer.poll(0.5)
            if msg is not None and msg.error() is None and msg.key() == key.encode():
                yield msg
    finally:
        consumer.close()


def read_key(
    settings: Settings, topic: str, key: str, *, want: int, deadline_s: float
) -> list[Message]:
    """All messages with `key` from the key's partition, waiting until `want` arrived."""
    found: list[Message] = []
    messages = messages_with_key(settings, topic, key, deadline_s)
    for msg in messages:
        found.append(msg)
        if len(found) >= want:
            messages.close()
            break
    return found


def find_decoded(
    settings: Settings,
    topic: str,
    key: str,
    match: Callable[[dict[str, Any]], bool],
    deadline_s: float,
) -> dict[str, Any] | None:
    """The first record with `key` whose decoded value satisfies `match`, else None."""
    messages = messages_with_key(settings, topic, key, deadline_s)
    for msg in messages:
        record = decode_with_repo_files(msg.value())
        if match(record):
            messages.close()
            return record
    return None


def group_positions(settings: Settings, group: str, topic: str) -> list[tuple[int, int, int]]:
    """(partition, committed offset, end offset) of a consumer group on a topic: for diagnoses."""
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka_bootstrap,
            "group.id": group,
            "enable.auto.commit": False,
        }
    )
    try:
        known = consumer.list_topics(topic, timeout=10).topics[topic]
        partitions = [TopicPartition(topic, p) for p in sorted(known.partitions)]
        committed = consumer.committed(partitions, timeout=10)
        return [
            (tp.partition, tp.offset, consumer.get_watermark_offsets(tp, timeout=10)[1])
            for tp in committed
        ]
    finally:
        consumer.close()
