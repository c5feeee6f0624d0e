"""Which partitions the hole watch treats as holes: committed offset skipped, later ones acked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from faust.types import TP
from intervaltree import IntervalTree

from streams.hole_watch import Hole, _mark_gap, holes

A, B, C = TP("t", 0), TP("t", 1), TP("t", 2)


@dataclass(frozen=True)
class _Message:
    tp: TP
    offset: int


@dataclass
class _Consumer:
    committed: dict[TP, int | None]
    acked: dict[TP, list[int]]
    unacked: list[_Message] = field(default_factory=list)
    assigned: set[TP] = field(default_factory=lambda: {A, B, C})
    _gap: dict[TP, IntervalTree] = field(default_factory=dict)

    @property
    def _committed_offset(self) -> dict[TP, int | None]:
        return self.committed

    @property
    def _acked(self) -> dict[TP, list[int]]:
        return self.acked

    @property
    def _unacked_messages(self) -> list[_Message]:
        return self.unacked

    def assignment(self) -> set[TP]:
        return self.assigned


def test_a_skipped_committed_offset_with_later_ones_acked_is_a_hole() -> None:
    consumer: Any = _Consumer(
        committed={A: 250, B: 10, C: None},
        acked={A: [251, 252], B: [10, 11], C: [5]},
    )
    assert holes(consumer) == {Hole("t", 0, 250)}


def test_a_message_tracked_but_never_acked_while_later_ones_were_is_a_hole() -> None:
    # Acks come in offset order per partition: 250 is not in progress, it was lost.
    consumer: Any = _Consumer(committed={A: 250}, acked={A: [251]}, unacked=[_Message(A, 250)])
    assert holes(consumer) == {Hole("t", 0, 250)}


def test_a_partition_whose_head_was_acked_is_not_a_hole() -> None:
    consumer: Any = _Consumer(committed={A: 250}, acked={A: [250, 252]})
    assert holes(consumer) == set()


def test_partitions_of_other_workers_and_idle_ones_are_ignored() -> None:
    consumer: Any = _Consumer(committed={A: 250, B: 7}, acked={A: [251], B: []}, assigned={B})
    assert holes(consumer) == set()


def test_a_gap_in_the_log_is_marked_so_the_commit_moves_on() -> None:
    consumer: Any = _Consumer(committed={A: 250}, acked={A: [253]})
    consumer._gap = {A: IntervalTree()}
    _mark_gap(consumer, Hole("t", 0, 250), 253)
    assert sorted((i.begin, i.end) for i in consumer._gap[A]) == [(250, 253)]
