"""Find a partition whose next message was never delivered, and have it read again.

Faust can leave a fetched message undelivered — its stream skips events that arrive while
flow control is suspended or from an older consumer generation — and never fetches it again
unless the partition is sought back. streams.faust_fixes keeps the commit at that offset, so
nothing is lost, but the message waits for the next rebalance (the kill tests saw one
payment of 10,000 wait for good). This watch notices the hole and reads it again.

A hole is: the committed offset C of an assigned partition was never acknowledged, though
later offsets were, or though it was read while the worker handles nothing; and it stays so
across two checks. Before acting, the broker is asked what is at C: a message means it was
dropped, and the partition alone is sought back to C, so C arrives again (the later ones are
replays, which every agent handles idempotently). Nothing at C (compaction, a transaction
marker) is a gap in the log, and it is marked as one so the commit can move past it.

The watch used to rejoin the group instead, so that Faust would seek every partition to its
commit. The rebalance that follows suspends the flow and changes the generation: the very
conditions under which the stream skips messages. The lost-message test saw the re-read C
skipped that way in 3 of 12 runs on record, and then nothing was acknowledged any more to
show the hole again. A seek starts no rebalance.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import Consumer, TopicPartition
from faust.types import TP

from crm.settings import Settings

log = logging.getLogger(__name__)

CHECK_EVERY_S = 15.0
# A busy agent may take a while to reach the re-read message: seek one hole again only after.
MIN_RESEEK_INTERVAL_S = 60.0
_FETCH_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Hole:
    topic: str
    partition: int
    offset: int


def holes(consumer: Any) -> set[Hole]:
    """Partitions of this worker whose committed offset was read but never acknowledged.

    Two signs, either is enough:
    - a later offset was acknowledged. Agents acknowledge a partition's messages in offset
      order (whole batches, see streams.batching), so the committed one was lost, not still
      being handled — whether Faust still tracks it or not;
    - the committed offset was read, the log goes on past it, the flow is on (no rebalance)
      and no message at all is being handled by this worker.
      A partition's last message has no later one to show it lost; and a stream skips
      messages without tracking them, so an idle worker with a read, unacknowledged offset
      has dropped it. (While any batch is in progress a read message may still wait in a
      stream's queue behind it: the sign is only trusted when nothing is.)
    """
    assigned = consumer.assignment()
    found: set[Hole] = set()
    for tp, acked in list(consumer._acked.items()):
        committed = consumer._committed_offset.get(tp)
        if tp not in assigned or committed is None or not acked:
            continue
        if min(acked) > committed:
            found.add(Hole(tp.topic, tp.partition, committed))
    if consumer.app.flow_control.is_active() and not consumer._unacked_messages:
        acking = consumer.app.topics.acks_enabled_for
        for tp, read in list(consumer._read_offset.items()):
            committed = consumer._committed_offset.get(tp)
            if (
                tp not in assigned
                or committed is None
                or read is None
                or read < committed
                or consumer._acked.get(tp)
                or not acking(tp.topic)
            ):
                continue
            # A seek (every rebalance) sets the read offset to the committed one before
            # anything is read: only a log that goes past it has something left to read.
            highwater = _highwater(consumer, tp)
            if highwater is not None and highwater > committed:
                found.add(Hole(tp.topic, tp.partition, committed))
    return found


def _highwater(consumer: Any, tp: TP) -> int | None:
    """The partition's end offset as the consumer last heard it; None if not yet known."""
    try:
        highwater: int | None = consumer.highwater(tp)
    except Exception:  # aiokafka: IllegalStateError when the partition just went away
        return None
    return highwater


def _first_offset_from(settings: Settings, hole: Hole) -> int | None:
    """The offset of the first message at or after the hole; None when there is none yet."""
    reader = Consumer(
        {
            "bootstrap.servers": settings.kafka_bootstrap,
            "group.id": "crm-hole-watch",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
        }
    )
    try:
        reader.assign([TopicPartition(hole.topic, hole.partition, hole.offset)])
        message = reader.poll(_FETCH_TIMEOUT_S)
        if message is None or message.error() is not None:
            return None
        offset: int | None = message.offset()
        return offset
    finally:
        reader.close()


@dataclass
class HoleWatch:
    settings: Settings
    _seen: set[Hole] = field(default_factory=set)
    _sought: dict[Hole, float] = field(default_factory=dict)

    async def check(self, app: Any) -> None:
        consumer = app.consumer
        current = holes(consumer)
        lasting, self._seen = current & self._seen, current
        self._sought = {h: t for h, t in self._sought.items() if h in current}
        if not lasting:
            return
        dropped = []
        for hole in lasting:
            first = await asyncio.to_thread(_first_offset_from, self.settings, hole)
            if first == hole.offset:
                dropped.append(hole)
            elif first is not None and first > hole.offset:
                log.info(
                    "%s[%d]: offsets %d..%d are a gap in the log",
                    hole.topic,
                    hole.partition,
                    hole.offset,
                    first - 1,
                )
                _mark_gap(consumer, hole, first)
        if dropped:
            await self._read_again(app, dropped)

    async def _read_again(self, app: Any, dropped: Iterable[Hole]) -> None:
        now = time.monotonic()
        due = {}
        for hole in dropped:
            if now - self._sought.get(hole, -MIN_RESEEK_INTERVAL_S) < MIN_RESEEK_INTERVAL_S:
                continue
            log.warning(
                "%s[%d]: offset %d was never delivered; reading the partition again from there",
                hole.topic,
                hole.partition,
                hole.offset,
            )
            self._sought[hole] = now
            due[TP(hole.topic, hole.partition)] = hole.offset
        if due:
            # In the consumer's own thread and loop, as Faust's recovery seeks; Faust's read
            # offset moves back too, so the re-read messages are not taken for duplicates.
            await app.consumer._thread.seek_wait(due)


def _mark_gap(consumer: Any, hole: Hole, first: int) -> None:
    """Tell Faust that offsets hole.offset..first-1 do not exist, as its fetcher would."""
    consumer._gap[TP(hole.topic, hole.partition)].addi(hole.offset, first)
