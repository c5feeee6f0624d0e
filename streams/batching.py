"""Batch consumption with acknowledgement only after the batch's effects are durable."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

from faust.streams import Stream, _current_event
from faust.types import EventT

from streams.app import CrmApp

log = logging.getLogger(__name__)


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


async def acked_batches(
    app: CrmApp, stream: Stream, size: int, within: float
) -> AsyncIterator[list[EventT]]:
    """Yield batches; ack a batch only once the caller has finished it without error.

    `take_events` acks a batch even when the agent fails or is cancelled mid-batch, and
    Faust commits acked offsets on shutdown: a sink that had not flushed would lose rows.
    Here an unfinished batch stays unacked, its offsets uncommitted, and it is redelivered
    after a restart. A failure that is not a bad message (those go to the dead-letter topic
    before this point) stops the worker rather than let the agent die silently.
    """
    async for batch in stream.noack_take(size, within):
        events: list[EventT] = list(batch)
        try:
            yield events
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("batch of %d failed; stopping the worker uncommitted", len(events))
            await app.crash(exc)
            raise
        for event in events:
            await stream.ack(event)
