"""Stage 2 of sync: apply one customer's entity changes in order, holding orphans.

Runs on sync.changes, keyed by CIF. A loan, collateral, contact or reference whose customer
has not arrived is held in RocksDB (and listed in sync_metadata.orphan) until it does. Of
several changes to one entity the newest source time wins, here and in PostgreSQL (the
upsert's version guard), and only what PostgreSQL stored is published on the compacted
sync.<entity> topics — a late, older change never becomes the topic's latest value.
Order per batch: table changelogs → PostgreSQL → topics and events → release held records →
ack.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from faust.types import EventT, StreamT

from domain.sync_entities import Customer, SyncEntity, key_text, owner_cif, type_name
from persistence.models import sync as models
from persistence.retry import retrying
from persistence.sink import PostgresSink, SinkDataError
from persistence.sync_jobs import add_progress
from streams.app import CrmApp
from streams.avro import AvroDecodeError, codec_for
from streams.batching import consume_in_batches, processing
from streams.dlq import BadMessage, dead_letter
from streams.generations import fetched_before_rebalance
from streams.metrics import BATCH_SECONDS, MESSAGES
from streams.publish import Record
from streams.sync_avro import from_avro, schema_name, to_avro, to_row
from streams.sync_events import entity_updated_events
from streams.sync_jobs import job_of
from streams.topics import SYNC_CHANGES, SYNC_EVENTS
from tables.raw import RawKeyedTable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Item:
    event: EventT
    entity: SyncEntity
    # The entity's Avro bytes as they came on sync.changes (or out of the hold).
    value: bytes


def _newest(items: Iterable[Item]) -> dict[str, list[Item]]:
    """Per entity type, one item per natural key: the newest source time, later on a tie."""
    best: dict[tuple[str, tuple[str, ...]], Item] = {}
    for item in items:
        key = (type_name(item.entity), item.entity.natural_key())
        kept = best.get(key)
        if kept is None or item.entity.source_ts >= kept.entity.source_ts:
            best[key] = item
    grouped: dict[str, list[Item]] = defaultdict(list)
    for (entity_type, _), item in best.items():
        grouped[entity_type].append(item)
    return grouped


def _orphan_row(entity: SyncEntity, cif: str, now: datetime) -> dict[str, Any]:
    return {
        "entity_type": type_name(entity),
        "natural_key": key_text(entity),
        "cif": cif,
        "source_system": entity.source_system,
        "first_seen_at": now,
    }


def register_apply(app: CrmApp, seen: RawKeyedTable, held: RawKeyedTable) -> None:
    settings = app.settings
    codec = codec_for(settings)
    sinks: dict[str, PostgresSink] = {}
    key_columns = {name: models.key_columns(name) for name in models.ENTITY_MODELS}
    events_topic = settings.topic(SYNC_EVENTS.name)

    async def sink(name: str) -> PostgresSink:
        if name not in sinks:
            if name == "orphan":
                # Insert-or-nothing: first_seen_at keeps the first sighting.
                sinks[name] = await app.sink(
                    models.Orphan.__table__, ["entity_type", "natural_key"], update_columns=[]
                )
            elif name == "event":
                sinks[name] = await app.sink(
                    models.SyncEvent.__table__, ["event_id"], update_columns=[]
                )
            else:
                table = models.ENTITY_MODELS[name].__table__
                sinks[name] = await app.sink(table, key_columns[name], version_column="source_ts")
        return sinks[name]

    def decode(value: bytes | None) -> SyncEntity:
        if not value:
            raise BadMessage("an entity change cannot be empty")
        try:
            schema, record = codec.decode(value)
            return from_avro(schema, record)
        except (AvroDecodeError, ValueError, KeyError, TypeError) as exc:
            raise BadMessage(str(exc)) from exc

    async def store(name: str, items: list[Item], now: datetime) -> list[tuple[Item, bool]]:
        """Upsert one entity type; return the items PostgreSQL stored, and if inserted."""
        target = await sink(name)
        columns = key_columns[name]

        def key_of(row: dict[str, Any]) -> tuple[Any, ...]:
            return tuple(row[c] for c in columns)

        rows = [to_row(i.entity, now) for i in items]
        try:
            stored = {tuple(r[:-1]): r[-1] for r in await target.write_returning(rows)}
            pairs = zip(items, map(key_of, rows), strict=True)
            return [(i, stored[k]) for i, k in pairs if k in stored]
        except SinkDataError:
            log.warning("%s: batch refused by PostgreSQL; writing its rows one by one", name)
        kept: list[tuple[Item, bool]] = []
        for item, row in zip(items, rows, strict=True):
            try:
                for *_, inserted in await target.write_returning([row]):
                    kept.append((item, inserted))
            except SinkDataError as exc:
                await dead_letter(app, item.event.message, exc)
        return kept

    async def count_for_jobs(stored: dict[str, list[tuple[Item, bool]]]) -> None:
        progress: dict[uuid.UUID, Counter[str]] = defaultdict(Counter)
        for pairs in stored.values():
            for item, inserted in pairs:
                if (job := job_of(item.event.message.headers)) is not None:
                    kind = (
                        "deleted"
                        if item.entity.is_deleted
                        else "created"
                        if inserted
                        else "updated"
                    )
                    progress[job][kind] += 1
        if progress:
            pool = await app.db_pool()
            await retrying(add_progress, pool, progress, what="sync_job progress", pool=pool)

    def encoded(item: Item) -> bytes:
        # The bytes that came in, when in the current schema version: encoding the entity
        # again gives the same bytes. Avro encoding (ingest's and this) took about a tenth of
        # a sync worker's busy main thread in a load.
        if codec.is_current(item.value):
            return item.value
        return codec.encode(schema_name(item.entity), to_avro(item.entity))

    async def publish(stored: dict[str, list[Item]], now: datetime) -> None:
        """Entities on their compacted topics (deletes as tombstones), then the SyncEvents."""
        batches: dict[str, list[Record]] = {}
        for name, items in stored.items():
            batches[settings.topic(f"sync.{name}")] = [
                (
                    key_text(i.entity).encode(),
                    None if i.entity.is_deleted else encoded(i),
                )
                for i in items
            ]
        events = entity_updated_events([i.entity for items in stored.values() for i in items], now)
        if events:
            await (await sink("event")).write([e.row for e in events])
            batches[events_topic] = [(e.key, codec.encode(e.schema, e.record)) for e in events]
        await app.publisher.publish_many(batches)

    async def process(batch: list[EventT]) -> None:
        with BATCH_SECONDS.labels(app.service_name, "sync-apply").time():
            now = datetime.now(UTC)
            ready: list[Item] = []
            orphans: list[dict[str, Any]] = []
            released: list[tuple[EventT, str]] = []
            unheld: list[tuple[bytes, SyncEntity]] = []
            decoded: list[tuple[EventT, bytes, SyncEntity]] = []
            for event in batch:
                raw: bytes = event.message.value or b""
                try:
                    decoded.append((event, raw, decode(raw)))
                except BadMessage as exc:
                    await dead_letter(app, event.message, exc)
            # A child whose customer is in the same batch is applied with it, in whatever
            # order the two arrived: holding it would cost two table writes for nothing.
            arriving = {e.cif for _, _, e in decoded if isinstance(e, Customer)}
            for event, raw, entity in decoded:
                if fetched_before_rebalance(app, event):
                    # Overtaken while dead letters were written: read again, decided then.
                    continue
                with processing(event):
                    cif = owner_cif(entity)
                    if isinstance(entity, Customer):
                        if entity.cif not in seen:
                            seen[entity.cif] = True
                        # Checked on every customer change, not only the first: a crash
                        # after the release but before the cleanup must release again.
                        waiting = held.stored(entity.cif)
                        if waiting:
                            values = [base64.b64decode(v) for v in waiting]
                            unheld += [(v, decode(v)) for v in values]
                            ready += [Item(event, e, v) for v, e in unheld[-len(waiting) :]]
                            released.append((event, entity.cif))
                        ready.append(Item(event, entity, raw))
                    elif cif is None or cif in arriving or cif in seen:
                        ready.append(Item(event, entity, raw))
                    else:
                        value = base64.b64encode(raw).decode()
                        held[cif] = [*(held.stored(cif) or []), value]
                        orphans.append(_orphan_row(entity, cif, now))
                    MESSAGES.labels(app.service_name, event.message.topic, "ok").inc()
            # The batch is acknowledged after this, and Faust may then commit its offsets: a
            # hold or a first sighting still on its way to the changelog would be lost to the
            # next owner of the partition, and the held record with it (see RawKeyedTable).
            await asyncio.gather(seen.changelog_durable(), held.changelog_durable())
            # One entity type per connection, all at once: the batch waits for the slowest
            # table instead of the sum of them.
            newest = _newest(ready)
            orphan_sink = await sink("orphan")
            results, _ = await asyncio.gather(
                asyncio.gather(*(store(name, items, now) for name, items in newest.items())),
                orphan_sink.write(orphans),
            )
            stored = dict(zip(newest, results, strict=True))
            await publish({name: [i for i, _ in pairs] for name, pairs in stored.items()}, now)
            await count_for_jobs(stored)
            if released:
                await release(released, [e for _, e in unheld])

    async def release(released: list[tuple[EventT, str]], entities: list[SyncEntity]) -> None:
        """Forget held records once applied: the orphan list and the RocksDB entries."""
        pool = await app.db_pool()
        held_keys = [(type_name(e), key_text(e)) for e in entities]
        if held_keys:
            await retrying(
                pool.execute,
                "DELETE FROM sync_metadata.orphan o USING unnest($1::text[], $2::text[]) AS"
                " k(entity_type, natural_key) WHERE o.entity_type = k.entity_type"
                " AND o.natural_key = k.natural_key",
                [t for t, _ in held_keys],
                [k for _, k in held_keys],
                what="sync_metadata.orphan release",
                pool=pool,
            )
        for event, cif in released:
            # Kept if a rebalance overtook the batch (the table drops the write): the
            # customer's change is handled again, and releases them again.
            with processing(event):
                held.pop(cif, None)

    topic = app.topic(
        settings.topic(SYNC_CHANGES.name),
        key_type=bytes,
        value_type=bytes,
        partitions=settings.topic_partitions,
    )

    @app.agent(topic, name="sync.apply")
    async def apply(stream: StreamT) -> None:
        await consume_in_batches(
            app, stream, settings.sync_batch_size, settings.sync_flush_seconds, process
        )
