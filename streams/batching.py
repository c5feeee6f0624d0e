"""Batch consumption with acknowledgement only after the batch's effects are durable."""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from faust.streams import Stream, _current_event
from faust.types import EventT, StreamT

from streams.app import CrmApp

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


class HoleGuard:
    """Notices a partition's offsets skipping ahead and reads the partition again from there.

    Faust's fetcher can drop a fetched message when the flow is suspended for a rebalance
    (see streams.faust_fixes): the stream then jumps from offset C-1 to C+1. Events after
    the hole are left unacknowledged (the commit stays before C) and the consumer seeks back
    to C, so C and what follows arrive again, in order. A hole seen again after its seek is a
    real gap in the log (compaction, transaction markers) and is let through.
    """

    # A committed offset this worker has read past but not moved for this long means its
    # message never reached the agent (dropped before the stream saw a hole): read again.
    STALL_SECONDS = 30.0

    def __init__(self, app: CrmApp, clock: Callable[[], float] = time.monotonic) -> None:
        self._app = app
        self._clock = clock
        self._next: dict[Any, int] = {}
        self._sought: dict[Any, int] = {}
        # Per partition: the committed offset last seen and since when it has not moved.
        self._stuck: dict[Any, tuple[int, float]] = {}

    def stalled(self) -> dict[Any, int]:
        """Partitions whose commit sits behind what was handled for STALL_SECONDS."""
        committed: dict[Any, int | None] = getattr(self._app.consumer, "_committed_offset", {})
        now, out = self._clock(), {}
        for tp, next_offset in self._next.items():
            at = committed.get(tp)
            if at is None or at >= next_offset:
                self._stuck.pop(tp, None)
                continue
            seen, since = self._stuck.get(tp, (at, now))
            if seen != at:
                seen, since = at, now
            self._stuck[tp] = (seen, since)
            if now - since >= self.STALL_SECONDS:
                out[tp] = at
                self._stuck.pop(tp, None)
        return out

    def split(self, events: list[EventT]) -> tuple[list[EventT], dict[Any, int]]:
        """The events to handle now, and per partition the offset to read again from."""
        ready: list[EventT] = []
        holes: dict[Any, int] = {}
        # Faust's own record of each partition's committed position (next offset to read).
        committed: dict[Any, int | None] = getattr(self._app.consumer, "_committed_offset", {})
        for event in events:
            tp, offset = event.message.tp, event.message.offset
            if tp in holes:
                continue
            # After a rebalance the committed offset may be ahead of what this worker saw.
            expected = max(self._next.get(tp, -1), committed.get(tp) or -1)
            if 0 <= expected < offset and self._sought.get(tp) != expected:
                holes[tp] = expected
                continue
            ready.append(event)
            self._next[tp] = offset + 1
        return ready, holes

    async def reread(self, holes: dict[Any, int]) -> None:
        for tp, offset in holes.items():
            log.warning("%s[%s]: offset %d never arrived; reading again from it", *tp, offset)
            self._sought[tp] = offset
            self._next[tp] = offset
        # seek_wait, not seek: the Kafka consumer lives in Faust's consumer thread, and only
        # seek_wait hands the call to that thread (seek touches it from this one).
        await self._app.consumer.seek_wait(holes)


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
    guard = HoleGuard(app)
    async for batch in stream.noack_take(size, within):
        # Every event is handled and acked. Filtering by the consumer's current assignment was
        # tried and removed: mid-rebalance the assignment can read empty, and dropped events
        # were never fetched again, stalling the partition. Replays are idempotent instead.
        events, holes = guard.split(list(batch))
        try:
            await handle(events)
        except Exception as exc:
            log.exception("batch of %d failed; stopping the worker uncommitted", len(events))
            await app.crash(exc)
            raise
        for event in events:
            await stream.ack(event)
        if holes := {**guard.stalled(), **holes}:
            await guard.reread(holes)
