"""SyncEvents: one ENTITY_UPDATED per source and entity type per batch, listing the keys."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.sync_entities import SyncEntity, key_text, type_name

SCHEMA = "crm.sync.SyncEvent"


@dataclass(frozen=True)
class OutgoingEvent:
    key: bytes
    record: dict[str, Any]
    # Its row in sync_metadata.sync_event (the status view reads these).
    row: dict[str, Any]
    schema: str = SCHEMA


def entity_updated_events(entities: Sequence[SyncEntity], now: datetime) -> list[OutgoingEvent]:
    """Group stored entity changes (deletes included) into one event per source and type."""
    groups: dict[tuple[str, str], list[SyncEntity]] = defaultdict(list)
    for entity in entities:
        groups[(entity.source_system, type_name(entity))].append(entity)
    events = []
    for (source, entity_type), members in sorted(groups.items()):
        event_id = str(uuid.uuid4())
        last_ts = max(e.source_ts for e in members)
        record = {
            "eventId": event_id,
            "eventType": "ENTITY_UPDATED",
            "occurredAt": now,
            "sourceSystem": source,
            "entityType": entity_type,
            "naturalKeys": [key_text(e) for e in members],
            "recordCount": len(members),
            "lastSourceTs": last_ts,
        }
        row = {
            "event_id": event_id,
            "event_type": "ENTITY_UPDATED",
            "source_system": source,
            "entity_type": entity_type,
            "record_count": len(members),
            "job_id": None,
            "occurred_at": now,
            "last_source_ts": last_ts,
        }
        events.append(OutgoingEvent(f"{source}.{entity_type}".encode(), record, row))
    return events
