"""Lookups made in one turn of the event loop are answered by one batch call, in order."""

from __future__ import annotations

import asyncio

import pytest

from persistence.coalesce import Coalescer


class _Source:
    def __init__(self, fail: Exception | None = None) -> None:
        self.calls: list[list[int]] = []
        self.fail = fail

    async def fetch(self, keys: list[int]) -> list[str]:
        self.calls.append(keys)
        await asyncio.sleep(0)
        if self.fail is not None:
            raise self.fail
        return [f"value {k}" for k in keys]


async def test_lookups_of_one_turn_share_one_call_and_get_their_own_answers() -> None:
    source = _Source()
    coalescer = Coalescer(source.fetch)
    answers = await asyncio.gather(*(coalescer.get(k) for k in (3, 1, 2)))
    assert answers == ["value 3", "value 1", "value 2"]
    assert source.calls == [[3, 1, 2]]


async def test_a_later_turn_makes_its_own_call() -> None:
    source = _Source()
    coalescer = Coalescer(source.fetch)
    assert await coalescer.get(1) == "value 1"
    assert await coalescer.get(2) == "value 2"
    assert source.calls == [[1], [2]]


async def test_a_large_turn_is_split_into_bounded_calls() -> None:
    source = _Source()
    coalescer = Coalescer(source.fetch, max_batch=2)
    answers = await asyncio.gather(*(coalescer.get(k) for k in range(5)))
    assert answers == [f"value {k}" for k in range(5)]
    assert source.calls == [[0, 1], [2, 3], [4]]


async def test_a_failed_call_fails_every_lookup_of_its_batch() -> None:
    source = _Source(fail=ConnectionError("database down"))
    coalescer = Coalescer(source.fetch)
    results = await asyncio.gather(coalescer.get(1), coalescer.get(2), return_exceptions=True)
    assert [str(r) for r in results] == ["database down", "database down"]
    # The next turn tries again.
    source.fail = None
    assert await coalescer.get(3) == "value 3"


async def test_a_caller_that_went_away_does_not_disturb_the_others() -> None:
    source = _Source()
    coalescer = Coalescer(source.fetch)
    gone = asyncio.ensure_future(coalescer.get(1))
    stays = asyncio.ensure_future(coalescer.get(2))
    await asyncio.sleep(0)
    gone.cancel()
    assert await stays == "value 2"
    with pytest.raises(asyncio.CancelledError):
        await gone


async def test_a_fetch_answering_for_the_wrong_number_of_keys_is_an_error() -> None:
    async def short(keys: list[int]) -> list[str]:
        return ["only one"]

    coalescer = Coalescer(short)
    with pytest.raises(RuntimeError, match="asked for 2 keys, got 1"):
        await asyncio.gather(coalescer.get(1), coalescer.get(2))
