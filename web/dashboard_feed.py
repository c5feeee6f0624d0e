"""Read workflow.events from the end, in every web process, and hand events to the hub.

No consumer group: every worker's browsers need every event, and a live view has no use for
what happened before the process started (a page reads the summary when it connects). If
the connection to Kafka breaks, the feed starts again from the end and tells every page to
re-read its summary, since events may have been missed in between.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Protocol

from aiokafka import AIOKafkaConsumer

from crm.settings import Settings
from streams.avro import AvroCodec, codec_for
from streams.topic_follower import topic_partitions
from streams.topics import WORKFLOW_EVENTS
from streams.workflow_actions import WORKFLOW_EVENT
from web.dashboard_events import DashboardEvent, from_avro

log = logging.getLogger(__name__)


class Listener(Protocol):
    """Where the feed's events go (the hub)."""

    async def publish(self, events: Sequence[DashboardEvent]) -> None: ...

    def resync(self) -> None: ...

    def listening(self) -> bool: ...

    def passed_unread(self) -> None: ...


RETRY_SECONDS = (1.0, 2.0, 5.0, 10.0)
STEADY_SECONDS = 60.0


def decode(codec: AvroCodec, value: bytes | None) -> DashboardEvent | None:
    """One record as a dashboard event; None for what is not a readable WorkflowEvent."""
    if value is None:
        return None
    try:
        name, record = codec.decode(value)
        if name != WORKFLOW_EVENT:
            return None
        return from_avro(record)
    except (ValueError, KeyError, TypeError) as exc:
        # The topic's own consumers dead-letter bad records; a live view just skips them.
        log.warning("dashboard feed skips an unreadable event: %s", exc)
        return None


async def _follow_once(settings: Settings, codec: AvroCodec, listener: Listener) -> None:
    topic = settings.topic(WORKFLOW_EVENTS.name)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap, group_id=None, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = await asyncio.to_thread(topic_partitions, settings, [topic])
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        log.info("dashboard feed follows %s from its end", topic)
        while True:
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            if not listener.listening():
                # No page is open in this process: decoding every event for nobody was 2% of
                # the workflow worker at 1,000 actions/s (py-spy).
                if batches:
                    listener.passed_unread()
                continue
            events = [
                event
                for records in batches.values()
                for record in records
                if (event := decode(codec, record.value)) is not None
            ]
            if events:
                await listener.publish(events)
    finally:
        await consumer.stop()


async def follow_workflow_events(settings: Settings, listener: Listener) -> None:
    """Deliver every new workflow event, forever; reconnect with backoff on failure."""
    codec = codec_for(settings)
    failures = 0
    while True:
        started = time.monotonic()
        try:
            await _follow_once(settings, codec, listener)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # A feed that ran a while before failing starts the backoff over.
            if time.monotonic() - started > STEADY_SECONDS:
                failures = 0
            wait = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
            failures += 1
            log.warning("dashboard feed lost Kafka (%r); again in %.0fs", exc, wait)
            await asyncio.sleep(wait)
            listener.resync()
