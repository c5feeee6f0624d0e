"""Changes an administrator makes to segments reach the customers already placed, through
the real stack, without waiting for their loans to move.

The test plays the sync service (loans on sync.loan) and uses a product code of its own, so
its segment takes only its own customers.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg

from crm.settings import Settings
from domain.strategy import Arm, Strategy, Treatment
from persistence import placement
from persistence.db import create_pool
from tests.integration.auth_client import call
from tests.integration.conftest import apoll
from tests.integration.strategy_helpers import (
    capacity,
    holder,
    new_loans,
    placed_with,
    put,
    put_segment,
)
from tests.integration.workflow_staff import agent_in, assign, fresh_cif, new_team


async def test_a_segment_change_reaches_customers_whose_loans_did_not_change(
    system: Settings, api: str, token: str
) -> None:
    tag = uuid.uuid4().hex[:8].upper()
    product = f"TESTPROD-{tag}"
    calls_team, visits_team = await new_team(api, token, "calls"), await new_team(api, token, "vis")
    caller = await agent_in(api, system, token, "agent1", calls_team)
    visitor = await agent_in(api, system, token, "agent2", visits_team)
    keeper = await agent_in(api, system, token, "teamlead1", await new_team(api, token, "hand"))
    for agent in (caller, visitor, keeper):
        await capacity(api, token, agent, 5)
    calls, visits = f"CALLS-{tag}", f"VISITS-{tag}"
    for code, team in ((calls, calls_team), (visits, visits_team)):
        await put(
            api, token, f"/api/strategies/{code}", {"name": code, "teamCode": team, "priority": 50}
        )
    segment = f"SEG-{tag}"
    body = {"name": "31-60", "products": [product], "buckets": ["31-60"], "champion": calls}
    rank = await put_segment(api, token, segment, body)
    await asyncio.sleep(system.dictionary_cache_seconds + 1)
    moved, kept = fresh_cif(), fresh_cif()
    new_loans(system, (moved, kept), "5000000", dpd=40, product=product)
    await placed_with(api, token, moved, caller)
    await placed_with(api, token, kept, caller)
    # A supervisor's own choice for one of them.
    await assign(api, token, kept, keeper)

    # The administrator gives the segment to the visits team. No loan changes after this.
    changed = {**body, "champion": visits, "rank": rank}
    answer = await call("PUT", f"{api}/api/strategies/segments/{segment}", token, json=changed)
    assert answer[0] == 200, answer
    # The queue filler (every CRM_STRATEGY_FILL_SECONDS) asks the customers' workers again.
    placed = await placed_with(api, token, moved, visitor)
    assert placed["assignedBy"] == "strategy" and visits in placed["reason"], placed

    async def treatment() -> str | None:
        conn = await asyncpg.connect(system.asyncpg_dsn())
        try:
            code = await conn.fetchval(
                "SELECT strategy_code FROM workflow.customer_treatment WHERE cif = $1", kept
            )
        finally:
            await conn.close()
        return code if code == visits else None

    await apoll(treatment, deadline_s=90, what="the hand-assigned customer's new treatment")
    # The hand assignment stands: a strategy change is not a supervisor's decision.
    still = await holder(api, token, kept)
    assert still is not None and still["agentId"] == keeper, still


async def test_one_customer_twice_in_a_batch_is_decided_once(system: Settings) -> None:
    """Two of a customer's loans in one batch give the placement the customer twice: the
    last decision is theirs, and the set-based writes do not touch a row twice (which
    PostgreSQL refuses, and the worker would replay the batch forever)."""
    tag = uuid.uuid4().hex[:8].upper()
    cif, now = fresh_cif(), datetime.now(UTC)
    first = Treatment(
        cif, f"SEG-{tag}", Strategy(f"A-{tag}", f"T-{tag}", 10, ("CALL",), 0), Arm.CHAMPION
    )
    last = Treatment(
        cif, f"SEG-{tag}", Strategy(f"B-{tag}", f"T-{tag}", 20, ("SMS",), 0), Arm.CHAMPION
    )
    published: list[Any] = []

    async def publish(changes: list[Any]) -> None:
        published.extend(changes)

    pool = await create_pool(system, max_size=1, application_name="crm-test")
    try:
        placed = await placement.place(
            pool, [(cif, "31-60", first), (cif, "61-90", last)], now, publish, now
        )
        # The team has no agents: the customer waits, once.
        assert (placed.assigned, placed.waiting) == (0, 1)
        treatment = await pool.fetchrow(
            "SELECT strategy_code, bucket FROM workflow.customer_treatment WHERE cif = $1", cif
        )
        assert treatment is not None
        assert (treatment["strategy_code"], treatment["bucket"]) == (f"B-{tag}", "61-90")
        decided = await pool.fetch(
            "SELECT book_version FROM workflow.strategy_decision WHERE cif = $1", cif
        )
        assert [r["book_version"] for r in decided] == [now]
        stays = await pool.fetchval(
            "SELECT count(*) FROM workflow.customer_treatment_history"
            " WHERE cif = $1 AND ended_at IS NULL",
            cif,
        )
        assert stays == 1
    finally:
        await pool.execute("DELETE FROM workflow.customer_treatment_history WHERE cif = $1", cif)
        await pool.execute("DELETE FROM workflow.customer_treatment WHERE cif = $1", cif)
        await pool.execute("DELETE FROM workflow.strategy_decision WHERE cif = $1", cif)
        await pool.close()
