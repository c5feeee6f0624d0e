"""Answer the lookups made in one turn of the event loop with one batch query.

Under load, aiohttp starts many requests in the same turn of the loop, and each used to
make its own round trip for the same kind of lookup. `Coalescer.get` queues a key and
schedules one flush for the end of the turn; the flush asks for every queued key at once.
A lone request waits for nothing more than the rest of its own turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

# Keys per query: bounds one statement's arrays.
MAX_BATCH = 500


class Coalescer(Generic[K, V]):
    """`get(key)` answered by `fetch(keys)`, which returns one value per key, in order."""

    def __init__(
        self, fetch: Callable[[list[K]], Awaitable[Sequence[V]]], max_batch: int = MAX_BATCH
    ) -> None:
        self._fetch = fetch
        self._max_batch = max_batch
        self._pending: list[tuple[K, asyncio.Future[V]]] = []
        self._flushing: set[asyncio.Task[None]] = set()

    async def get(self, key: K) -> V:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[V] = loop.create_future()
        if not self._pending:
            loop.call_soon(self._flush)
        self._pending.append((key, future))
        return await future

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        for start in range(0, len(pending), self._max_batch):
            task = asyncio.ensure_future(self._answer(pending[start : start + self._max_batch]))
            # Held until done: the loop keeps only weak references to tasks.
            self._flushing.add(task)
            task.add_done_callback(self._flushing.discard)

    async def _answer(self, batch: list[tuple[K, asyncio.Future[V]]]) -> None:
        try:
            values = await self._fetch([key for key, _ in batch])
            if len(values) != len(batch):
                raise RuntimeError(f"asked for {len(batch)} keys, got {len(values)} answers")
        except asyncio.CancelledError:
            for _, future in batch:
                future.cancel()
            raise
        except Exception as exc:
            # Every caller of the batch sees the failure, as it would have seen its own.
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), value in zip(batch, values, strict=True):
            # A caller that went away (client disconnected) cancelled its future.
            if not future.done():
                future.set_result(value)
