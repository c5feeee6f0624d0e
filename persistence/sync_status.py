"""Read side of sync operations: per-entity status, orphans, stale records, jobs, errors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy.dialects import postgresql

from domain.sync_entities import ENTITY_TYPES
from persistence.models.sync import ENTITY_MODELS, key_columns

_PG = postgresql.dialect()


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


def _key_part(index: int, of: int) -> str:
    """Part `index` (1-based) of an orphan's natural key; the last part keeps any "|" in it."""
    if index < of:
        return f"split_part(o.natural_key, '|', {index})"
    head = " + ".join(f"length(split_part(o.natural_key, '|', {i})) + 1" for i in range(1, index))
    return f"substr(o.natural_key, {head} + 1)" if head else "o.natural_key"


def _applied(entity_type: str) -> str:
    """SQL: the orphan's record is in its table under its customer, so it waits no more."""
    table = ENTITY_MODELS[entity_type].__table__
    keys = key_columns(entity_type)
    matches = [
        f"t.{c} = CAST({_key_part(i, len(keys))} AS {table.c[c].type.compile(_PG)})"
        for i, c in enumerate(keys, start=1)
    ]
    if "cif" in table.c and "cif" not in keys:
        matches.append("t.cif = o.cif")
    return f"EXISTS (SELECT 1 FROM sync_entities.{entity_type} t WHERE {' AND '.join(matches)})"


# A record's hold can outlive it: when the batch that held it is replayed on another worker
# after a rebalance together with its customer, the record is applied at once and the
# listing of the first hold is never released. Such rows are not reported.
_STILL_WAITING = (
    "NOT CASE o.entity_type "
    + " ".join(f"WHEN '{t}' THEN {_applied(t)}" for t in ENTITY_TYPES if t != "customer")
    + " ELSE false END"
)


async def orphans(
    pool: asyncpg.Pool, seen_before: datetime, cif: str | None, limit: int
) -> tuple[int, list[Any]]:
    """Records still waiting for their customer that were first seen before a time."""
    where = f"first_seen_at < $1 AND ($2::text IS NULL OR o.cif = $2) AND {_STILL_WAITING}"
    total = await pool.fetchval(
        f"SELECT count(*) FROM sync_metadata.orphan o WHERE {where}", seen_before, cif
    )
    rows = await pool.fetch(
        "SELECT entity_type, natural_key, cif, source_system, first_seen_at"
        f" FROM sync_metadata.orphan o WHERE {where}"
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
