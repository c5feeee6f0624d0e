"""streams.faust_delivery: Faust's per-message wait_first without a task per message."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from mode import Service

from streams import faust_delivery


class FakeConsumer(Service):
    """What the fetch loop's wait_first uses of a consumer: a Service with suspend_flow."""

    def __init__(self) -> None:
        super().__init__()
        self.suspend_flow = asyncio.Event()

    wait_first = faust_delivery._wait_first


async def _delivery(ran_in: list[asyncio.Task[Any] | None], value: str = "delivered") -> str:
    ran_in.append(asyncio.current_task())
    return value


async def test_a_delivery_while_the_flow_runs_is_awaited_in_the_fetch_loops_own_task() -> None:
    consumer = FakeConsumer()
    ran_in: list[asyncio.Task[Any] | None] = []
    results = await consumer.wait_first(_delivery(ran_in), consumer.suspend_flow.wait())
    assert results.done and results.results == ["delivered"]
    assert not results.stopped
    assert ran_in == [asyncio.current_task()]


async def test_a_delivery_that_waits_for_room_finishes_once_there_is_room() -> None:
    consumer = FakeConsumer()
    room = asyncio.Event()

    async def put() -> str:
        await room.wait()
        return "put"

    waiting = asyncio.ensure_future(consumer.wait_first(put(), consumer.suspend_flow.wait()))
    await asyncio.sleep(0.01)
    assert not waiting.done()
    room.set()
    results = await asyncio.wait_for(waiting, timeout=1)
    assert results.results == ["put"]


async def test_while_the_flow_is_suspended_faust_may_abandon_a_waiting_delivery() -> None:
    consumer = FakeConsumer()
    consumer.suspend_flow.set()
    never = asyncio.get_running_loop().create_future()

    async def stuck() -> None:
        await never

    delivery = stuck()
    results = await asyncio.wait_for(
        consumer.wait_first(delivery, consumer.suspend_flow.wait()), timeout=1
    )
    assert delivery not in results.done
    assert len(results.done) == 1


async def test_other_waits_still_run_each_awaitable_in_its_own_task() -> None:
    consumer = FakeConsumer()
    ran_in: list[asyncio.Task[Any] | None] = []
    other = asyncio.Event()
    other.set()
    await consumer.wait_first(_delivery(ran_in), other.wait())
    assert ran_in and ran_in[0] is not asyncio.current_task()


async def test_a_failing_delivery_raises_to_the_fetch_loop() -> None:
    consumer = FakeConsumer()

    async def broken() -> None:
        raise ValueError("cannot decode")

    with pytest.raises(ValueError, match="cannot decode"):
        await consumer.wait_first(broken(), consumer.suspend_flow.wait())
