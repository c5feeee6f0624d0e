"""Gathering a stream's events into batches while the previous batch is being handled.

Faust's `take` stops reading while its batch is handled, then waits its whole window again:
a message waited for the window plus the batch before it, and a batch held only what the
window let in. Here the stream goes on filling the next batch during the handling (at most
`size` events ahead, then it waits for room), and a batch leaves as soon as it is full or its
oldest event has waited `within`. Under a backlog batches leave full, one after another;
at a trickle each event waits at most `within`; with nothing to read, nothing wakes up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")

# Wait for the event (or the timeout); True when the consumer is stopping instead.
Wait = Callable[[asyncio.Event, float | None], Awaitable[bool]]


class Gatherer(Generic[T]):
    def __init__(
        self,
        size: int,
        within: float,
        wait: Wait,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if size < 1 or within <= 0:
            raise ValueError("a batch needs a size of at least 1 and a positive window")
        self.size, self.within, self._wait, self._clock = size, within, wait, clock
        self._pending: list[T] = []
        self._oldest = 0.0
        self._arrived = asyncio.Event()  # the first event of a batch came
        self._full = asyncio.Event()  # the batch reached its size
        self._room = asyncio.Event()  # the batch has room again
        self._room.set()

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def add(self, item: T) -> bool:
        """Put `item` in the next batch, waiting while it is full; False if stopped first."""
        while len(self._pending) >= self.size:
            self._room.clear()
            if await self._wait(self._room, None):
                return False
        if not self._pending:
            self._oldest = self._clock()
            self._arrived.set()
        self._pending.append(item)
        if len(self._pending) >= self.size:
            self._full.set()
        return True

    async def batches(self) -> AsyncIterator[list[T]]:
        """Each batch once it is full or its oldest item has waited `within`; ends when stopped."""
        while True:
            if not self._pending:
                self._arrived.clear()
                if await self._wait(self._arrived, None):
                    return
                continue
            left = self._oldest + self.within - self._clock()
            if len(self._pending) < self.size and left > 0:
                self._full.clear()
                if await self._wait(self._full, left):
                    return
                continue
            batch, self._pending = self._pending, []
            self._full.clear()
            self._room.set()
            yield batch
