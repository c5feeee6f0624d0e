"""One row PostgreSQL refuses is parked; the rest of its batch is written."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from persistence.sink import SinkDataError
from streams.dlq import write_isolating


class _Producer:
    def __init__(self) -> None:
        self.parked: list[tuple[str, Any]] = []

    async def send_and_wait(self, topic: str, key: Any, value: Any, **_: Any) -> None:
        self.parked.append((topic, value))


def _message(n: int) -> SimpleNamespace:
    return SimpleNamespace(
        topic="t", key=b"k", value=f"m{n}".encode(), headers=[], partition=0, offset=n
    )


async def test_the_refused_row_is_dead_lettered_and_the_others_are_written() -> None:
    producer = _Producer()
    app: Any = SimpleNamespace(producer=producer, service_name="workflow")
    written: list[int] = []

    async def write(items: list[int]) -> None:
        if 2 in items:
            raise SinkDataError("t", len(items), ValueError("bad row"))
        written.extend(items)

    kept = await write_isolating(app, [1, 2, 3], write, _message, "test")
    assert (kept, written, producer.parked) == ([1, 3], [1, 3], [("t.dlq", b"m2")])


async def test_a_good_batch_is_one_write() -> None:
    calls: list[list[int]] = []

    async def write(items: list[int]) -> None:
        calls.append(items)

    app: Any = SimpleNamespace(producer=_Producer(), service_name="workflow")
    assert await write_isolating(app, [1, 2], write, _message, "test") == [1, 2]
    assert calls == [[1, 2]]
