"""Fixes for faust-streaming 0.15.3's offset commit, applied once before any app starts.

Faust commits, per partition, the run of consecutive acknowledged offsets. Its guard
against a missing offset at the head of that run is off by one (faust-streaming issue
#606, unreleased fix): with offset C committed (C is the next offset to read) and C never
acknowledged, acknowledgements C+1… are committed anyway, and C is skipped for good. A
message goes unacknowledged like that when the fetcher drops it while the flow is
suspended (a rebalance), so after a restart the CRM lost a source change (found by the
sync kill test). Here a head gap holds the commit back instead: the message is read again
from the committed offset after the next rebalance or restart, never skipped.

The stream also acknowledges the messages it skips — those that reach it while the flow is
suspended for a rebalance, or from an older consumer generation — as if they had been
handled ("otherwise the lag would increase"). Their offsets then count as done and the
commit can move past them. A skipped message is now left unacknowledged; the commit stops
at it and it is read again (streams.hole_watch, or the seek of the next assignment).

And the fetcher takes any jump in the offsets it reads for a gap in the log (compaction,
transaction markers) and counts the missing offsets as done. But it also jumps over
messages it fetched and then dropped itself — a fetch cut short by a rebalance or by the
flow being stopped — and those were never handled. A sync worker lost loans when a second
worker left during churn: the hole watch found an undelivered offset right after them,
already committed past. Under load a rebalance now logs a dozen such jumps per worker, and
the same test has not lost a row since. Only a compacted topic can have gaps that way (no
producer of ours is transactional), so elsewhere a jump is not counted: the commit stops
at it and streams.hole_watch asks the broker what is there, reading it again or, if the log
really has nothing there, marking the gap itself. (Were Kafka Connect's exactly-once source
support turned on, the change topics would hold transaction markers, each one a gap the
watch would take 15 to 30 s to confirm: those topics would then belong in `_compacted`.)
"""

from __future__ import annotations

import functools
import logging
from itertools import count
from typing import Any

from faust.events import Event
from faust.transport.consumer import Consumer

from streams.metrics import MESSAGES
from streams.topics import all_topics

log = logging.getLogger(__name__)

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


_original_add_gap = Consumer._add_gap


@functools.cache
def _compacted(prefix: str) -> frozenset[str]:
    return frozenset(prefix + spec.name for spec in all_topics() if spec.compacted)


async def _add_gap(self: Any, tp: Any, offset_from: int, offset_to: int) -> None:
    """Count a jump in fetched offsets as a gap in the log only where compaction makes them."""
    settings = getattr(self.app, "settings", None)
    if settings is not None and tp.topic not in _compacted(settings.topic_prefix):
        # Also logged when the partition comes back from another worker that committed past
        # the range meanwhile: harmless then, the commit is already beyond it.
        log.warning(
            "%s[%d]: the fetch jumped over offsets %d..%d; not taken for a gap in the log",
            tp.topic,
            tp.partition,
            offset_from,
            offset_to - 1,
        )
        return
    await _original_add_gap(self, tp, offset_from, offset_to)


_original_event_ack = Event.ack


def _event_ack(self: Any) -> bool:
    """Acknowledge a handled event; refuse one its stream skipped without handling it.

    A stream tracks every message of an acknowledged topic before handing it to the agent,
    and skips it before that point: on such a topic, an untracked message was not handled.
    """
    message = self.message
    if not message.tracked and self.app.topics.acks_enabled_for(message.topic):
        service = getattr(self.app, "service_name", "")
        MESSAGES.labels(service, message.topic, "skipped").inc()
        log.debug("%s[%d]@%d skipped; left to be read again", *message.tp, message.offset)
        return False
    acked: bool = _original_event_ack(self)
    return acked


def apply() -> None:
    """Install the fixes (idempotent)."""
    global _applied
    if not _applied:
        Consumer._new_offset = _new_offset  # type: ignore[method-assign]
        Consumer.perform_seek = _perform_seek  # type: ignore[method-assign]
        Event.ack = _event_ack  # type: ignore[method-assign]
        Consumer._add_gap = _add_gap  # type: ignore[method-assign]
        _applied = True
