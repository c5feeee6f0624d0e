"""Read side of sync operations: per-entity status, orphans, stale records, jobs, errors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from domain.sync_entities import ENTITY_TYPES
from persistence.models.sync import key_columns


async def entity_counts(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    """(source, entity type) → live and deleted row counts. Exact: an ops view, not a hot path."""
    parts = [
        f"SELECT '{name}' AS entity_type, source_system, count(*) FILTER (WHERE NOT is_deleted)"
        f" AS live, count(*) FILTER (WHERE is_deleted) AS deleted"
        f" FROM sync_entities.{name} GROUP BY source_system"
        for name in ENTITY_TYPES
    ]
    return [dict(r) for r in await pool.fetch(" UNION ALL ".join(parts))]


async def last_events(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    """Per (source, entity type): the latest ENTITY_UPDATED and the source time it carried."""
    rows = await pool.fetch(
        "SELECT DISTINCT ON (source_system, entity_type) source_system, entity_type,"
        " occurred_at, last_source_ts FROM sync_metadata.sync_event"
        " WHERE event_type = 'ENTITY_UPDATED'"
        " ORDER BY source_system, entity_type, occurred_at DESC"
    )
    return [dict(r) for r in rows]


async def open_errors(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT source_system, entity_type, count(*) AS open, max(created_at) AS latest"
        " FROM sync_metadata.sync_error WHERE resolved_at IS NULL"
        " GROUP BY source_system, entity_type"
    )
    return [dict(r) for r in rows]


async def running_jobs(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT id, source_system, entity_type, status, requested_by, started_at, processed,"
        " created, updated, deleted, errors FROM sync_metadata.sync_job"
        " WHERE status = 'RUNNING' ORDER BY started_at"
    )
    return [dict(r) for r in rows]


async def orphans(
    pool: asyncpg.Pool, seen_before: datetime, cif: str | None, limit: int
) -> tuple[int, list[Any]]:
    """Records still waiting for their customer that were first seen before a time."""
    where = "first_seen_at < $1 AND ($2::text IS NULL OR cif = $2)"
    total = await pool.fetchval(
        f"SELECT count(*) FROM sync_metadata.orphan WHERE {where}", seen_before, cif
    )
    rows = await pool.fetch(
        "SELECT entity_type, natural_key, cif, source_system, first_seen_at"
        f" FROM sync_metadata.orphan WHERE {where}"
        " ORDER BY first_seen_at, entity_type, natural_key LIMIT $3",
        seen_before,
        cif,
        limit,
    )
    return int(total), [dict(r) for r in rows]


async def stale(
    pool: asyncpg.Pool, entity_type: str, since: datetime, source: str | None, limit: int
) -> tuple[int, list[Any]]:
    """Live entities their source has not confirmed (changed or snapshotted) since a time."""
    keys = ", ".join(key_columns(entity_type))
    where = "NOT is_deleted AND last_synced_at < $1 AND ($2::text IS NULL OR source_system = $2)"
    table = f"sync_entities.{entity_type}"
    total = await pool.fetchval(f"SELECT count(*) FROM {table} WHERE {where}", since, source)
    rows = await pool.fetch(
        f"SELECT {keys}, source_system, last_synced_at FROM {table} WHERE {where}"
        f" ORDER BY last_synced_at, {keys} LIMIT $3",
        since,
        source,
        limit,
    )
    return int(total), [dict(r) for r in rows]
