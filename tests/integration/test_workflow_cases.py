"""Cases from the core's loans through the real stack, and the agent's queue.

The test plays the sync service: it publishes the customer's loan on sync.loan as sync would
(past due, then cured), and watches the case, the assignment and the queue follow.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from crm.settings import Settings
from tests.integration.auth_client import call
from tests.integration.conftest import apoll
from tests.integration.feed import core_loan, send_core
from tests.integration.workflow_staff import Desk, assign, fresh_cif


async def case_of(desk: Desk, cif: str, status: str) -> dict[str, Any] | None:
    got = await call("GET", f"{desk.api}/api/cases/customer/{cif}", desk.admin)
    return got[1] if got[0] == 200 and got[1]["status"] == status else None


async def queue(desk: Desk) -> dict[str, Any]:
    got = await call("GET", f"{desk.api}/api/queues/me?all=true", desk.agent1)
    assert got[0] == 200, got
    return dict(got[1])


async def test_a_cured_customer_leaves_the_queue(desk: Desk, system: Settings) -> None:
    cif = fresh_cif()
    account = f"LD{uuid.uuid4().hex[:12].upper()}"
    now = datetime.now(UTC)
    send_core(system, [core_loan(account, "40000000", now, cif=cif, dpd=45)])
    opened = await apoll(lambda: case_of(desk, cif, "OPEN"), deadline_s=90, what="the case")
    assert isinstance(opened, dict)
    assert (opened["bucket"], opened["maxDpd"], list(opened["loans"])) == ("31-60", 45, [account])
    # An agent may list only their own assignments.
    others = await call("GET", f"{desk.api}/api/assignments/agent/AG-OTHER", desk.agent1)
    assert others[0] == 403
    mine = await queue(desk)
    await assign(desk.api, desk.admin, cif, mine["agentId"])

    async def queued() -> dict[str, Any] | None:
        items = [i for i in (await queue(desk))["items"] if i["cif"] == cif]
        return items[0] if items else None

    item = await apoll(queued, deadline_s=15, what="the customer in agent1's queue")
    assert isinstance(item, dict)
    within = system.contact_policy().within_hours(datetime.now(UTC))
    assert (item["maxDpd"], item["contactableNow"]) == (45, within)
    # The core reports the loan current again: the case closes and the customer leaves.
    send_core(system, [core_loan(account, "38000000", datetime.now(UTC), cif=cif, dpd=0)])
    closed = await apoll(lambda: case_of(desk, cif, "CLOSED"), deadline_s=30, what="the cure")
    assert isinstance(closed, dict) and closed["loans"] == {}

    async def gone() -> bool:
        return all(i["cif"] != cif for i in (await queue(desk))["items"])

    await apoll(gone, deadline_s=15, what="the customer leaving the queue")
    history = await call("GET", f"{desk.api}/api/assignments/customer/{cif}", desk.admin)
    assert history[1]["items"][0]["endedReason"].startswith("CURED")
