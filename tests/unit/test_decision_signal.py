"""Waiting for a decision: woken by its announcement, or by looking again each second."""

from __future__ import annotations

import asyncio
import time

from persistence.decision_signal import CHANNEL, DecisionWaiter, parse_payload, payloads


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


async def test_an_announced_outcome_answers_without_looking_at_the_row() -> None:
    waiter = DecisionWaiter(_no_database)
    looks = 0

    async def look() -> None:
        nonlocal looks
        looks += 1

    async with waiter.expecting("the-id") as expected:
        # Announced before the wait begins (a fast worker): registered, so not lost.
        waiter._notified(None, 0, CHANNEL, payloads({"the-id": {"status": "RECORDED"}})[0])
        answer = await expected.outcome(5, look, lambda outcome: outcome["status"])
    assert answer == "RECORDED" and looks == 0
    assert waiter._waiting == {}


async def test_an_outcome_the_request_cannot_use_makes_it_read_the_row() -> None:
    waiter = DecisionWaiter(_no_database)

    async def look() -> str:
        return "the stored row"

    async with waiter.expecting("the-id") as expected:
        waiter.settle({"the-id": {"replay": True}})
        answer = await expected.outcome(5, look, lambda _outcome: None)
    assert answer == "the stored row"


async def test_a_worker_settles_the_waiters_of_its_own_process_directly() -> None:
    waiter = DecisionWaiter(_no_database)

    async def never() -> None:
        raise AssertionError("a settled request must not read the row")

    async def decide_later() -> None:
        await asyncio.sleep(0.05)
        waiter.settle({"the-id": "decided"})

    async with waiter.expecting("the-id") as expected:
        answer, _ = await asyncio.gather(
            expected.outcome(5, never, lambda outcome: outcome), decide_later()
        )
    assert answer == "decided"


async def test_settling_tells_which_decisions_had_a_request_waiting_here() -> None:
    waiter = DecisionWaiter(_no_database)
    async with waiter.expecting("here") as expected:
        woken = waiter.settle({"here": "decided", "elsewhere": "decided"})
        answer = await expected.outcome(5, _no_database, lambda outcome: outcome)
    # Only "elsewhere" still needs announcing to the other processes.
    assert woken == {"here"} and answer == "decided"
    assert waiter.settle({"here": "again"}) == set()


def test_outcomes_are_split_into_notify_sized_payloads_and_read_back() -> None:
    reason = "x" * 300
    outcomes = {f"{i:036d}": {"status": "REFUSED", "reason": reason} for i in range(100)}
    sent = payloads(outcomes)
    assert len(sent) > 1 and all(len(p.encode()) < 8000 for p in sent)
    received: dict[str, object] = {}
    for payload in sent:
        received.update(parse_payload(payload))
    assert received == outcomes


def test_an_outcome_too_long_for_a_notify_is_sent_without_it() -> None:
    sent = payloads({"the-id": {"reason": "x" * 9000}})
    assert [parse_payload(p) for p in sent] == [{"the-id": None}]


def test_a_bare_list_of_ids_from_an_older_worker_wakes_its_waiters_without_outcomes() -> None:
    assert parse_payload("a,b") == {"a": None, "b": None}
