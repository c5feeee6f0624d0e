"""A publish call wakes once, when the broker has answered for every one of its records."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from streams.publish import _Deliveries


class _Message:
    def __init__(self, partition: int, offset: int) -> None:
        self._partition, self._offset = partition, offset

    def topic(self) -> str:
        return "payments.events"

    def partition(self) -> int:
        return self._partition

    def offset(self) -> int:
        return self._offset


def _answer(
    deliveries: _Deliveries, n: int, error: Any = None, partition: int = 0, first: int = 0
) -> None:
    """Deliver n records from another thread, as librdkafka's delivery thread does."""

    def serve() -> None:
        for i in range(n):
            deliveries.delivered(error, _Message(partition, first + i))  # type: ignore[arg-type]

    thread = threading.Thread(target=serve)
    thread.start()
    thread.join()


async def test_answers_arriving_after_the_last_send_wake_the_caller() -> None:
    deliveries = _Deliveries(asyncio.get_running_loop())
    deliveries.expect(3)
    _answer(deliveries, 2)
    await asyncio.sleep(0)
    assert not deliveries.done.done()
    _answer(deliveries, 1)
    await asyncio.wait_for(deliveries.done, 1)
    assert deliveries.errors == []


async def test_answers_arriving_before_the_count_is_known_are_not_lost() -> None:
    # The delivery thread may answer for early records while later ones are still sent.
    deliveries = _Deliveries(asyncio.get_running_loop())
    _answer(deliveries, 2)
    assert not deliveries.done.done()
    deliveries.expect(2)
    assert deliveries.done.done()


async def test_a_failed_record_is_reported_once_all_answered() -> None:
    deliveries = _Deliveries(asyncio.get_running_loop())
    deliveries.expect(2)
    _answer(deliveries, 1, error="broker down")
    await asyncio.sleep(0)
    assert not deliveries.done.done()
    _answer(deliveries, 1)
    await asyncio.wait_for(deliveries.done, 1)
    assert deliveries.errors == ["payments.events: broker down"]


@pytest.mark.parametrize("early", [0, 1])
async def test_nothing_is_settled_before_every_record_is_answered(early: int) -> None:
    deliveries = _Deliveries(asyncio.get_running_loop())
    _answer(deliveries, early)
    deliveries.expect(5)
    _answer(deliveries, 3)
    await asyncio.sleep(0.01)
    assert not deliveries.done.done()


async def test_the_highest_acknowledged_offset_of_each_partition_is_kept() -> None:
    deliveries = _Deliveries(asyncio.get_running_loop())
    _answer(deliveries, 3, partition=1, first=40)
    _answer(deliveries, 2, partition=0, first=7)
    _answer(deliveries, 1, error="broker down", partition=0, first=99)
    deliveries.expect(6)
    await asyncio.wait_for(deliveries.done, 1)
    assert deliveries.offsets == {("payments.events", 1): 42, ("payments.events", 0): 8}
