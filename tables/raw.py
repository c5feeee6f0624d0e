"""Tables keyed by a raw string, co-partitioned with the topic their agent reads."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, cast

import faust
from faust.tables import Table
from faust.types import TP, FutureMessage

from streams.partitioner import partition_for
from streams.publish import Record

if TYPE_CHECKING:
    from streams.app import CrmApp

log = logging.getLogger(__name__)


class RawKeyedTable(Table):
    """A table whose changelog goes out in batches, and which can wait until Kafka has it.

    A restart rebuilds the table from its changelog, so an agent that writes PostgreSQL from
    the table's state must first wait for the entries behind that state
    (`changelog_durable`); otherwise a crash can leave PostgreSQL ahead of the table, and
    replayed messages are decided again against an older state.

    Faust would send each entry through its own buffer and aiokafka, one Python call per
    entry and one wake-up of the loop per acknowledgement. Here a loop step's entries go to
    the service's librdkafka producer together, in write order, and the table records the
    offsets Kafka acknowledged, as Faust does, so that recovery starts after them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unsent: list[Record] = []
        self._sends: set[asyncio.Task[None]] = set()
        # One send hands its entries to the producer at a time: the changelog keeps the
        # order in which the table was written.
        self._producing = asyncio.Lock()

    def send_changelog(
        self,
        partition: int | None,
        key: Any,
        value: Any,
        key_serializer: Any = None,
        value_serializer: Any = None,
    ) -> FutureMessage:
        fut: FutureMessage = self.changelog_topic.as_future_message(
            key=key,
            value=value,
            key_serializer=key_serializer or self.key_serializer,
            value_serializer=value_serializer or self.value_serializer,
        )
        message = fut.message
        key_bytes, value_bytes = message.key, message.value
        if not isinstance(key_bytes, bytes) or not isinstance(value_bytes, bytes | None):
            raise TypeError(f"table {self.name} serialised to {type(key_bytes)}, not bytes")
        # The producer's murmur2 on the raw key (the partition of the source message) is
        # where the entry goes; the producer takes no other.
        count = self.changelog_topic.partitions or self.app.conf.topic_partitions
        keyed = partition_for(key_bytes, count)
        if partition is not None and partition != keyed:
            raise ValueError(f"table {self.name}: key {key!r} belongs to partition {keyed}")
        fut.message = message._replace(partition=keyed)
        if not self._unsent:
            # Sent right after this step of the loop, for writers that never wait for it.
            asyncio.get_running_loop().call_soon(self._send_unsent)
        self._unsent.append((key_bytes, value_bytes))
        return fut

    def _send_unsent(self) -> None:
        if not self._unsent:
            return
        records, self._unsent = self._unsent, []
        task = asyncio.ensure_future(self._send(records))
        self._sends.add(task)
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or task.exception() is None:
            self._sends.discard(task)
        else:
            # Kept: the next changelog_durable raises it.
            log.error("changelog of %s not acknowledged: %s", self.name, task.exception())

    async def _send(self, records: list[Record]) -> None:
        publisher = cast("CrmApp", self.app).publisher
        topic = self.changelog_topic.get_topic_name()
        async with self._producing:
            deliveries = await publisher.send({topic: records})
        offsets = await publisher.acknowledged(deliveries)
        for (name, partition), offset in offsets.items():
            self.data.set_persisted_offset(TP(name, partition), offset)

    async def changelog_durable(self) -> None:
        """Return once every entry written so far is acknowledged; raise if one failed."""
        self._send_unsent()
        if self._sends:
            await asyncio.gather(*list(self._sends))


def raw_keyed_table(app: faust.App, name: str) -> RawKeyedTable:
    """A table whose changelog entry for key K lands in the partition the source key K does.

    Raw string keys and murmur2 put every changelog entry in the partition number of the
    message that caused it, which table_route relies on. Faust picks JSON for str keys
    ('"LD1"'), whose murmur2 differs from the source key's, and has already built the
    changelog topic with it: it is rebuilt with raw keys.
    """
    table = RawKeyedTable(
        app,
        name=name,
        key_type=str,
        value_type=None,
        partitions=app.conf.topic_partitions,
        use_partitioner=True,
        beacon=app.tables.beacon,
    )
    app.tables.add(table)
    table.key_serializer = "raw"
    table.changelog_topic = table._new_changelog_topic()
    return table
