"""Stage 1 of sync: Debezium changes → validated canonical entities on sync.changes.

Change topics are keyed by the source row's primary key; what must be decided together
(a customer and what hangs off it) is keyed by CIF. This agent reads and validates each
change where it lands and re-keys the resulting entities by CIF, so stage 2 (sync_apply)
sees one customer's changes on one worker, in order. Records that cannot be read are
recorded in sync_metadata.sync_error and dead-lettered; the stream goes on.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from faust.types import EventT, StreamT

from domain.cdc_transform import CdcTransform
from domain.debezium import Change, EnvelopeError, parse_change
from domain.errors import ValidationError
from domain.sync_entities import key_text, owner_cif
from domain.t24_mapping import load_field_maps_file
from persistence.models.sync import SyncError
from persistence.retry import retrying
from persistence.sink import PostgresSink
from persistence.sync_jobs import add_progress
from simulators.sources import BY_NAME
from streams.app import CrmApp
from streams.avro import AvroEncodeError, codec_for
from streams.batching import consume_in_batches
from streams.dlq import dead_letter
from streams.metrics import BATCH_SECONDS, MESSAGES
from streams.publish import Headers, Record
from streams.sync_avro import schema_name, to_avro
from streams.sync_jobs import JOB_HEADER, JobWindows
from streams.topics import CDC_TOPICS, SYNC_CHANGES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rejected:
    """A change that could not be synchronized, and why."""

    event: EventT
    row: dict[str, Any]
    error: Exception


def _source_key(key: bytes | None) -> str | None:
    """The source row's primary key from Debezium's JSON key ({"RECID": "…"})."""
    if not key:
        return None
    try:
        parts = json.loads(key)
    except ValueError:
        return key.decode(errors="replace")
    if isinstance(parts, dict):
        return "|".join(str(v) for v in parts.values())
    return str(parts)


def register_ingest(app: CrmApp) -> None:
    settings = app.settings
    codec = codec_for(settings)
    transform = CdcTransform(load_field_maps_file())
    changes_topic = settings.topic(SYNC_CHANGES.name)
    # cdc.<source>.<table> → (source, table)
    where: dict[str, tuple[str, str]] = {}
    for spec in CDC_TOPICS:
        _, source, table = spec.name.split(".", 2)
        where[settings.topic(spec.name)] = (source, table)
    errors_sink: PostgresSink | None = None

    def error_row(rejected: Rejected) -> dict[str, Any]:
        message = rejected.event.message
        source, table = where[message.topic]
        return {
            "source_system": BY_NAME[source].system,
            "entity_type": transform.entity_type(source, table),
            "natural_key": _source_key(message.key),
            "reason": f"{type(rejected.error).__name__}: {rejected.error}"[:2000],
            "raw_record": rejected.row or None,
            "topic": message.topic,
            "partition": message.partition,
            "offset": message.offset,
            "created_at": datetime.now(UTC),
            "resolved_at": None,
        }

    async def record(rejected: list[Rejected]) -> None:
        nonlocal errors_sink
        if not rejected:
            return
        if errors_sink is None:
            # Insert-or-nothing by message position: a redelivered batch adds no duplicate.
            errors_sink = await app.sink(
                SyncError.__table__,
                ["topic", "partition", "offset"],
                update_columns=[],
            )
        await errors_sink.write([error_row(r) for r in rejected])
        for r in rejected:
            await dead_letter(app, r.event.message, r.error)

    jobs = JobWindows(app)

    async def process(batch: list[EventT]) -> None:
        with BATCH_SECONDS.labels(app.service_name, "sync-ingest").time():
            out: list[Record] = []
            rejected: list[Rejected] = []
            progress: dict[uuid.UUID, Counter[str]] = defaultdict(Counter)
            for event in batch:
                message = event.message
                if message.value is None:
                    # The tombstone after a delete: the delete event before it said it all.
                    continue
                source, table = where[message.topic]
                change: Change | None = None
                try:
                    change = parse_change(message.value)
                    # An ad-hoc snapshot's rows count toward its job, downstream too.
                    job = await jobs.of(source, change.source_ts) if change.incremental else None
                    headers: Headers = [] if job is None else [(JOB_HEADER, str(job).encode())]
                    encoded: list[Record] = [
                        # Due segments hang off a loan, not a customer: keyed by their own key.
                        (
                            (owner_cif(e) or key_text(e)).encode(),
                            codec.encode(schema_name(e), to_avro(e)),
                            headers,
                        )
                        for e in transform.entities(source, table, change)
                    ]
                except (EnvelopeError, ValidationError, AvroEncodeError) as exc:
                    row = (change.after or change.before) if change else None
                    rejected.append(Rejected(event, row or {}, exc))
                    MESSAGES.labels(app.service_name, message.topic, "rejected").inc()
                    if change is not None and change.incremental:
                        if (job := await jobs.of(source, change.source_ts)) is not None:
                            progress[job]["errors"] += 1
                    continue
                if job is not None:
                    progress[job]["processed"] += 1
                out.extend(encoded)
                MESSAGES.labels(app.service_name, message.topic, "ok").inc()
            # Errors first: once the batch is acked, its bad records must already be kept.
            await record(rejected)
            await app.publisher.publish(changes_topic, out)
            if progress:
                pool = await app.db_pool()
                await retrying(add_progress, pool, progress, what="sync_job progress", pool=pool)

    topic = app.topic(*where, key_type=bytes, value_type=bytes)

    @app.agent(topic, name="sync.ingest")
    async def ingest(stream: StreamT) -> None:
        await consume_in_batches(
            app, stream, settings.sync_batch_size, settings.sync_flush_seconds, process
        )
