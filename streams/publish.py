"""Publish already-encoded events with acks=all and wait until the broker has all of them.

Events go through their own librdkafka producer, not Faust's buffered one, so the changelog
and dead-letter sends keep Faust's producer to themselves. Each call waits only for its own
records: a delivery thread serves librdkafka's callbacks and wakes each caller once.
Concurrent callers (web requests publishing audit events, agents publishing batches) share
the producer's batching instead of each waiting for a flush of everything in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Mapping, Sequence

from confluent_kafka import KafkaError, Message, Producer

from crm.settings import Settings
from streams.metrics import PUBLISHED

# How long an agent waits for its events to be acknowledged: the broker may be restarting,
# and waiting (backpressure) is what lets a worker ride that out instead of crashing. Just
# over librdkafka's own delivery timeout, which is what ends a hopeless send.
DELIVERY_TIMEOUT_MS = 300_000
FLUSH_TIMEOUT_SECONDS = DELIVERY_TIMEOUT_MS / 1000 + 10
# Shutting down waits much less: what is not flushed by then is redelivered after restart.
CLOSE_TIMEOUT_SECONDS = 30.0
# How long a service's start waits for the cluster's metadata before going on without it.
CONNECT_TIMEOUT_SECONDS = 10.0
# A table's largest changelog entry (tables.raw.MAX_ENTRY_BYTES) plus the request's framing.
MAX_RECORD_BYTES = 17 * 1024 * 1024
# How long the delivery thread blocks in one poll: the delay to notice close().
_POLL_SECONDS = 0.1

Headers = list[tuple[str, str | bytes | None]]
# (key, value) or (key, value, headers); a None value is a tombstone.
Record = tuple[bytes, bytes | None] | tuple[bytes, bytes | None, Headers]


class PublishError(RuntimeError):
    """Some events were not acknowledged by the broker; the batch must not be committed."""


class _Deliveries:
    """One publish call's records: the loop wakes once, when the broker answered for all.

    librdkafka reports each record from the delivery thread. Waking the event loop per
    record (a future each, call_soon_threadsafe each) cost a batch of 500 records 500
    wake-ups; here the delivery thread counts them and wakes the caller once.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        ready: Callable[[_Deliveries], None] | None = None,
    ) -> None:
        self.loop = loop
        # Given: called on the delivery thread once all are answered, to wake the loop later
        # (_Wakeups); else the loop is woken right away.
        self._ready = ready
        self._lock = threading.Lock()
        self._answered = 0
        self._total: int | None = None  # known once every record was handed to librdkafka
        self.errors: list[str] = []
        # The highest offset acknowledged per (topic, partition).
        self.offsets: dict[tuple[str, int], int] = {}
        self.counts: dict[str, int] = {}
        self.done: asyncio.Future[None] = loop.create_future()

    def expect(self, total: int) -> None:
        """All `total` records are handed over; called on the loop after the last produce."""
        with self._lock:
            self._total = total
            finished = self._answered == total
        if finished:
            self._settle()

    def delivered(self, error: KafkaError | None, message: Message) -> None:
        """librdkafka's callback, on the delivery thread (or a flush on close)."""
        with self._lock:
            if error is not None:
                self.errors.append(f"{message.topic()}: {error}")
            else:
                where = (message.topic() or "", message.partition() or 0)
                self.offsets[where] = max(self.offsets.get(where, -1), message.offset() or 0)
            self._answered += 1
            finished = self._answered == self._total
        if finished:
            if self._ready is not None:
                self._ready(self)
                return
            # A closed loop (shutdown) has nobody waiting for this delivery any more.
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self._settle)

    def _settle(self) -> None:
        if not self.done.done():
            self.done.set_result(None)


def _settle_all(finished: list[_Deliveries]) -> None:
    for deliveries in finished:
        deliveries._settle()


