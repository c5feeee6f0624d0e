"""Offsets that go missing: the commit holds back instead of skipping them."""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace
from typing import Any

from faust.types import TP as TP_
from intervaltree import IntervalTree

from streams.faust_fixes import _add_gap, _new_offset

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


def fetching_consumer(prefix: str = "") -> Any:
    c = consumer(100, [])
    c.app = SimpleNamespace(settings=SimpleNamespace(topic_prefix=prefix))
    return c


async def test_a_jump_in_a_change_topic_is_not_taken_for_a_gap_in_the_log() -> None:
    # The fetcher read 100 and then 111: 101..110 were fetched and dropped, not compacted.
    c = fetching_consumer()
    await _add_gap(c, TP_(*TP), 101, 111)
    assert not c._gap[TP]
    c._acked[TP] = [100, 111, 112]
    assert _new_offset(c, TP) == 101, "the commit stops at the first dropped offset"
    assert _new_offset(c, TP) is None


async def test_a_jump_in_a_compacted_topic_is_a_gap_in_the_log() -> None:
    compacted = TP_("t1.sync.loan", 0)
    c = fetching_consumer("t1.")
    c._committed_offset[compacted] = 100
    await _add_gap(c, compacted, 101, 111)
    assert all(c._gap[compacted].overlaps(o) for o in range(101, 111))
