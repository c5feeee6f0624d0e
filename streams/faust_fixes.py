"""Fixes for faust-streaming 0.15.3's offset commit, applied once before any app starts.

Faust commits, per partition, the run of consecutive acknowledged offsets. Its guard
against a missing offset at the head of that run is off by one (faust-streaming issue
#606, unreleased fix): with offset C committed (C is the next offset to read) and C never
acknowledged, acknowledgements C+1… are committed anyway, and C is skipped for good. A
message goes unacknowledged like that when the fetcher drops it while the flow is
suspended (a rebalance), so after a restart the CRM lost a source change (found by the
sync kill test). Here a head gap holds the commit back instead: the message is read again
from the committed offset after the next rebalance or restart, never skipped.
"""

from __future__ import annotations

from itertools import count
from typing import Any

from faust.transport.consumer import Consumer

_applied = False


def _consecutive_run(offsets: list[int]) -> list[int]:
    """The leading run of consecutive numbers of a sorted list."""
    run: list[int] = []
    for expected, offset in zip(count(offsets[0]), offsets, strict=False):
        if offset != expected:
            break
        run.append(offset)
    return run


def _new_offset(self: Any, tp: Any) -> int | None:
    acked: list[int] = self._acked[tp]
    if not acked:
        return None
    gaps = self._gap[tp]
    if gaps:
        # Offsets the fetcher knows do not exist (compaction, transaction markers) count
        # as acknowledged, as upstream does.
        top = max(acked)
        missing = sorted(gaps.overlap(0, top), key=lambda interval: interval.begin)
        if missing:
            filled = [o for interval in missing for o in range(interval.begin, interval.end)]
            acked.extend(filled)
            gaps.chop(0, max(filled[-1], top + 1))
    acked.sort()
    committed = self._committed_offset[tp]
    if committed is not None and acked[0] > committed:
        return None  # the next offset to read was never acknowledged: commit nothing
    run = _consecutive_run(acked)
    del acked[: len(run)]
    self._acked_index[tp].difference_update(run)
    return run[-1] + 1


_original_perform_seek = Consumer.perform_seek


async def _perform_seek(self: Any) -> None:
    """Seek to the committed offsets, and know where never-committed partitions start.

    Upstream records no committed offset for a partition without one (nor for one committed
    at 0), so the head-gap guard above had nothing to hold on to there: a message dropped at
    the very start of a partition was committed past. Its start is now the log's first
    offset, which is where the consumer (auto_offset_reset=earliest) reads from.
    """
    await _original_perform_seek(self)
    unknown = [
        tp
        for tp in self.assignment()
        if self._committed_offset.get(tp) is None and not self._is_changelog_tp(tp)
    ]
    if unknown:
        for tp, offset in (await self.earliest_offsets(*unknown)).items():
            if self._committed_offset.get(tp) is None and offset is not None and offset >= 0:
                self._committed_offset[tp] = offset


def apply() -> None:
    """Install the fixes (idempotent)."""
    global _applied
    if not _applied:
        Consumer._new_offset = _new_offset  # type: ignore[method-assign]
        Consumer.perform_seek = _perform_seek  # type: ignore[method-assign]
        _applied = True
