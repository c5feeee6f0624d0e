"""Payments agents: keep each loan's view, apply notifications exactly once, sink, publish.

One agent reads three co-partitioned topics keyed by loan account — notifications, the
core's loans (sync.loan) and the core's due segments re-keyed by account — so the worker
that owns a loan's ledger sees its payments and its core figures in order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from faust.types import EventT, StreamT

from domain.allocation import DEFAULT_ORDER, Component
from domain.loan_ledger import (
    Decision,
    LoanLedger,
    Outcome,
    receive,
    update_core,
    update_segment,
)
from domain.payments import PaymentNotification
from streams import failpoints
from streams.app import CrmApp
from streams.avro import codec_for
from streams.batching import consume_in_batches, processing
from streams.core_loans import (
    SEGMENT_KEY_HEADER,
    core_loan_of,
    due_segment_of,
    rekey_segment,
)
from streams.dlq import BadMessage, dead_letter
from streams.metrics import BATCH_SECONDS, MESSAGES
from streams.payment_sinks import PaymentSinks
from streams.payments import EVENT, notification_from_avro, payment_event
from streams.topics import (
    PAYMENTS_EVENTS,
    PAYMENTS_LOAN_SEGMENTS,
    PAYMENTS_NOTIFICATIONS,
    SYNC_DUE_SEGMENTATION,
    SYNC_LOAN,
)
from tables.payments import ledger_from_json, ledger_to_json
from tables.raw import RawKeyedTable

log = logging.getLogger(__name__)


@dataclass
class Handled:
    """One message's effect: the decisions it produced and the ledger value before it."""

    event: EventT
    key: str
    decisions: list[Decision] = field(default_factory=list)
    # To put back if PostgreSQL refuses the message's rows (None: the loan had no ledger).
    previous: LoanLedger | None = None


def register(
    app: CrmApp, ledger: RawKeyedTable, order: tuple[Component, ...] = DEFAULT_ORDER
) -> None:
    """Attach the payments agents to the payments app."""
    settings = app.settings
    codec = codec_for(settings)
    names = {
        "notification": settings.topic(PAYMENTS_NOTIFICATIONS.name),
        "loan": settings.topic(SYNC_LOAN.name),
        "segment": settings.topic(PAYMENTS_LOAN_SEGMENTS.name),
    }
    kind_of_topic = {topic: kind for kind, topic in names.items()}
    events_topic = settings.topic(PAYMENTS_EVENTS.name)
    sinks = PaymentSinks(app)

    def decode_notification(event: EventT) -> PaymentNotification:
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

    def account_of(event: EventT) -> str:
        key = event.message.key
        if not key:
            raise BadMessage("a message keyed by loan account has no key")
        try:
            return bytes(key).decode()
        except UnicodeDecodeError as exc:
            raise BadMessage("the key is not UTF-8") from exc

    def handle(event: EventT, pending: dict[str, tuple[EventT, LoanLedger]]) -> Handled:
        """Decide one message against its loan's ledger; leave the new ledger in `pending`."""
        kind = kind_of_topic[event.message.topic]
        account = account_of(event)
        current: LoanLedger | None
        if account in pending:
            current = pending[account][1]
        else:
            current = ledger.decoded(account, ledger_from_json)[1]
        handled = Handled(event, account, previous=current)
        match kind:
            case "notification":
                decision, updated = receive(current, decode_notification(event), order)
                handled.decisions.append(decision)
                MESSAGES.labels(app.service_name, event.message.topic, decision.outcome).inc()
            case "loan":
                core = core_loan_of(codec, account, event.message.value)
                handled.decisions, updated = update_core(current, account, core, order)
                MESSAGES.labels(app.service_name, event.message.topic, "core").inc()
            case _:
                headers = dict(event.message.headers or [])
                natural_key = headers.get(SEGMENT_KEY_HEADER)
                day, due = due_segment_of(codec, account, natural_key, event.message.value)
                updated = update_segment(current, account, day, due)
                MESSAGES.labels(app.service_name, event.message.topic, "segment").inc()
        # A replayed message is decided as a duplicate of what the table holds. That state
        # may be only in this worker's RocksDB (its changelog entry lost with the crash that
        # caused the replay), so it is written again before PostgreSQL is.
        replayed = any(d.outcome is Outcome.DUPLICATE for d in handled.decisions)
        if updated != current or replayed:
            pending[account] = (event, updated)
        return handled

    def write(pending: dict[str, tuple[EventT, LoanLedger]]) -> None:
        """Write each changed ledger once per batch, before the sink.

        A crash in between replays the messages, and the ledger recognises them
        (duplicates) and hands back the same decisions. Once per batch, not per message:
        the whole ledger is encoded for every write, and a loan with thousands of
        notifications in suspense made that quadratic (timers 30 s late in the worker).
        """
        for account, (event, updated) in pending.items():
            with processing(event):
                ledger.put_decoded(account, ledger_to_json(updated), updated)

    async def process(batch: list[EventT]) -> None:
        with BATCH_SECONDS.labels(app.service_name, "apply-notifications").time():
            handled: list[Handled] = []
            pending: dict[str, tuple[EventT, LoanLedger]] = {}
            for event in batch:
                with processing(event):
                    try:
                        handled.append(handle(event, pending))
                    except BadMessage as exc:
                        await dead_letter(app, event.message, exc)
            write(pending)
            # Tests crash here: the ledger holds the batch, PostgreSQL does not yet.
            failpoints.reached("payments.before-sink", sum(len(h.decisions) for h in handled))
            # PostgreSQL never gets ahead of the ledger's changelog (see RawKeyedTable).
            await ledger.changelog_durable()
            # Commit order: flush sinks → produce → ack (Faust then commits the offsets).
            now = datetime.now(UTC)
            kept = await sinks.flush(handled, now, restore)
            events = [
                (h.key.encode(), codec.encode(EVENT, payment_event(d, now)))
                for h in kept
                for d in h.decisions
            ]
            await app.publisher.publish(events_topic, events)

    async def restore(h: Handled, error: BaseException) -> None:
        """PostgreSQL refused this message's rows: undo its ledger change, dead-letter it."""
        with processing(h.event):
            if h.previous is not None:
                ledger[h.key] = ledger_to_json(h.previous)
            elif h.key in ledger:
                del ledger[h.key]
        await dead_letter(app, h.event.message, error)

    sources = app.topic(
        *names.values(),
        key_type=bytes,
        value_type=bytes,
        partitions=settings.topic_partitions,
    )

    @app.agent(sources, name="payments.apply-notifications")
    async def apply_notifications(stream: StreamT) -> None:
        await consume_in_batches(
            app, stream, settings.sink_batch_size, settings.payments_flush_seconds, process
        )

    segments_in = app.topic(
        settings.topic(SYNC_DUE_SEGMENTATION.name),
        key_type=bytes,
        value_type=bytes,
        partitions=settings.topic_partitions,
    )
    segments_out = names["segment"]

    async def forward(batch: list[EventT]) -> None:
        records = []
        for event in batch:
            try:
                records.append(rekey_segment(event.message.key, event.message.value))
            except BadMessage as exc:
                await dead_letter(app, event.message, exc)
        await app.publisher.publish(segments_out, records)

    @app.agent(segments_in, name="payments.rekey-segments")
    async def rekey_segments(stream: StreamT) -> None:
        await consume_in_batches(
            app, stream, settings.sink_batch_size, settings.sink_flush_seconds, forward
        )
