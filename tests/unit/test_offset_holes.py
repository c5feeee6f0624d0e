"""Offsets that go missing: the commit holds back instead of skipping them."""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace
from typing import Any

from intervaltree import IntervalTree

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
