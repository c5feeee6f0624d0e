"""Batch consumption with acknowledgement only after the batch's effects are durable."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from faust.streams import Stream, _current_event
from faust.types import EventT, StreamT

from streams import failpoints
from streams.app import CrmApp
from streams.generations import fetched_before_rebalance
from streams.metrics import MESSAGES

log = logging.getLogger(__name__)

BatchHandler = Callable[[list[EventT]], Awaitable[None]]


@contextmanager
def processing(event: Any) -> Iterator[None]:
    """Make `event` the current event while one message of a batch is handled.

    The batch buffer is filled in a background task, so inside the agent the current-event
    context points at no event or another one; RocksDB stores pick the partition database
    from it. Each message is handled under its own event instead.
    """
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


async def consume_in_batches(
    app: CrmApp, stream: StreamT, size: int, within: float, handle: BatchHandler
) -> None:
    """Run `handle` per batch; ack a batch only once it finished without error.

    `take_events` acks a batch even when the agent fails mid-batch, and Faust commits acked
    offsets on shutdown: a sink that had not flushed would lose rows. Here an unfinished
    batch stays unacked and uncommitted and is redelivered after a restart. A failure that
    is not a bad message (those are dead-lettered inside `handle`) stops the whole worker:
    an agent that died quietly would leave a partition stuck while /health says ok.
    """
    assert isinstance(stream, Stream)
    async for batch in stream.noack_take(size, within):
        if app.should_stop:
            # Shutting down: the tables may be closed already. Left for the next owner.
            log.info("stopping: %d messages left unhandled to be read again", len(batch))
            return
        # A batch fills across a rebalance: what was fetched before it is fetched again from
        # the committed offset, here or by the partition's new owner (streams.generations),
        # and is left alone. Filtering by the consumer's current assignment instead was tried
        # and removed: mid-rebalance the assignment can read empty, and events dropped for it
        # were never fetched again, stalling the partition.
        events = _current(app, list(batch))
        if events and failpoints.hit("batching.lose-one", len(events)):
            # Tests lose a message here as Faust's stream can: neither handled, nor acked,
            # nor tracked (a skipped message never is).
            cast(Any, app.consumer)._unacked_messages.discard(events[0].message)
            events = events[1:]
        try:
            await handle(events)
        except Exception as exc:
            log.exception("batch of %d failed; stopping the worker uncommitted", len(events))
            await app.crash(exc)
            raise
        # A rebalance during the batch: acknowledging would let this worker commit past
        # events that will be handled again anyway (replays are idempotent).
        for event in _current(app, events):
            await stream.ack(event)


def _current(app: CrmApp, events: list[EventT]) -> list[EventT]:
    kept: list[EventT] = []
    for event in events:
        if fetched_before_rebalance(app, event):
            MESSAGES.labels(app.service_name, event.message.topic, "refetch").inc()
        else:
            kept.append(event)
    if len(kept) < len(events):
        stale = len(events) - len(kept)
        log.info("left %d messages fetched before a rebalance to be read again", stale)
    return kept
