"""Which sync job a snapshot row belongs to, as the sync agents see it."""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from typing import Any

from persistence.retry import retrying
from persistence.sync_jobs import recent_jobs
from simulators.sources import BY_NAME
from streams.app import CrmApp

# Header on sync.changes naming the job whose ad-hoc snapshot produced the change.
JOB_HEADER = "crm-sync-job"
# Jobs start rarely; a short cache keeps snapshot batches from asking for each row.
_TTL_SECONDS = 2.0


class JobWindows:
    """Attributes an ad-hoc snapshot row to the latest job of its source started before it.

    By read time, not by job state: the sync stream may reach a snapshot's rows after
    Debezium already reported the snapshot complete.
    """

    def __init__(self, app: CrmApp) -> None:
        self._app = app
        self._jobs: list[tuple[str, uuid.UUID, datetime]] = []
        self._read_at = float("-inf")

    async def of(self, source: str, read_at: datetime) -> uuid.UUID | None:
        """The job of a source (by its lower-case name) a snapshot row read then belongs to."""
        if time.monotonic() - self._read_at > _TTL_SECONDS:
            pool = await self._app.db_pool()
            self._jobs = await retrying(recent_jobs, pool, what="sync_job lookup", pool=pool)
            self._read_at = time.monotonic()
        system = BY_NAME[source].system
        started = [job for s, job, at in self._jobs if s == system and at <= read_at]
        return started[-1] if started else None


def job_of(headers: Any) -> uuid.UUID | None:
    """The job id a sync.changes message carries, if any."""
    items = headers.items() if isinstance(headers, dict) else (headers or [])
    for name, value in items:
        if name == JOB_HEADER and value:
            try:
                return uuid.UUID(bytes(value).decode())
            except ValueError:
                return None
    return None
