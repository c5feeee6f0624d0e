"""Source databases and the CRM agree, table by table, after a load, after churn, after the
sync worker is killed in the middle of a load, and after a second worker joins and leaves."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from crm.settings import Settings
from runtime import manager, processes
from simulators.checksums import source_side
from simulators.churn import churn
from simulators.generator import bank_today
from simulators.loader import populate
from tests.integration.conftest import apoll
from tests.integration.populations import converged, fresh
from tests.integration.workers import WorkerProcess

pytestmark = pytest.mark.integration


async def test_load_and_churn_end_with_matching_checksums(
    system: Settings, db: asyncpg.Pool
) -> None:
    scope = fresh(150)
    written = populate(system, 150, seed=7, start=scope.lo, as_of=bank_today(system.bank_timezone))
    assert sum(written.values()) > 150 * 5, written
    source = source_side(system, scope)
    assert all(count > 0 for count, _ in source.values()), source
    await converged(system, db, scope, deadline=300)

    done = churn(system, rate=40, duration=6, seed=3, scope=scope)
    assert sum(done.values()) >= 100, done
    await converged(system, db, scope, deadline=300)


async def _arrived(db: asyncpg.Pool, low: str, high: str) -> int:
    count: int = await db.fetchval(
        "SELECT count(*) FROM sync_entities.customer WHERE cif >= $1 AND cif < $2", low, high
    )
    return count


async def _changed_since(db: asyncpg.Pool, low: str, high: str, since: datetime) -> bool:
    changed: bool = await db.fetchval(
        "SELECT EXISTS (SELECT 1 FROM sync_entities.loan WHERE cif >= $1 AND cif < $2"
        " AND source_ts >= $3)",
        low,
        high,
        since,
    )
    return changed


async def test_a_worker_joining_and_leaving_mid_load_loses_nothing(
    system: Settings, db: asyncpg.Pool, log_dir: Path
) -> None:
    # Each rebalance hands partitions over while messages of them wait in the old owner's
    # streams; those must be read again by the new owner, never counted as done. Partitions
    # that go back and forth must come back with what the other worker held for them.
    customers = 8000
    scope = fresh(customers)
    loading = asyncio.create_task(
        asyncio.to_thread(
            populate,
            system,
            customers,
            seed=11,
            start=scope.lo,
            as_of=bank_today(system.bank_timezone),
        )
    )
    low, high = scope.text("CIF")
    await apoll(lambda: _arrived(db, low, high), deadline_s=300, what="the load to arrive")
    second = WorkerProcess(system, "sync", 1, log_dir)
    try:
        for _ in range(2):
            second.start()
            await asyncio.to_thread(second.wait_healthy)
            # Long enough to take partitions and write holds for them, short of the load.
            await asyncio.sleep(2)
            second.stop()
        second.start()
        await asyncio.to_thread(second.wait_healthy)
        assert await _arrived(db, low, high) < customers, "joined in the middle of the load"
        await loading
        await converged(system, db, scope, deadline=600)
        began = datetime.now(UTC)
        churning = asyncio.create_task(
            asyncio.to_thread(churn, system, rate=200, duration=10, seed=13, scope=scope)
        )
        await apoll(
            lambda: _changed_since(db, low, high, began),
            deadline_s=120,
            what="the churn's changes to arrive",
        )
        second.stop()
        churned = await churning
        assert sum(churned.values()) >= 600, churned
    finally:
        second.stop()
    await converged(system, db, scope, deadline=600)


async def test_a_worker_killed_mid_load_ends_with_matching_checksums(
    system: Settings, db: asyncpg.Pool
) -> None:
    scope = fresh(1500)
    populate(system, 1500, seed=9, start=scope.lo, as_of=bank_today(system.bank_timezone))
    low, high = scope.text("CIF")

    async def arrived() -> int:
        return await _arrived(db, low, high)

    await apoll(arrived, deadline_s=300, what="the load to start arriving")
    sync = manager.BY_NAME["sync"]
    pid = sync.pid(system)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    assert await arrived() < 1500, "killed in the middle of the load, not after it"
    processes.wait_until(lambda: not processes.is_alive(pid), timeout=30, what="sync to die")
    assert manager.up(system, only=["sync"]) == 0
    await converged(system, db, scope, deadline=600)
