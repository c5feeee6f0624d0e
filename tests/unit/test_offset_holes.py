"""Offsets that go missing: the commit holds back, the stream reads the partition again."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from intervaltree import IntervalTree

from streams.batching import HoleGuard
from streams.faust_fixes import _new_offset

TP = ("cdc.t24.FBNK_CUSTOMER", 3)


def consumer(committed: int | None, acked: list[int], gaps: IntervalTree | None = None) -> Any:
    return SimpleNamespace(
        _acked={TP: list(acked)},
        _gap=defaultdict(IntervalTree, {TP: gaps or IntervalTree()}),
        _committed_offset={TP: committed},
        _acked_index={TP: set(acked)},
    )


def test_a_missing_head_offset_is_never_committed_past() -> None:
    # Offset 305 is next to read and was never acknowledged: upstream committed 310 here.
    assert _new_offset(consumer(305, [306, 307, 308, 309]), TP) is None


def test_consecutive_acks_from_the_committed_offset_are_committed() -> None:
    c = consumer(305, [305, 306, 307, 309])
    assert _new_offset(c, TP) == 308
    assert c._acked[TP] == [309] and c._acked_index[TP] == {309}
    assert _new_offset(c, TP) is None, "308 is still missing"


def test_gaps_the_fetcher_saw_count_as_acknowledged() -> None:
    gaps = IntervalTree()
    gaps.addi(307, 309)  # 307 and 308 do not exist in the log (compacted away)
    assert _new_offset(consumer(305, [305, 306, 309], gaps), TP) == 310


@dataclass
class FakeConsumer:
    _committed_offset: dict[Any, int | None] = field(default_factory=dict)
    sought: list[tuple[Any, int]] = field(default_factory=list)

    async def seek_wait(self, partitions: dict[Any, int]) -> None:
        self.sought.extend(partitions.items())


def events(*offsets: int, tp: Any = TP) -> list[Any]:
    return [SimpleNamespace(message=SimpleNamespace(tp=tp, offset=o)) for o in offsets]


async def test_a_hole_holds_back_the_rest_of_its_partition_and_is_read_again() -> None:
    fake = FakeConsumer({TP: 100})
    guard = HoleGuard(SimpleNamespace(consumer=fake))  # type: ignore[arg-type]
    other = ("cdc.w4.CARD_CONTRACT", 0)
    batch = events(100, 101, 103, 104) + events(7, 8, tp=other)
    ready, holes = guard.split(batch)
    assert [e.message.offset for e in ready] == [100, 101, 7, 8]
    assert holes == {TP: 102}
    await guard.reread(holes)
    assert fake.sought == [(TP, 102)]
    # Read again from 102: everything is handled, in order.
    ready, holes = guard.split(events(102, 103, 104))
    assert [e.message.offset for e in ready] == [102, 103, 104] and not holes


async def test_a_real_gap_passes_after_one_second_look() -> None:
    fake = FakeConsumer({TP: 10})
    guard = HoleGuard(SimpleNamespace(consumer=fake))  # type: ignore[arg-type]
    _, holes = guard.split(events(10, 12))
    await guard.reread(holes)
    ready, holes = guard.split(events(12, 13))  # 11 is not in the log at all
    assert [e.message.offset for e in ready] == [12, 13] and not holes


def test_a_redelivery_after_a_rebalance_is_handled_not_flagged() -> None:
    fake = FakeConsumer({TP: 50})
    guard = HoleGuard(SimpleNamespace(consumer=fake))  # type: ignore[arg-type]
    guard.split(events(50, 51, 52))
    # Another worker had the partition and committed 80; it comes back from there.
    fake._committed_offset[TP] = 80
    ready, holes = guard.split(events(80, 81))
    assert len(ready) == 2 and not holes
    ready, holes = guard.split(events(79))  # replayed after a restart: idempotent, handled
    assert len(ready) == 1 and not holes


async def test_a_commit_stuck_behind_what_was_handled_is_read_again() -> None:
    fake = FakeConsumer({TP: 200})
    now = [0.0]
    guard = HoleGuard(SimpleNamespace(consumer=fake), clock=lambda: now[0])  # type: ignore[arg-type]
    guard.split(events(200, 201, 202))
    fake._committed_offset[TP] = 201  # 201 committed; 202 handled and waiting: normal
    assert guard.stalled() == {}
    now[0] = 10.0
    guard.split(events(203, 204))
    assert guard.stalled() == {}, "not for long yet"
    now[0] = 10.0 + HoleGuard.STALL_SECONDS
    stalled = guard.stalled()
    assert stalled == {TP: 201}
    await guard.reread(stalled)
    assert fake.sought == [(TP, 201)]
    ready, holes = guard.split(events(201, 202, 203))
    assert [e.message.offset for e in ready] == [201, 202, 203] and not holes


def test_a_commit_that_moves_is_not_stalled() -> None:
    fake = FakeConsumer({TP: 10})
    now = [0.0]
    guard = HoleGuard(SimpleNamespace(consumer=fake), clock=lambda: now[0])  # type: ignore[arg-type]
    for step in range(1, 10):
        ready, holes = guard.split(events(*range(step * 10, step * 10 + 10)))
        assert len(ready) == 10 and not holes
        fake._committed_offset[TP] = step * 10 + 5  # behind what was handled, but moving
        now[0] += 20
        assert guard.stalled() == {}
