"""Batches leave full or after their oldest item's window, and fill while one is handled."""

from __future__ import annotations

import asyncio
import time

import pytest

from streams.gather import Gatherer


class Stopper:
    """The consumer's side of a wait: the event, a timeout, or stopping, whichever is first."""

    def __init__(self) -> None:
        self.stopping = asyncio.Event()

    async def wait(self, event: asyncio.Event, seconds: float | None) -> bool:
        waits = {asyncio.ensure_future(event.wait()), asyncio.ensure_future(self.stopping.wait())}
        _, left = await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        for task in left:
            task.cancel()
        return self.stopping.is_set()


async def test_a_full_batch_leaves_at_once_and_a_short_one_after_its_window() -> None:
    stop = Stopper()
    gatherer: Gatherer[int] = Gatherer(3, 0.2, stop.wait)
    batches = gatherer.batches()
    for item in (1, 2, 3):
        assert await gatherer.add(item)
    fourth = asyncio.create_task(gatherer.add(4))
    started = time.monotonic()
    assert await anext(batches) == [1, 2, 3]
    assert time.monotonic() - started < 0.1
    assert await fourth
    assert await anext(batches) == [4]
    assert 0.15 < time.monotonic() - started < 0.4


async def test_the_next_batch_fills_while_one_is_handled() -> None:
    stop = Stopper()
    gatherer: Gatherer[int] = Gatherer(100, 0.05, stop.wait)
    batches = gatherer.batches()
    await gatherer.add(1)
    assert await anext(batches) == [1]
    # "Handling" batch [1]: the stream goes on adding, and the next batch has them all.
    for item in range(2, 50):
        await gatherer.add(item)
    assert await anext(batches) == list(range(2, 50))


async def test_a_full_next_batch_holds_the_stream_until_it_is_taken() -> None:
    stop = Stopper()
    gatherer: Gatherer[int] = Gatherer(2, 1.0, stop.wait)
    batches = gatherer.batches()
    await gatherer.add(1)
    await gatherer.add(2)
    third = asyncio.create_task(gatherer.add(3))
    await asyncio.sleep(0.05)
    assert not third.done() and gatherer.pending == 2
    assert await anext(batches) == [1, 2]
    assert await third and gatherer.pending == 1


async def test_stopping_ends_the_batches_and_refuses_what_waits_for_room() -> None:
    stop = Stopper()
    gatherer: Gatherer[int] = Gatherer(1, 1.0, stop.wait)
    batches = gatherer.batches()
    await gatherer.add(1)
    blocked = asyncio.create_task(gatherer.add(2))
    await asyncio.sleep(0.01)
    stop.stopping.set()
    assert await blocked is False
    # Nothing waits on an empty gatherer's window; a stopped consumer gets no more batches.
    assert await anext(batches) == [1]
    with pytest.raises(StopAsyncIteration):
        await anext(batches)


def test_a_batch_needs_a_size_and_a_window() -> None:
    async def never(event: asyncio.Event, seconds: float | None) -> bool:
        return True

    with pytest.raises(ValueError, match="size"):
        Gatherer(0, 1.0, never)
    with pytest.raises(ValueError, match="window"):
        Gatherer(1, 0, never)
