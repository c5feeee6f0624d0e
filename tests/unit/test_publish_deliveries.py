"""A publish call wakes once, when the broker has answered for every one of its records."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from streams.publish import _Deliveries


class _Message:
    def topic(self) -> str:
        return "payments.events"


def _answer(deliveries: _Deliveries, n: int, error: Any = None) -> None:
    """Deliver n records from another thread, as librdkafka's delivery thread does."""

    def serve() -> None:
        for _ in range(n):
            deliveries.delivered(error, _Message())  # type: ignore[arg-type]

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
