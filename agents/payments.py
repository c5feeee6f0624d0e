"""Payments agents: apply notifications exactly once per reference, sink them, publish events."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import faust
from faust.streams import Stream
from faust.types import EventT, StreamT

from domain.payments import Outcome, apply_notification
from persistence.models.payments import Payment
from persistence.sink import PostgresSink, SinkDataError
from streams.app import CrmApp
from streams.avro import codec_for
from streams.batching import acked_batches, processing
from streams.dlq import dead_letter
from streams.metrics import BATCH_SECONDS, MESSAGES
from streams.payments import EVENT, notification_from_avro, payment_event, payment_row
from streams.publish import publish_all
from streams.topics import PAYMENTS_EVENTS, PAYMENTS_NOTIFICATIONS
from tables.payments import ledger_from_json, ledger_to_json

log = logging.getLogger(__name__)


class KeyMismatch(ValueError):
    """The message key is not the loan account number the record names."""


@dataclass
class Handled:
    event: EventT
    row: dict[str, Any] | None
    published: tuple[bytes, bytes]


def notifications_topic(app: CrmApp) -> faust.TopicT:
    return app.topic(
        app.settings.topic(PAYMENTS_NOTIFICATIONS.name),
        key_type=bytes,
        value_type=bytes,
        partitions=app.settings.topic_partitions,
    )


def register(app: CrmApp, ledger: faust.Table) -> None:
    """Attach the notification agent to the payments app."""
    settings = app.settings
    codec = codec_for(settings)
    events_topic = settings.topic(PAYMENTS_EVENTS.name)
    sink: PostgresSink | None = None

    def handle(event: EventT) -> Handled:
        message = event.message
        if message.value is None:
            raise ValueError("a notification cannot be empty (tombstone)")
        _, record = codec.decode(message.value)
        notification = notification_from_avro(record)
        key = notification.loan_account_number
        if message.key != key.encode():
            raise KeyMismatch(f"key {message.key!r} is not loan account {key!r}")
        outcome, updated = apply_notification(ledger_from_json(ledger.get(key)), notification)
        if outcome is Outcome.APPLIED:
            ledger[key] = ledger_to_json(updated)
        MESSAGES.labels(app.service_name, message.topic, outcome.value).inc()
        # A duplicate re-sinks and re-announces with the same event id: a crash between the
        # table write and the sink flush must not lose the row or the event.
        row = None
        if outcome is not Outcome.CONFLICT:
            digest = notification.content_hash()
            row = payment_row(notification, status="RECEIVED", content_hash=digest)
        published = codec.encode(EVENT, payment_event(notification, outcome))
        return Handled(event, row, (key.encode(), published))

    async def flush(handled: list[Handled]) -> list[Handled]:
        """Sink the batch's rows; rows PostgreSQL refuses are dead-lettered one by one."""
        nonlocal sink
        if sink is None:
            sink = PostgresSink(await app.db_pool(), Payment.__table__, ["reference_number"])
        rows = [h.row for h in handled if h.row is not None]
        try:
            await sink.write(rows)
            return handled
        except SinkDataError:
            log.warning("batch refused by PostgreSQL; writing its %d rows one by one", len(rows))
        kept: list[Handled] = []
        for h in handled:
            try:
                if h.row is not None:
                    await sink.write([h.row])
                kept.append(h)
            except SinkDataError as exc:
                await dead_letter(app, h.event.message, exc)
        return kept

    async def process(batch: list[EventT]) -> None:
        handled: list[Handled] = []
        for event in batch:
            with processing(event):
                try:
                    handled.append(handle(event))
                except Exception as exc:  # every failure is parked, none is dropped
                    await dead_letter(app, event.message, exc)
        # Commit order: flush sinks → produce → ack (Faust then commits the offsets).
        kept = await flush(handled)
        await publish_all(app, events_topic, [h.published for h in kept])

    @app.agent(notifications_topic(app), name="payments.apply-notifications")
    async def apply_notifications(stream: StreamT) -> None:
        assert isinstance(stream, Stream)
        batches = acked_batches(app, stream, settings.sink_batch_size, settings.sink_flush_seconds)
        async for batch in batches:
            with BATCH_SECONDS.labels(app.service_name, "apply-notifications").time():
                await process(batch)
