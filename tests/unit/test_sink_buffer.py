"""BatchBuffer timing and in-batch key de-duplication, without a database."""

from __future__ import annotations

import pytest

from persistence.buffer import BatchBuffer, dedupe_last


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_empty_buffer_is_never_due() -> None:
    clock = FakeClock()
    buffer = BatchBuffer(max_rows=3, max_age_seconds=0.5, clock=clock)
    clock.now += 60
    assert not buffer.due()
    assert buffer.seconds_until_due() is None
    assert buffer.drain() == []


def test_due_when_count_reached() -> None:
    buffer = BatchBuffer(max_rows=3, max_age_seconds=10, clock=FakeClock())
    buffer.add({"k": 1}, {"k": 2})
    assert not buffer.due()
    buffer.add({"k": 3})
    assert buffer.due()
    assert buffer.seconds_until_due() == 0.0
    assert [row["k"] for row in buffer.drain()] == [1, 2, 3]
    assert len(buffer) == 0
    assert not buffer.due()


def test_due_when_oldest_row_is_old_enough() -> None:
    clock = FakeClock()
    buffer = BatchBuffer(max_rows=100, max_age_seconds=0.5, clock=clock)
    buffer.add({"k": 1})
    clock.now += 0.3
    buffer.add({"k": 2})
    assert not buffer.due()
    assert buffer.seconds_until_due() == pytest.approx(0.2)
    # Age counts from the first row of the batch, not from the latest one.
    clock.now += 0.2
    assert buffer.due()


def test_drain_restarts_the_age() -> None:
    clock = FakeClock()
    buffer = BatchBuffer(max_rows=100, max_age_seconds=0.5, clock=clock)
    buffer.add({"k": 1})
    clock.now += 1
    assert len(buffer.drain()) == 1
    buffer.add({"k": 2})
    assert not buffer.due()
    clock.now += 0.5
    assert buffer.due()


def test_sized_from_settings() -> None:
    from crm.settings import Settings

    settings = Settings(sink_batch_size=7, sink_flush_seconds=2.5)
    buffer = BatchBuffer.from_settings(settings)
    assert (buffer.max_rows, buffer.max_age_seconds) == (7, 2.5)


@pytest.mark.parametrize(("max_rows", "max_age"), [(0, 1.0), (1, 0.0), (1, -1.0)])
def test_rejects_nonsense_limits(max_rows: int, max_age: float) -> None:
    with pytest.raises(ValueError):
        BatchBuffer(max_rows, max_age)


def test_dedupe_keeps_last_row_per_key_in_first_seen_order() -> None:
    rows = [
        {"ref": "A", "amount": 1},
        {"ref": "B", "amount": 2},
        {"ref": "A", "amount": 3},
        {"ref": "C", "amount": 4},
        {"ref": "B", "amount": 5},
    ]
    assert dedupe_last(rows, ["ref"]) == [
        {"ref": "A", "amount": 3},
        {"ref": "B", "amount": 5},
        {"ref": "C", "amount": 4},
    ]


def test_dedupe_on_composite_key() -> None:
    rows = [
        {"cif": "1", "type": "MOBILE1", "n": "a"},
        {"cif": "1", "type": "HOME1", "n": "b"},
        {"cif": "1", "type": "MOBILE1", "n": "c"},
        {"cif": "2", "type": "MOBILE1", "n": "d"},
    ]
    assert [r["n"] for r in dedupe_last(rows, ["cif", "type"])] == ["c", "b", "d"]