class _Wakeups:
    """Publish calls the broker has answered, woken together when the delivery thread's poll
    returns: one poll serves every answer that came in since the last.

    Waking the loop per call (call_soon_threadsafe writes to the loop's self-pipe) was 3.5%
    of the workflow worker at ~800 actions/s, where each request publishes its own command
    (py-spy); the webhook intake, with one publish per notification, pays the same.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._finished: list[_Deliveries] = []

    def add(self, deliveries: _Deliveries) -> None:
        with self._lock:
            self._finished.append(deliveries)

    def wake(self) -> None:
        """Wake each loop once for every call finished so far (any thread)."""
        with self._lock:
            finished, self._finished = self._finished, []
        by_loop: dict[asyncio.AbstractEventLoop, list[_Deliveries]] = {}
        for deliveries in finished:
            by_loop.setdefault(deliveries.loop, []).append(deliveries)
        for loop, group in by_loop.items():
            # A closed loop (shutdown) has nobody waiting for these deliveries any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle_all, group)


class EventPublisher:
    def __init__(self, settings: Settings, service: str, linger_ms: int = 1) -> None:
        self._service = service
        self._producer = Producer(
            {
                "bootstrap.servers": settings.kafka_bootstrap,
                "acks": "all",
                "enable.idempotence": True,
                # Java's (and Faust's) murmur2, so a key's events share its partition number.
                "partitioner": "murmur2_random",
                # Web requests wait for their own audit event or command: every millisecond
                # lingered is a millisecond on every audited read. Measured on one broker,
                # a single record's ack took 5.7 ms (p50) at linger 5 and 1.5 ms at linger 1.
                # Under load records still share batches, queued behind in-flight requests.
                # The webhook intake lingers longer (Settings.payments_intake_linger_ms).
                "linger.ms": linger_ms,
                "message.timeout.ms": DELIVERY_TIMEOUT_MS,
                # Table changelog entries may reach their topics' limit (tables/raw.py);
                # every other topic keeps the broker's default and refuses bigger records.
                "message.max.bytes": MAX_RECORD_BYTES,
                "client.id": f"crm-{service}-events",
            }
        )
        self._wakeups = _Wakeups()
        self._closed = threading.Event()
        self._poller = threading.Thread(
            target=self._serve_deliveries, name=f"crm-{service}-deliveries", daemon=True
        )
        self._poller.start()

    def connect(self, timeout: float = CONNECT_TIMEOUT_SECONDS) -> None:
        """Fetch the cluster's metadata now (blocking), not on the first publish.

        librdkafka learns a topic's leader on the first record sent to it: that record waited
        about 0.5 s (measured), and so did every request behind it, e.g. the first audited
        reads after a restart.
        """
        self._producer.list_topics(timeout=timeout)

    def _serve_deliveries(self) -> None:
        while not self._closed.is_set():
            self._producer.poll(_POLL_SECONDS)
            self._wakeups.wake()

    async def publish(self, topic: str, records: Sequence[Record]) -> None:
        """Send keyed records (None: a tombstone) and return once every one is acknowledged."""
        await self.publish_many({topic: records})

    async def publish_many(
        self, batches: Mapping[str, Sequence[Record]]
    ) -> dict[tuple[str, int], int]:
        """Send records to several topics; return once the broker acknowledged every one,
        with the highest offset acknowledged per (topic, partition)."""
        if not any(batches.values()):
            return {}
        return await self.acknowledged(await self.send(batches))

    async def send(self, batches: Mapping[str, Sequence[Record]]) -> _Deliveries:
        """Hand records to librdkafka in order, without waiting for the broker.

        Two sends made one after the other keep their order on each partition (idempotent
        producer), even while the first is still unacknowledged.
        """
        deliveries = _Deliveries(asyncio.get_running_loop(), self._wakeups.add)
        total = 0
        for topic, records in batches.items():
            for key, value, *extra in records:
                headers = extra[0] if extra else None
                while True:
                    try:
                        self._producer.produce(
                            topic,
                            key=key,
                            value=value,
                            headers=headers,
                            on_delivery=deliveries.delivered,
                        )
                        break
                    except BufferError:
                        # The local queue is full: the delivery thread drains it.
                        await asyncio.sleep(0.01)
                total += 1
            deliveries.counts[topic] = deliveries.counts.get(topic, 0) + len(records)
        deliveries.expect(total)
        return deliveries

    async def acknowledged(self, deliveries: _Deliveries) -> dict[tuple[str, int], int]:
        """Wait for the broker to answer for every record of a send; raise if one failed."""
        try:
            # A timeout scope, not wait_for: no wrapper per call on the web requests' path.
            async with asyncio.timeout(FLUSH_TIMEOUT_SECONDS):
                await deliveries.done
        except TimeoutError as exc:
            raise PublishError(f"not acknowledged within {FLUSH_TIMEOUT_SECONDS:.0f}s") from exc
        if deliveries.errors:
            raise PublishError("; ".join(deliveries.errors[:3]))
        for topic, n in deliveries.counts.items():
            PUBLISHED.labels(self._service, topic).inc(n)
        return dict(deliveries.offsets)

    def close(self) -> None:
        self._closed.set()
        self._poller.join(timeout=5)
        self._producer.flush(CLOSE_TIMEOUT_SECONDS)
        # The flush served the last answers on this thread.
        self._wakeups.wake()
