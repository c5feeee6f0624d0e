"""PostgreSQL stopped for 30 s in the middle of the sync stream: nothing is lost.

The embedded runtime keeps the CRM's database and the simulated sources in one cluster, so
the outage stops the sources too: the change simulator runs right up to the stop (its
changes are then still on their way through Debezium and the sync stage) and again after
it. Debezium and the sync workers must ride out the outage by themselves.
"""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from crm.settings import Settings
from runtime import connectors, manager
from simulators.churn import churn
from simulators.generator import bank_today
from simulators.loader import populate
from tests.integration.populations import converged, fresh

pytestmark = pytest.mark.integration

OUTAGE_SECONDS = 30


async def test_postgres_away_for_30s_during_churn_loses_nothing(system: Settings) -> None:
    scope = fresh(120)
    populate(system, 120, seed=21, start=scope.lo, as_of=bank_today(system.bank_timezone))
    pool = await asyncpg.create_pool(system.asyncpg_dsn(), min_size=1, max_size=2)
    try:
        await converged(system, pool, scope, deadline=300)
    finally:
        await pool.close()

    made = churn(system, rate=40, duration=5, seed=8, scope=scope)
    assert sum(made.values()) >= 100, made
    postgres = manager.BY_NAME["postgres"]
    assert postgres.stop(system)
    # The outage itself is the point of the test: a fixed pause, not a poll.
    await asyncio.sleep(OUTAGE_SECONDS)
    assert manager.up(system, only=["postgres"]) == 0
    made = churn(system, rate=40, duration=5, seed=9, scope=scope)
    assert sum(made.values()) >= 100, made

    deadline = time.monotonic() + 180
    while not connectors.all_running(system):
        assert time.monotonic() < deadline, "Debezium did not recover from the outage"
        await asyncio.sleep(2)
    pool = await asyncpg.create_pool(system.asyncpg_dsn(), min_size=1, max_size=2)
    try:
        await converged(system, pool, scope, deadline=300)
    finally:
        await pool.close()
    assert manager.BY_NAME["sync"].pid(system) is not None, "the sync worker rode it out"
