"""Strategies through the real stack: newly delinquent customers are placed by segment, the
queue follows the strategy, a bucket change moves the customer, a full team waits, and the
champion/challenger report counts each arm.

The test plays the sync service (loans on sync.loan) and uses a product code of its own, so
its segments take only its own customers.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg

from crm.settings import Settings
from domain.sync_entities import Address
from tests.integration.auth_client import call, token_for
from tests.integration.conftest import apoll
from tests.integration.feed import core_loan, send_core
from tests.integration.strategy_helpers import (
    capacity,
    cif_in_arm,
    holder,
    new_loans,
    placed_with,
    put,
    put_segment,
)
from tests.integration.workflow_staff import agent_in, fresh_cif, new_team


async def test_strategy_places_moves_and_reports(system: Settings, api: str, token: str) -> None:
    tag = uuid.uuid4().hex[:8].upper()
    product = f"TESTPROD-{tag}"
    phone_team, field_team = await new_team(api, token, "phone"), await new_team(api, token, "fld")
    caller = await agent_in(api, system, token, "agent1", phone_team)
    visitor = await agent_in(api, system, token, "agent2", field_team)
    await capacity(api, token, caller, 10)
    await capacity(api, token, visitor, 1)
    strategies = {
        f"PHONE-{tag}": (phone_team, 70, ["CALL"]),
        f"SOFT-{tag}": (phone_team, 50, ["CALL", "SMS"]),
        f"FIELD-{tag}": (field_team, 40, ["CALL", "VISIT"]),
    }
    for code, (team, priority, channels) in strategies.items():
        body = {"name": code, "teamCode": team, "priority": priority, "channels": channels}
        await put(api, token, f"/api/strategies/{code}", body)
    early, late = f"EARLY-{tag}", f"LATE-{tag}"
    await put_segment(
        api,
        token,
        early,
        {
            "name": "Early, phone",
            "products": [product],
            "buckets": ["1-30", "31-60"],
            "champion": f"PHONE-{tag}",
            "challenger": f"SOFT-{tag}",
            "challengerPercent": 50,
        },
    )
    await put_segment(
        api,
        token,
        late,
        {
            "name": "Late, field",
            "products": [product],
            "buckets": ["61-90"],
            "champion": f"FIELD-{tag}",
        },
    )
    listed = await call("GET", f"{api}/api/strategies/segments", token)
    assert early in [s["code"] for s in listed[1]["items"]]
    # Workers read the strategies again within this many seconds (CRM_DICTIONARY_CACHE_SECONDS).
    await asyncio.sleep(system.dictionary_cache_seconds + 1)

    stays, moves = cif_in_arm(early, False, 50), cif_in_arm(early, False, 50)
    softer, extra = cif_in_arm(early, True, 50), fresh_cif()
    now = datetime.now(UTC)
    loans = {cif: f"LD{uuid.uuid4().hex[:12].upper()}" for cif in (stays, moves, softer, extra)}
    send_core(
        system,
        [
            core_loan(loans[stays], "50000000", now, cif=stays, dpd=40, product_type=product),
            core_loan(loans[moves], "90000000", now, cif=moves, dpd=20, product_type=product),
            core_loan(loans[softer], "30000000", now, cif=softer, dpd=10, product_type=product),
        ],
    )
    for cif in (stays, moves, softer):
        placed = await placed_with(api, token, cif, caller)
        assert placed["assignedBy"] == "strategy" and early in placed["reason"], placed

    # The queue ranks by the strategy's priority and says what the strategy allows.
    agent1 = (await token_for(api, system, "agent1"))["accessToken"]
    queue = await call("GET", f"{api}/api/queues/me?all=true", agent1)
    assert queue[0] == 200, queue
    mine = [i for i in queue[1]["items"] if i["cif"] in loans]
    assert [i["strategy"]["code"] for i in mine][-1] == f"SOFT-{tag}"
    assert {i["cif"]: i["strategy"]["channels"] for i in mine}[stays] == ["CALL"]

    # An SMS is not a channel of the champion's strategy.
    async def sms() -> tuple[int, Any] | None:
        status, body = await call(
            "POST",
            f"{api}/api/actions",
            agent1,
            json={
                "actionId": str(uuid.uuid4()),
                "cif": stays,
                "actionType": "SMS",
                "subtype": "PAYMENT_REMINDER",
                "occurredAt": datetime.now(UTC).isoformat(),
            },
        )
        return None if status == 403 else (status, body)

    refused = await apoll(sms, deadline_s=15, what="the customer in agent1's scope")
    assert isinstance(refused, tuple)
    assert refused[0] == 422 and refused[1]["code"] == "CHANNEL_NOT_ALLOWED", refused
    assert refused[1]["field"] == "actionType"
    # The administrator allows SMS: the strategy's customers follow at once.
    team, priority, _ = strategies[f"PHONE-{tag}"]
    widened = {"name": "phone", "teamCode": team, "priority": priority, "channels": ["CALL", "SMS"]}
    changed = await call("PUT", f"{api}/api/strategies/PHONE-{tag}", token, json=widened)
    assert changed[0] == 200 and changed[1]["customersUpdated"] >= 1, changed
    queue = await call("GET", f"{api}/api/queues/me?all=true", agent1)
    (item,) = [i for i in queue[1]["items"] if i["cif"] == stays]
    assert item["strategy"]["channels"] == ["CALL", "SMS"]
    allowed = await sms()
    # Recorded, or refused by a contact rule (the hour): no longer by the channel.
    assert allowed is not None and allowed[1].get("code") != "CHANNEL_NOT_ALLOWED", allowed
    assert allowed[0] in (201, 422), allowed

    # Past 60 days the late segment takes the customer: the field team's agent works them.
    send_core(
        system,
        [
            core_loan(
                loans[moves], "90000000", datetime.now(UTC), cif=moves, dpd=65, product_type=product
            )
        ],
    )
    moved = await placed_with(api, token, moves, visitor)
    assert late in moved["reason"]
    history = await call("GET", f"{api}/api/assignments/customer/{moves}", token)
    ended = [a for a in history[1]["items"] if a["agentId"] == caller]
    assert ended[0]["endedReason"].startswith("MOVED BY STRATEGY")

    # The field agent is now full: the next late customer waits with nobody, until a seat frees.
    send_core(
        system,
        [
            core_loan(
                loans[extra], "20000000", datetime.now(UTC), cif=extra, dpd=70, product_type=product
            )
        ],
    )

    async def treated() -> Any:
        conn = await asyncpg.connect(system.asyncpg_dsn())
        try:
            return await conn.fetchval(
                "SELECT team_code FROM workflow.customer_treatment WHERE cif = $1", extra
            )
        finally:
            await conn.close()

    assert await apoll(treated, deadline_s=60, what="the extra customer's treatment") == field_team
    assert await holder(api, token, extra) is None
    await capacity(api, token, visitor, 1)
    # The filler runs every CRM_STRATEGY_FILL_SECONDS.
    deadline = system.strategy_fill_seconds * 2 + 30

    async def filled() -> dict[str, Any] | None:
        found = await holder(api, token, extra)
        return found if found is not None and found["agentId"] == visitor else None

    await apoll(filled, deadline_s=deadline, what="the waiting customer dealt to the field agent")

    report = await call("GET", f"{api}/api/strategies/segments/{early}/results", token)
    assert report[0] == 200, report
    arms = {(a["arm"], a["strategyCode"]): a for a in report[1]["arms"]}
    champion = arms[("CHAMPION", f"PHONE-{tag}")]
    # `moves` rolled on to the late segment: still counted for the arm it was in, as moved on.
    assert (champion["customers"], champion["open"], champion["movedOn"]) == (2, 1, 1)
    assert arms[("CHALLENGER", f"SOFT-{tag}")]["customers"] == 1

    # Only administrators change strategies.
    forbidden = await call(
        "PUT", f"{api}/api/strategies/PHONE-{tag}", agent1, json={"name": "x", "teamCode": "x"}
    )
    assert forbidden[0] == 403
    segments = (await call("GET", f"{api}/api/strategies/segments", token))[1]["items"]
    for body in (s for s in segments if s["code"] in (early, late)):
        retired = {k: body[k] for k in ("name", "rank", "champion", "buckets", "products")}
        await put(
            api, token, f"/api/strategies/segments/{body['code']}", {**retired, "active": False}
        )


async def stored_region(system: Settings, cif: str) -> Any:
    conn = await asyncpg.connect(system.asyncpg_dsn())
    try:
        return await conn.fetchval(
            "SELECT region FROM workflow.customer_address WHERE cif = $1", cif
        )
    finally:
        await conn.close()


async def test_a_regional_segment_takes_the_customers_of_its_region(
    system: Settings, api: str, token: str
) -> None:
    tag = uuid.uuid4().hex[:8].upper()
    product, region = f"TESTREG-{tag}", f"Tỉnh Thử {tag}"
    team = await new_team(api, token, "region")
    agent = await agent_in(api, system, token, "agent1", team)
    await capacity(api, token, agent, 5)
    body = {"name": "Regional", "teamCode": team, "priority": 30, "channels": []}
    await put(api, token, f"/api/strategies/REG-{tag}", body)
    segment = {"name": "Regional", "products": [product], "regions": [region]}
    await put_segment(api, token, f"REGIONAL-{tag}", {**segment, "champion": f"REG-{tag}"})
    near, far = fresh_cif(), fresh_cif()
    now = datetime.now(UTC)
    send_core(
        system,
        [
            Address(
                source_system="T24",
                source_ts=now,
                source_record_id=f"{cif}-HOME",
                cif=cif,
                type="HOME",
                line1="12 Lê Lợi",
                city=city,
                is_primary=True,
            )
            for cif, city in ((near, region), (far, "Somewhere else"))
        ],
    )
    assert await apoll(lambda: stored_region(system, near), deadline_s=60, what="the region")
    assert await apoll(lambda: stored_region(system, far), deadline_s=60, what="the region")
    await asyncio.sleep(system.dictionary_cache_seconds + 1)
    new_loans(system, (near, far), "9000000", dpd=15, product=product)
    placed = await placed_with(api, token, near, agent)
    assert f"REGIONAL-{tag}" in placed["reason"]

    async def far_case_open() -> bool:
        case = await call("GET", f"{api}/api/cases/customer/{far}", token)
        return case[0] == 200 and case[1]["status"] == "OPEN"

    await apoll(far_case_open, deadline_s=60, what="the other customer's case")
    # The worker places a customer in the same flush that writes their case, a moment later:
    # nobody takes the customer no segment wants, however long we watch.
    for _ in range(10):
        assert await holder(api, token, far) is None
        await asyncio.sleep(0.2)


async def test_an_administrators_change_is_on_the_audit_trail(
    system: Settings, api: str, token: str
) -> None:
    team = await new_team(api, token, "audit")
    code = f"AUDITED-{uuid.uuid4().hex[:8].upper()}"
    body = {"name": "Audited", "teamCode": team, "priority": 10, "channels": ["CALL"]}
    await put(api, token, f"/api/strategies/{code}", body)
    # A team that does not exist is refused in the API's words, not as a database error.
    unknown = await call(
        "PUT", f"{api}/api/strategies/{code}", token, json={**body, "teamCode": "NO-SUCH-TEAM"}
    )
    assert (unknown[0], unknown[1]["code"], unknown[1]["field"]) == (
        422,
        "TEAM_NOT_FOUND",
        "teamCode",
    )
    auditor = (await token_for(api, system, "auditor"))["accessToken"]

    async def entry() -> dict[str, Any] | None:
        status, page = await call(
            "GET", f"{api}/api/audit?eventType=CONFIGURATION_CHANGED&limit=50", auditor
        )
        assert status == 200, page
        found = [e for e in page["items"] if e["resourceId"] == f"/api/strategies/{code}"]
        return found[0] if found else None

    found = await apoll(entry, deadline_s=30, what="the change on the audit trail")
    assert isinstance(found, dict)
    assert found["resourceType"] == "configuration"
    assert found["details"]["method"] == "PUT" and '"priority": 10' in found["details"]["body"]
