"""Agent and team performance from what really happened: actions, results, promises, money.

agent1 is shared with other tests, so this test measures what its own work adds.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from crm.settings import Settings
from persistence.db import create_pool
from persistence.performance_days import day_bounds, roll_up
from tests.integration.auth_client import call
from tests.integration.conftest import apoll
from tests.integration.workflow_staff import Desk, recorded_once_assigned


async def figures(desk: Desk, path: str, token: str, since: datetime, until: datetime) -> Any:
    params = {"from": since.isoformat(), "to": until.isoformat()}
    status, body = await call("GET", f"{desk.api}{path}", token, params=params)
    assert status == 200, body
    return body


async def test_actions_promises_and_collected_money_count_for_the_agent(desk: Desk) -> None:
    queue = await call("GET", f"{desk.api}/api/queues/me", desk.agent1)
    agent = queue[1]["agentId"]
    path = f"/api/agents/{agent}/performance"
    since = desk.a_day_in_hours() - timedelta(hours=1)
    until = datetime.now(desk.zone) + timedelta(hours=1)
    before = await figures(desk, path, desk.agent1, since, until)

    await recorded_once_assigned(desk, desk.agent1, desk.mine, result="NO_ANSWER")
    at = desk.a_day_in_hours() + timedelta(minutes=1)
    due = (at.date() + timedelta(days=2)).isoformat()
    status, _ = await desk.record(
        desk.agent1,
        desk.mine,
        occurredAt=at.isoformat(),
        result="PROMISE_TO_PAY",
        promise={"amount": "250000", "dueDate": due},
    )
    assert status == 201
    body = {
        "referenceNumber": f"PF{uuid.uuid4().hex[:12].upper()}",
        "loanAccountNumber": f"LD{uuid.uuid4().hex[:10].upper()}",
        "cif": desk.mine,
        "amount": "250000",
        "currency": "VND",
        "paidAt": datetime.now(desk.zone).isoformat(),
    }
    paid = await call("POST", f"{desk.api}/api/payments", desk.admin, json=body)
    assert paid[0] == 202, paid

    async def settled() -> Any:
        now = await figures(desk, path, desk.agent1, since, until)
        return now if now["promisesKept"] > before["promisesKept"] else None

    after: Any = await apoll(settled, deadline_s=30, what="the promise kept and counted")
    assert after["actions"] - before["actions"] == 2
    assert after["contactAttempts"] - before["contactAttempts"] == 2
    # NO_ANSWER reached nobody; PROMISE_TO_PAY is a right-party contact.
    assert after["rightPartyContacts"] - before["rightPartyContacts"] == 1
    assert after["promises"] - before["promises"] == 1
    gained = Decimal(after["amountCollected"]["VND"]) - Decimal(
        before["amountCollected"].get("VND", "0")
    )
    assert gained == Decimal("250000.00")
    assert after["promiseKeptRate"] is not None

    # Another agent may not read agent1's figures; a lead of the team reads the roll-up.
    refused = await call("GET", f"{desk.api}{path}", desk.agent2)
    assert refused[0] == 403
    agent_row = await call("GET", f"{desk.api}/api/agents/{agent}", desk.admin)
    team = agent_row[1]["teamCode"]
    rollup = await figures(desk, f"/api/teams/{team}/performance", desk.admin, since, until)
    assert [a["agentId"] for a in rollup["agents"]] == [agent]
    assert rollup["actions"] == rollup["agents"][0]["actions"] == after["actions"]


async def test_a_bad_period_is_400(desk: Desk) -> None:
    agent = (await call("GET", f"{desk.api}/api/queues/me", desk.agent1))[1]["agentId"]
    now = datetime.now(desk.zone)
    for params, field in (
        ({"from": now.isoformat(), "to": (now - timedelta(days=1)).isoformat()}, "from"),
        ({"from": (now - timedelta(days=400)).isoformat()}, "to"),
        ({"from": "yesterday"}, "from"),
    ):
        status, problem = await call(
            "GET", f"{desk.api}/api/agents/{agent}/performance", desk.admin, params=params
        )
        assert (status, problem.get("field")) == (400, field), (params, problem)


async def test_a_bank_day_rolls_up_to_the_same_figures(desk: Desk, system: Settings) -> None:
    queue = await call("GET", f"{desk.api}/api/queues/me", desk.agent1)
    agent = queue[1]["agentId"]
    await recorded_once_assigned(desk, desk.agent1, desk.mine, result="NO_ANSWER")
    day = desk.a_day_in_hours().date()
    # What the workflow's timer runs every CRM_PERFORMANCE_ROLLUP_SECONDS, run now.
    pool = await create_pool(system)
    try:
        window = timedelta(days=system.attribution_window_days)
        # None: a worker's own run holds the lock for a moment; then ours goes.
        await apoll(
            lambda: roll_up(pool, [day], desk.zone, window, datetime.now(UTC)),
            deadline_s=30,
            what="the roll-up lock",
        )
    finally:
        await pool.close()
    params = {"from": day.isoformat(), "to": day.isoformat()}
    status, rolled = await call(
        "GET", f"{desk.api}/api/agents/{agent}/performance/daily", desk.agent1, params=params
    )
    assert status == 200, rolled
    since, until = day_bounds(day, desk.zone)
    live = await figures(desk, f"/api/agents/{agent}/performance", desk.agent1, since, until)
    (only,) = rolled["days"]
    assert only["actions"] >= 1
    for name in ("actions", "contactAttempts", "promises", "amountCollected"):
        assert only[name] == live[name], name
    other = await call(
        "GET", f"{desk.api}/api/agents/{agent}/performance/daily", desk.agent2, params=params
    )
    assert other[0] == 403
