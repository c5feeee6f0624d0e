"""Which partitions the hole watch treats as holes: committed offset skipped, later ones acked,
or read and never acknowledged while the worker handles nothing."""

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
    # Faust's last offset delivered (or skipped) per partition.
    _read_offset: dict[TP, int | None] = field(default_factory=dict)
    # Topics whose messages are acknowledged (not changelogs).
    acking: set[str] = field(default_factory=lambda: {"t"})
    # Each partition's end offset as the consumer last heard it.
    ends: dict[TP, int] = field(default_factory=dict)
    # False while a rebalance holds the flow.
    flowing: bool = True

    @property
    def app(self) -> Any:
        acking, flowing = self.acking, self.flowing

        class _Topics:
            def acks_enabled_for(self, topic: str) -> bool:
                return topic in acking

        class _Flow:
            def is_active(self) -> bool:
                return flowing

        class _App:
            topics = _Topics()
            flow_control = _Flow()

        return _App()

    def highwater(self, tp: TP) -> int | None:
        return self.ends.get(tp)

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


def test_a_read_offset_never_acknowledged_by_an_idle_worker_is_a_hole() -> None:
    # The partition's last message, skipped by the stream: nothing later shows it lost.
    consumer: Any = _Consumer(committed={A: 0}, acked={}, _read_offset={A: 0}, ends={A: 1})
    assert holes(consumer) == {Hole("t", 0, 0)}


def test_a_partition_sought_to_its_end_is_not_a_hole() -> None:
    # A rebalance seeks to the commit and sets the read offset to it before reading.
    consumer: Any = _Consumer(committed={A: 40}, acked={}, _read_offset={A: 40}, ends={A: 40})
    assert holes(consumer) == set()


def test_a_read_offset_is_no_hole_while_a_rebalance_holds_the_flow() -> None:
    consumer: Any = _Consumer(
        committed={A: 40}, acked={}, _read_offset={A: 40}, ends={A: 90}, flowing=False
    )
    assert holes(consumer) == set()


def test_a_read_offset_is_no_hole_while_any_batch_is_in_progress() -> None:
    # It may be queued behind that batch, in its stream, not lost.
    consumer: Any = _Consumer(
        committed={A: 40}, acked={}, _read_offset={A: 45}, ends={A: 46}, unacked=[_Message(B, 7)]
    )
    assert holes(consumer) == set()


def test_a_partition_read_and_committed_to_its_end_is_not_a_hole() -> None:
    consumer: Any = _Consumer(committed={A: 46}, acked={}, _read_offset={A: 45}, ends={A: 46})
    assert holes(consumer) == set()


def test_a_read_partition_with_acks_waiting_for_the_commit_is_not_a_hole() -> None:
    consumer: Any = _Consumer(
        committed={A: 40}, acked={A: [40, 41]}, _read_offset={A: 41}, ends={A: 42}
    )
    assert holes(consumer) == set()


def test_topics_without_acknowledgements_are_ignored() -> None:
    changelog = TP("t-changelog", 0)
    consumer: Any = _Consumer(
        committed={changelog: 3},
        acked={},
        _read_offset={changelog: 9},
        ends={changelog: 10},
        assigned={changelog},
    )
    assert holes(consumer) == set()
