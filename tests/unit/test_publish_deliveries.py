"""A publish call wakes once, when the broker has answered for every one of its records;
calls answered in one poll of the delivery thread wake their loop once."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from streams.publish import _Deliveries, _Wakeups


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


async def test_calls_answered_within_one_poll_wake_their_loop_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop = asyncio.get_running_loop()
    wake_ups: list[Any] = []
    original = loop.call_soon_threadsafe

    def counted(callback: Any, *args: Any) -> Any:
        wake_ups.append(callback)
        return original(callback, *args)

    monkeypatch.setattr(loop, "call_soon_threadsafe", counted)
    wakeups = _Wakeups()
    calls = [_Deliveries(loop, wakeups.add) for _ in range(3)]
    for deliveries in calls:
        deliveries.expect(2)
        _answer(deliveries, 2)
    await asyncio.sleep(0.01)
    # Answered, but the poll that served the answers has not returned yet.
    assert not any(d.done.done() for d in calls)

    poll_returns = threading.Thread(target=wakeups.wake)
    poll_returns.start()
    poll_returns.join()
    await asyncio.wait_for(asyncio.gather(*(d.done for d in calls)), 1)
    assert len(wake_ups) == 1


async def test_a_call_not_yet_fully_answered_waits_for_a_later_poll() -> None:
    wakeups = _Wakeups()
    first = _Deliveries(asyncio.get_running_loop(), wakeups.add)
    second = _Deliveries(asyncio.get_running_loop(), wakeups.add)
    first.expect(1)
    second.expect(2)
    _answer(first, 1)
    _answer(second, 1)
    wakeups.wake()
    await asyncio.wait_for(first.done, 1)
    assert not second.done.done()
    _answer(second, 1, first=1)
    wakeups.wake()
    await asyncio.wait_for(second.done, 1)
