"""Source databases and the CRM agree, table by table, after a load, after churn, and after
the sync worker is killed in the middle of a load."""

from __future__ import annotations

import os
import signal

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


async def test_a_worker_killed_mid_load_ends_with_matching_checksums(
    system: Settings, db: asyncpg.Pool
) -> None:
    scope = fresh(1500)
    populate(system, 1500, seed=9, start=scope.lo, as_of=bank_today(system.bank_timezone))
    low, high = scope.text("CIF")

    async def arrived() -> int:
        count: int = await db.fetchval(
            "SELECT count(*) FROM sync_entities.customer WHERE cif >= $1 AND cif < $2", low, high
        )
        return count

    await apoll(arrived, deadline_s=300, what="the load to start arriving")
    sync = manager.BY_NAME["sync"]
    pid = sync.pid(system)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    assert await arrived() < 1500, "killed in the middle of the load, not after it"
    processes.wait_until(lambda: not processes.is_alive(pid), timeout=30, what="sync to die")
    assert manager.up(system, only=["sync"]) == 0
    await converged(system, db, scope, deadline=600)
