"""Waiting for a decision: woken by its announcement, or by looking again each second."""

from __future__ import annotations

import asyncio
import time

from persistence.decision_signal import CHANNEL, DecisionWaiter


async def _no_database() -> object:
    raise OSError("PostgreSQL is away")


async def test_an_announcement_wakes_the_waiter_at_once() -> None:
    waiter = DecisionWaiter(_no_database)
    stored: list[str] = []

    async def look() -> str | None:
        return stored[0] if stored else None

    async def decide_later() -> None:
        await asyncio.sleep(0.05)
        stored.append("row")
        waiter._notified(None, 0, CHANNEL, "other-id,the-id")

    started = time.monotonic()
    found, _ = await asyncio.gather(waiter.wait("the-id", 5, look), decide_later())
    assert found == "row" and time.monotonic() - started < 0.5
    assert waiter._waiting == {}


async def test_without_an_announcement_it_looks_again_and_gives_up_at_the_deadline() -> None:
    waiter = DecisionWaiter(_no_database)
    looks = 0

    async def look() -> None:
        nonlocal looks
        looks += 1

    started = time.monotonic()
    assert await waiter.wait("never", 1.5, look) is None
    assert 1.4 < time.monotonic() - started < 2.5 and looks >= 2
