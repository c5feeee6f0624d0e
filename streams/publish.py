"""Publish already-encoded events with acks=all and wait until the broker has all of them.

Events go through their own librdkafka producer, not Faust's buffered one: a batch of a
thousand events waits for one flush instead of a thousand futures, and the changelog and
dead-letter sends keep Faust's producer to themselves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from confluent_kafka import KafkaError, Message, Producer

from crm.settings import Settings
from streams.metrics import PUBLISHED

FLUSH_TIMEOUT_SECONDS = 30.0

Headers = list[tuple[str, str | bytes | None]]
# (key, value) or (key, value, headers); a None value is a tombstone.
Record = tuple[bytes, bytes | None] | tuple[bytes, bytes | None, Headers]


class PublishError(RuntimeError):
    """Some events were not acknowledged by the broker; the batch must not be committed."""


class EventPublisher:
    def __init__(self, settings: Settings, service: str) -> None:
        self._service = service
        self._producer = Producer(
            {
                "bootstrap.servers": settings.kafka_bootstrap,
                "acks": "all",
                "enable.idempotence": True,
                # Java's (and Faust's) murmur2, so a key's events share its partition number.
                "partitioner": "murmur2_random",
                "linger.ms": 5,
                "client.id": f"crm-{service}-events",
            }
        )

    async def publish(self, topic: str, records: Sequence[Record]) -> None:
        """Send keyed records (None: a tombstone) and return once every one is acknowledged."""
        await self.publish_many({topic: records})

    async def publish_many(self, batches: Mapping[str, Sequence[Record]]) -> None:
        """Send records to several topics and wait once for all acknowledgements."""
        if not any(batches.values()):
            return
        failures: list[str] = []

        def delivered(err: KafkaError | None, msg: Message) -> None:
            if err is not None:
                failures.append(f"{msg.topic()}: {err}")

        loop = asyncio.get_running_loop()
        for topic, records in batches.items():
            for key, value, *extra in records:
                headers = extra[0] if extra else None
                while True:
                    try:
                        self._producer.produce(
                            topic, key=key, value=value, headers=headers, on_delivery=delivered
                        )
                        break
                    except BufferError:
                        # The local queue is full: let it drain off the event loop, then retry.
                        await loop.run_in_executor(None, self._producer.flush, 1.0)
        remaining = await loop.run_in_executor(None, self._producer.flush, FLUSH_TIMEOUT_SECONDS)
        if remaining or failures:
            detail = "; ".join(failures[:3]) or f"{remaining} not delivered in time"
            raise PublishError(detail)
        for topic, records in batches.items():
            PUBLISHED.labels(self._service, topic).inc(len(records))

    def close(self) -> None:
        self._producer.flush(FLUSH_TIMEOUT_SECONDS)
