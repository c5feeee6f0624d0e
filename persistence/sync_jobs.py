"""Sync jobs (ad-hoc snapshots) in sync_metadata.sync_job: start, count progress, finish."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import asyncpg

_JOB_COLUMNS = (
    "id, source_system, entity_type, status, requested_by, started_at, finished_at,"
    " processed, created, updated, deleted, errors, message"
)


class JobAlreadyRunning(Exception):
    """A source runs one ad-hoc snapshot at a time; its job id is the argument."""


PROGRESS_COUNTS = ("processed", "created", "updated", "deleted", "errors")


async def start_job(
    pool: asyncpg.Pool,
    *,
    source_system: str,
    entity_type: str | None,
    collections: list[str],
    signal_dsn: str,
    requested_by: str,
    now: datetime,
) -> dict[str, Any]:
    """Record the job, then put Debezium's execute-snapshot signal in the source's table.

    The signal's id is the job's id: Debezium echoes it in its snapshot notifications,
    which is how the job learns it finished.
    """
    job_id = uuid.uuid4()
    async with pool.acquire() as connection, connection.transaction():
        # One running snapshot per source: taken under a lock so two requests cannot both pass.
        await connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", source_system)
        running = await connection.fetchval(
            "SELECT id FROM sync_metadata.sync_job WHERE source_system = $1 AND status = 'RUNNING'",
            source_system,
        )
        if running is not None:
            raise JobAlreadyRunning(str(running))
        job = await connection.fetchrow(
            f"INSERT INTO sync_metadata.sync_job (id, source_system, entity_type, status,"
            f" requested_by, started_at) VALUES ($1, $2, $3, 'RUNNING', $4, $5)"
            f" RETURNING {_JOB_COLUMNS}",
            job_id,
            source_system,
            entity_type,
            requested_by,
            now,
        )
        data = json.dumps({"data-collections": collections, "type": "incremental"})
        source = await asyncpg.connect(signal_dsn)
        try:
            await source.execute(
                "INSERT INTO public.debezium_signal (id, type, data)"
                " VALUES ($1, 'execute-snapshot', $2)",
                str(job_id),
                data,
            )
        finally:
            await source.close()
    return dict(job)


async def recent_jobs(pool: asyncpg.Pool, days: int = 7) -> list[tuple[str, uuid.UUID, datetime]]:
    """(source system, job id, started at) of jobs started in the last days, oldest first."""
    rows = await pool.fetch(
        "SELECT source_system, id, started_at FROM sync_metadata.sync_job"
        " WHERE started_at > now() - make_interval(days => $1) ORDER BY started_at",
        days,
    )
    return [(r["source_system"], r["id"], r["started_at"]) for r in rows]


async def add_progress(pool: asyncpg.Pool, progress: Mapping[uuid.UUID, Mapping[str, int]]) -> None:
    """Add counts to jobs, whatever their state: a snapshot's last rows may land after the
    notification that closed it."""
    for job_id, counts in progress.items():
        await pool.execute(
            "UPDATE sync_metadata.sync_job SET processed = processed + $2,"
            " created = created + $3, updated = updated + $4, deleted = deleted + $5,"
            " errors = errors + $6 WHERE id = $1",
            job_id,
            *(counts.get(name, 0) for name in PROGRESS_COUNTS),
        )


async def finish_job(
    pool: asyncpg.Pool, job_id: uuid.UUID, status: str, message: str | None, now: datetime
) -> dict[str, Any] | None:
    """Close a running job; None when it is unknown or already closed (a redelivery)."""
    row = await pool.fetchrow(
        f"UPDATE sync_metadata.sync_job SET status = $2, message = $3, finished_at = $4"
        f" WHERE id = $1 AND status = 'RUNNING' RETURNING {_JOB_COLUMNS}",
        job_id,
        status,
        message,
        now,
    )
    return None if row is None else dict(row)


async def get_job(pool: asyncpg.Pool, job_id: uuid.UUID) -> dict[str, Any] | None:
    row = await pool.fetchrow(
        f"SELECT {_JOB_COLUMNS} FROM sync_metadata.sync_job WHERE id = $1", job_id
    )
    return None if row is None else dict(row)
