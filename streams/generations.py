"""Whether a message was fetched before this worker's latest rebalance.

Faust tags each message with the consumer group generation it was fetched in. After a
rebalance the worker seeks every partition it still holds to the committed offset, and the
partitions it lost are read by their new owners from theirs: an unacknowledged message of an
older generation is always fetched again. Handling the old copy as well lets a worker write
table entries for a partition it no longer holds. Those land in the changelog among the new
owner's, and they advance this worker's recorded changelog offset for the partition: when
the partition came back, recovery started after the new owner's entries and skipped them
(a sync worker then held loans for customers it did not know had arrived; found with a
second worker joining and leaving during a load).
"""

from __future__ import annotations

from faust.types import AppT, EventT


def fetched_before_rebalance(app: AppT, event: EventT) -> bool:
    """True once this worker has joined a newer generation than the event's message."""
    generation = event.message.generation_id
    return generation is not None and generation != app.consumer_generation_id
