"""Changes an administrator makes to segments reach the customers already placed, through
the real stack, without waiting for their loans to move.

The test plays the sync service (loans on sync.loan) and uses a product code of its own, so
its segment takes only its own customers.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import asyncpg

from crm.settings import Settings
from tests.integration.auth_client import call
from tests.integration.conftest import apoll
from tests.integration.feed import core_loan, send_core
from tests.integration.strategy_helpers import capacity, holder, placed_with, put, put_segment
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
    now = datetime.now(UTC)
    send_core(
        system,
        [
            core_loan(
                f"LD{uuid.uuid4().hex[:12].upper()}",
                "5000000",
                now,
                cif=cif,
                dpd=40,
                product_type=product,
            )
            for cif in (moved, kept)
        ],
    )
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


async def test_a_customer_whose_loans_arrive_together_is_placed_once(
    system: Settings, api: str, token: str
) -> None:
    """Two of a customer's loans in one batch: one decision, and the worker keeps going."""
    tag = uuid.uuid4().hex[:8].upper()
    product = f"TESTPROD-{tag}"
    team = await new_team(api, token, "twin")
    agent = await agent_in(api, system, token, "agent1", team)
    await capacity(api, token, agent, 5)
    strategy = f"TWIN-{tag}"
    await put(
        api, token, f"/api/strategies/{strategy}", {"name": "t", "teamCode": team, "priority": 5}
    )
    await put_segment(
        api, token, f"SEG-{tag}", {"name": "twin", "products": [product], "champion": strategy}
    )
    await asyncio.sleep(system.dictionary_cache_seconds + 1)
    cif, now = fresh_cif(), datetime.now(UTC)
    send_core(
        system,
        [
            core_loan(
                f"LD{uuid.uuid4().hex[:12].upper()}",
                amount,
                now,
                cif=cif,
                dpd=dpd,
                product_type=product,
            )
            for amount, dpd in (("5000000", 40), ("7000000", 45))
        ],
    )
    placed = await placed_with(api, token, cif, agent)
    assert f"SEG-{tag}" in placed["reason"], placed
    # The worker is still deciding: a later customer is placed too.
    later = fresh_cif()
    send_core(
        system,
        [
            core_loan(
                f"LD{uuid.uuid4().hex[:12].upper()}",
                "1000000",
                datetime.now(UTC),
                cif=later,
                dpd=40,
                product_type=product,
            )
        ],
    )
    await placed_with(api, token, later, agent)
