"""Payments agents: apply notifications exactly once per reference, sink them, publish events."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import faust
from faust.types import EventT, StreamT

from domain.payments import Outcome, PaymentNotification, apply_notification
from persistence.models.payments import Payment
from persistence.sink import PostgresSink, SinkDataError
from streams.app import CrmApp
from streams.avro import codec_for
from streams.batching import consume_in_batches, processing
from streams.dlq import BadMessage, dead_letter
from streams.metrics import BATCH_SECONDS, MESSAGES
from streams.payments import EVENT, notification_from_avro, payment_event, payment_row
from streams.topics import PAYMENTS_EVENTS, PAYMENTS_NOTIFICATIONS
from tables.payments import ledger_from_json, ledger_to_json

log = logging.getLogger(__name__)


@dataclass
class Handled:
    event: EventT
    key: str
    row: dict[str, Any] | None
    published: tuple[bytes, bytes]
    # The ledger value before this message, to put back if PostgreSQL refuses its row.
    previous: dict[str, Any] | None


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

    def decode(event: EventT) -> PaymentNotification:
        """Everything that can be wrong with the message itself is a BadMessage."""
        message = event.message
        try:
            if message.value is None:
                raise ValueError("a notification cannot be empty (tombstone)")
            _, record = codec.decode(message.value)
            notification = notification_from_avro(record)
        except (ValueError, KeyError, TypeError) as exc:
            raise BadMessage(str(exc)) from exc
        if message.key != notification.loan_account_number.encode():
            raise BadMessage(f"key {message.key!r} is not loan {notification.loan_account_number}")
        return notification

    def handle(event: EventT) -> Handled:
        notification = decode(event)
        key = notification.loan_account_number
        previous = ledger.get(key)
        outcome, updated = apply_notification(ledger_from_json(previous), notification)
        # Row and event are built before the table changes: a failure here leaves no trace.
        row = None
        if outcome is not Outcome.CONFLICT:
            digest = notification.content_hash()
            row = payment_row(notification, status="RECEIVED", content_hash=digest)
        published = (key.encode(), codec.encode(EVENT, payment_event(notification, outcome)))
        if outcome is not Outcome.CONFLICT:
            # Written for duplicates too: a crash after the RocksDB write but before the
            # changelog send would otherwise leave the changelog without this payment.
            ledger[key] = ledger_to_json(updated)
        MESSAGES.labels(app.service_name, event.message.topic, outcome.value).inc()
        return Handled(event, key, row, published, previous)

    async def flush(handled: list[Handled]) -> list[Handled]:
        """Sink the batch's rows; rows PostgreSQL refuses are dead-lettered one by one."""
        nonlocal sink
        if sink is None:
            # Insert-or-nothing: a redelivery must not rewrite what the first receipt stored.
            pool = await app.db_pool()
            sink = PostgresSink(pool, Payment.__table__, ["reference_number"], update_columns=[])
        try:
            await sink.write([h.row for h in handled if h.row is not None])
            return handled
        except SinkDataError:
            log.warning("batch refused by PostgreSQL; writing its rows one by one")
        kept: list[Handled] = []
        for h in handled:
            try:
                if h.row is not None:
                    await sink.write([h.row])
                kept.append(h)
            except SinkDataError as exc:
                with processing(h.event):
                    if h.previous is not None:
                        ledger[h.key] = h.previous
                    elif h.key in ledger:
                        del ledger[h.key]
                await dead_letter(app, h.event.message, exc)
        return kept

    async def process(batch: list[EventT]) -> None:
        with BATCH_SECONDS.labels(app.service_name, "apply-notifications").time():
            handled: list[Handled] = []
            for event in batch:
                with processing(event):
                    try:
                        handled.append(handle(event))
                    except BadMessage as exc:
                        await dead_letter(app, event.message, exc)
            # Commit order: flush sinks → produce → ack (Faust then commits the offsets).
            kept = await flush(handled)
            await app.publisher.publish(events_topic, [h.published for h in kept])

    @app.agent(notifications_topic(app), name="payments.apply-notifications")
    async def apply_notifications(stream: StreamT) -> None:
        await consume_in_batches(
            app, stream, settings.sink_batch_size, settings.sink_flush_seconds, process
        )
