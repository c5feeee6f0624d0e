"""Sync jobs end when Debezium says their ad-hoc snapshot completed (or was aborted).

Debezium's incremental-snapshot notifications carry the id of the execute-snapshot signal,
which is the job's id. A completed job publishes SYNC_COMPLETED, an aborted one SYNC_FAILED.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from faust.types import EventT, StreamT

from persistence.models.sync import SyncEvent
from persistence.retry import retrying
from persistence.sync_jobs import finish_job, get_job
from streams.app import CrmApp
from streams.avro import codec_for
from streams.batching import consume_in_batches
from streams.sync_events import SCHEMA
from streams.topics import CDC_NOTIFICATIONS, SYNC_EVENTS

log = logging.getLogger(__name__)

_OUTCOMES = {"COMPLETED": ("COMPLETED", "SYNC_COMPLETED"), "ABORTED": ("FAILED", "SYNC_FAILED")}


def _notification(raw: bytes | None) -> tuple[uuid.UUID, str] | None:
    """(job id, COMPLETED|ABORTED) of an incremental-snapshot end, None for anything else."""
    try:
        value = json.loads(raw or b"null")
        if value.get("aggregate_type") != "Incremental Snapshot" or value["type"] not in _OUTCOMES:
            return None
        return uuid.UUID(str(value["id"])), str(value["type"])
    except (ValueError, KeyError, AttributeError, TypeError):
        return None  # other notifications and signals not sent by a job are not ours


def _event(
    job: dict[str, Any], event_type: str, now: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    event_id = f"job-{job['id']}-{event_type.lower()}"
    record = {
        "eventId": event_id,
        "eventType": event_type,
        "occurredAt": now,
        "sourceSystem": job["source_system"],
        "entityType": job["entity_type"] or "*",
        "naturalKey": None,
        "jobId": str(job["id"]),
        "recordCount": job["processed"],
        "message": job["message"],
        "naturalKeys": [],
        "lastSourceTs": None,
    }
    row = {
        "event_id": event_id,
        "event_type": event_type,
        "source_system": job["source_system"],
        "entity_type": job["entity_type"] or "*",
        "record_count": job["processed"],
        "job_id": job["id"],
        "occurred_at": now,
        "last_source_ts": None,
    }
    return record, row


def register_jobs(app: CrmApp) -> None:
    settings = app.settings
    codec = codec_for(settings)
    events_topic = settings.topic(SYNC_EVENTS.name)

    async def process(batch: list[EventT]) -> None:
        pool = await app.db_pool()
        for event in batch:
            found = _notification(event.message.value)
            if found is None:
                continue
            job_id, outcome = found
            status, event_type = _OUTCOMES[outcome]
            now = datetime.now(UTC)
            message = None if status == "COMPLETED" else "Debezium aborted the snapshot"
            # Already closed: a redelivery after a crash publishes the (same) event again.
            job = await retrying(
                finish_job, pool, job_id, status, message, now, what="sync_job finish", pool=pool
            ) or await retrying(get_job, pool, job_id, what="sync_job read", pool=pool)
            if job is None:
                continue  # a snapshot someone signalled by hand, not through a job
            record, row = _event(job, event_type, now)
            sink = await app.sink(SyncEvent.__table__, ["event_id"], update_columns=[])
            await sink.write([row])
            key = f"{job['source_system']}.{row['entity_type']}".encode()
            await app.publisher.publish(events_topic, [(key, codec.encode(SCHEMA, record))])
            log.info("sync job %s %s", job_id, status)

    topic = app.topic(
        *(settings.topic(t.name) for t in CDC_NOTIFICATIONS), key_type=bytes, value_type=bytes
    )

    @app.agent(topic, name="sync.jobs")
    async def jobs(stream: StreamT) -> None:
        await consume_in_batches(app, stream, 100, 1.0, process)
