"""Tables keyed by a raw string, co-partitioned with the topic their agent reads."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import faust
from faust.stores.base import SerializedStore
from faust.streams import current_event
from faust.tables import Table
from faust.types import TP, EventT, FutureMessage

from streams.generations import fetched_before_rebalance
from streams.metrics import STALE_TABLE_WRITES
from streams.partitioner import partition_for
from streams.publish import Record

if TYPE_CHECKING:
    from streams.app import CrmApp

log = logging.getLogger(__name__)

T = TypeVar("T")
# Decoded values kept per table (least recently used dropped first). Small on purpose: every
# object kept is walked by each full garbage collection. At webhook saturation with 10,000
# ledgers kept, a full collection of the payments worker took about 0.9 s; with 1,000,
# 0.3-0.5 s; with none, 0.2-0.3 s (crm_gc_pause_seconds, three per 20 s either way). A
# bank's payments rarely hit the same loan twice within minutes, but a batch or a reversal
# after its payment does.
DECODED_ENTRIES = 1_000
# One entry is one key's whole state: a loan's ledger holds every payment reference it took
# and every notification waiting in its suspense (about 520 bytes each). The broker's
# default limit (1 MiB) was reached by a loan unknown to sync that got over 2,000
# notifications in 30 s (the broker-restart test); the worker then crashed on every attempt
# at that batch.
MAX_ENTRY_BYTES = 16 * 1024 * 1024


class TableClosedError(RuntimeError):
    """A table was read or written after its store stopped (the worker is shutting down)."""


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
        # key -> (stored value, decoded value), see `decoded`.
        self._decoded: OrderedDict[Any, tuple[Any, Any]] = OrderedDict()
        # The value being written, already encoded, for send_changelog (see __setitem__).
        self._encoded: bytes | None = None

    def _refuse_if_closed(self) -> None:
        """Refuse to be used once the store has stopped.

        On shutdown Faust stops the stores before an agent's batch is over, and a stopped
        RocksDB store answers every lookup with nothing. A sync worker stopped during churn
        decided a loan update against that, held it for a customer it had seen, and acked
        it: the update waited for good (the join/leave test). Raising leaves the batch
        unacknowledged, for the next owner of its partitions.
        """
        if self.data.should_stop:
            raise TableClosedError(f"table {self.name} used after its store stopped")

    def __contains__(self, key: object) -> bool:
        self._refuse_if_closed()
        return super().__contains__(key)

    def __getitem__(self, key: Any) -> Any:
        # Also what `get` goes through.
        self._refuse_if_closed()
        return super().__getitem__(key)

    def _overtaken(self) -> bool:
        """Whether the message being handled was fetched before the latest rebalance.

        Its partition may belong to another worker by now, and the message is handled again
        anyway (streams.generations): a write for it would put an entry in the changelog
        among the new owner's, and record this worker's changelog offset past theirs. It is
        dropped, store and changelog alike.
        """
        event = current_event()
        if event is None or not fetched_before_rebalance(self.app, event):
            return False
        STALE_TABLE_WRITES.labels(self.name).inc()
        return True

    def __setitem__(self, key: Any, value: Any) -> None:
        """Encode the value once, for the changelog and the store alike.

        Faust encodes it for each (JSON twice per write). Recording actions, the two
        encodings of the contact state were 7% of the workflow worker's loop (py-spy).
        """
        self._refuse_if_closed()
        if self._overtaken():
            return
        store = self.data
        if not isinstance(store, SerializedStore):
            # The in-memory store (unit tests) keeps values as they are.
            super().__setitem__(key, value)
            return
        encoded = store._encode_value(value)
        self._encoded = encoded
        try:
            self.on_key_set(key, value)
        finally:
            self._encoded = None
        store._set(store._encode_key(key), encoded)

    def decoded(self, key: Any, decode: Callable[[Any], T]) -> tuple[Any, T]:
        """The key's stored value and `decode` of it, decoded once while this worker has it.

        A payments ledger is read and rebuilt from JSON for every payment of its loan; at
        saturation that was about a tenth of the payments loop. The decoded value must be
        immutable: every caller shares it. Anything that changes the key other than
        `put_decoded` (a write, a delete, a changelog being applied, a rebalance) drops it.
        """
        hit = self._decoded.get(key)
        if hit is not None:
            self._decoded.move_to_end(key)
            return hit[0], cast(T, hit[1])
        value = self.stored(key)
        result = decode(value)
        self._remember(key, value, result)
        return value, result

    def stored(self, key: Any) -> Any:
        """The key's value, or None, in one lookup of the store.

        `get` asks the store whether it has the key and then reads it (Faust's table
        supports defaults): two RocksDB reads. For a loan whose ledger is not cached, the
        first was 8% of the payments loop at 1,000 payments/s over 100,000 loans.
        """
        self._refuse_if_closed()
        self.on_key_get(key)
        return self.data.get(key)

    def __delitem__(self, key: Any) -> None:
        self._refuse_if_closed()
        if self._overtaken():
            return
        super().__delitem__(key)

    def put_decoded(self, key: Any, value: Any, decoded: Any) -> None:
        """Write the key (changelog included) and keep its decoded form for `decoded`."""
        if self._overtaken():
            return
        self[key] = value
        self._remember(key, value, decoded)

    def _remember(self, key: Any, value: Any, decoded: Any) -> None:
        self._decoded[key] = (value, decoded)
        self._decoded.move_to_end(key)
        if len(self._decoded) > DECODED_ENTRIES:
            self._decoded.popitem(last=False)

    def on_key_set(self, key: Any, value: Any) -> None:
        self._decoded.pop(key, None)
        super().on_key_set(key, value)

    def on_key_del(self, key: Any) -> None:
        self._decoded.pop(key, None)
        super().on_key_del(key)

    def apply_changelog_batch(self, batch: Iterable[EventT]) -> None:
        # Recovery and standby replicas write the store directly, not through on_key_set.
        events = list(batch)
        for event in events:
            key = event.key
            self._decoded.pop(key.decode() if isinstance(key, bytes) else key, None)
        super().apply_changelog_batch(events)

    async def on_rebalance(
        self,
        assigned: set[TP],
        revoked: set[TP],
        newly_assigned: set[TP],
        generation_id: int = 0,
    ) -> None:
        # Ownership changes: what another worker wrote meanwhile is not in this cache.
        self._decoded.clear()
        await super().on_rebalance(assigned, revoked, newly_assigned, generation_id)

    async def on_recovery_completed(self, active_tps: set[TP], standby_tps: set[TP]) -> None:
        self._decoded.clear()
        await super().on_recovery_completed(active_tps, standby_tps)

    def send_changelog(
        self,
        partition: int | None,
        key: Any,
        value: Any,
        key_serializer: Any = None,
        value_serializer: Any = None,
    ) -> FutureMessage:
        encoded = self._encoded
        fut: FutureMessage = self.changelog_topic.as_future_message(
            key=key,
            value=value if encoded is None else encoded,
            key_serializer=key_serializer or self.key_serializer,
            value_serializer="raw"
            if encoded is not None
            else value_serializer or self.value_serializer,
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


def raw_keyed_table(app: faust.App, name: str, *, co_partitioned: bool = False) -> RawKeyedTable:
    """A table whose changelog entry for key K lands in the partition the source key K does.

    Raw string keys and murmur2 put every changelog entry in the partition number of the
    message that caused it, which table_route relies on. Faust picks JSON for str keys
    ('"LD1"'), whose murmur2 differs from the source key's, and has already built the
    changelog topic with it: it is rebuilt with raw keys.

    `co_partitioned`: every write happens while handling a message keyed like the table, so
    the message's partition is the key's. Faust then reads a key from that partition's
    RocksDB alone; otherwise it looks for a key it has not seen lately in every partition's
    (for a loan's first payment in a worker, twice: 'in', then get), which was a third of the
    payments agent's time. A write of another partition's key raises (send_changelog).
    """
    table = RawKeyedTable(
        app,
        name=name,
        key_type=str,
        value_type=None,
        partitions=app.conf.topic_partitions,
        use_partitioner=not co_partitioned,
        beacon=app.tables.beacon,
        # Applied when Faust creates the changelog topic.
        extra_topic_configs={"max.message.bytes": str(MAX_ENTRY_BYTES)},
    )
    app.tables.add(table)
    table.key_serializer = "raw"
    table.changelog_topic = table._new_changelog_topic()
    return table
