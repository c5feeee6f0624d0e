"""Recording actions through nginx: the contact rules decide, per customer, in bank time.

Each test works customers of its own (fresh CIFs), so contact counts never carry over.
"""

from __future__ import annotations

import uuid
from datetime import time, timedelta

import asyncpg

from crm.settings import Settings
from tests.integration.auth_client import call, token_for
from tests.integration.conftest import apoll
from tests.integration.workflow_staff import (
    Desk,
    agent_in,
    assign,
    fresh_cif,
    new_team,
    recorded_once_assigned,
)


async def test_an_agent_records_a_call_on_their_customer(desk: Desk, db: asyncpg.Pool) -> None:
    status, action = await recorded_once_assigned(
        desk, desk.agent1, desk.mine, callTraceId="pbx:1", notes="Khách hẹn gọi lại"
    )
    assert status == 201, action
    assert (action["status"], action["actionType"], action["callTraceId"]) == (
        "RECORDED",
        "CALL",
        "pbx:1",
    )
    assert action["agentId"] is not None
    row = await db.fetchrow(
        "SELECT status, notes FROM actions.action_record WHERE id = $1",
        uuid.UUID(action["actionId"]),
    )
    assert row is not None and (row["status"], row["notes"]) == ("RECORDED", "Khách hẹn gọi lại")
    # A retry of the same request is the same action, not a second attempt.
    again = await desk.record(
        desk.agent1, desk.mine, actionId=action["actionId"], callTraceId="pbx:1"
    )
    assert again[0] == 200 and again[1]["actionId"] == action["actionId"]
    listed = await call("GET", f"{desk.api}/api/actions/customer/{desk.mine}", desk.agent1)
    assert [a["actionId"] for a in listed[1]["items"]] == [action["actionId"]]


async def test_the_answer_to_a_recording_is_the_action_as_stored(desk: Desk) -> None:
    # Answered from the worker's announced decision, not read back: it must still say what
    # GET says (times as stored, in UTC to the millisecond; decimals at their scale).
    at = desk.a_day_in_hours().replace(microsecond=123456)
    status, action = await recorded_once_assigned(
        desk,
        desk.agent1,
        desk.mine,
        occurredAt=at.isoformat(),
        notes="Khách hứa trả",
        location={"latitude": "10.7769", "longitude": "106.7009"},
        result="PROMISE_TO_PAY",
        promise={"amount": "700000", "dueDate": (at.date() + timedelta(days=3)).isoformat()},
    )
    assert status == 201, action
    stored = await call("GET", f"{desk.api}/api/actions/{action['actionId']}", desk.agent1)
    assert stored == (200, action)
    assert action["occurredAt"].endswith(".123000+00:00") and action["result"]["promise"]
    status, problem = await desk.record(
        desk.agent1, desk.mine, contactedParty="REFERENCE", referenceCif="R1"
    )
    assert status == 422, problem
    refused = await call("GET", f"{desk.api}/api/actions/{problem['actionId']}", desk.agent1)
    assert (refused[1]["refusedRule"], refused[1]["refusedReason"]) == (
        problem["rule"],
        problem["detail"],
    )


async def test_the_sixth_attempt_of_a_day_is_refused_with_the_rule(desk: Desk) -> None:
    start = desk.a_day_in_hours()
    for i in range(5):
        at = (start + timedelta(minutes=i)).isoformat()
        status, body = await recorded_once_assigned(desk, desk.agent1, desk.mine, occurredAt=at)
        assert status == 201, body
    sixth = (start + timedelta(minutes=5)).isoformat()
    status, problem = await desk.record(desk.agent1, desk.mine, occurredAt=sixth)
    assert status == 422, problem
    assert (problem["code"], problem["rule"]) == ("ACTION_REFUSED", "DAILY_LIMIT")
    # The refusal is on record for audit, and it did not count as an attempt.
    refused = await call("GET", f"{desk.api}/api/actions/{problem['actionId']}", desk.admin)
    assert (refused[1]["status"], refused[1]["refusedRule"]) == ("REFUSED", "DAILY_LIMIT")


async def test_an_attempt_at_half_past_nine_in_the_evening_is_refused(desk: Desk) -> None:
    late = desk.latest(time(21, 30)).isoformat()
    status, problem = await recorded_once_assigned(desk, desk.agent1, desk.mine, occurredAt=late)
    assert status == 422, problem
    assert problem["rule"] == "CONTACT_HOURS" and "21:30" in problem["detail"]


async def test_a_customer_of_another_team_is_403(desk: Desk) -> None:
    # agent2's customer is in agent2's scope (proven by agent2 recording on it) …
    status, _ = await recorded_once_assigned(desk, desk.agent2, desk.theirs)
    assert status == 201
    # … and not in agent1's.
    status, problem = await desk.record(desk.agent1, desk.theirs)
    assert (status, problem["code"]) == (403, "CUSTOMER_NOT_ASSIGNED")
    hidden = await call("GET", f"{desk.api}/api/actions/customer/{desk.theirs}", desk.agent1)
    assert hidden[0] == 404


async def test_a_reference_person_is_not_called_about_the_debt(desk: Desk) -> None:
    status, problem = await recorded_once_assigned(
        desk, desk.agent1, desk.mine, contactedParty="REFERENCE", referenceCif="R1"
    )
    assert (status, problem["rule"]) == (422, "REFERENCE_CONTACT")


async def test_bad_bodies_name_their_field(desk: Desk) -> None:
    cases = [
        ({"actionType": "FAX"}, 422, "actionType"),
        ({"subtype": "FIELD_VISIT"}, 422, "subtype"),
        ({"result": "NOT_HOME"}, 422, "result"),
        ({"result": "PROMISE_TO_PAY"}, 400, "promise"),
        ({"actionId": "x"}, 400, "actionId"),
        ({"occurredAt": "2026-13-01"}, 400, "occurredAt"),
    ]
    for body, status, field in cases:
        got = await desk.record(desk.agent1, desk.mine, **body)
        assert (got[0], got[1].get("field")) == (status, field), (body, got)


async def test_an_action_needs_actions_write(desk: Desk, system: Settings) -> None:
    auditor = (await token_for(desk.api, system, "auditor"))["accessToken"]
    status, problem = await desk.record(auditor, desk.mine)
    assert (status, problem["code"]) == (403, "FORBIDDEN")


async def test_reassignment_moves_the_scope(desk: Desk, system: Settings, token: str) -> None:
    cif = fresh_cif()
    team = await new_team(desk.api, token, "c")
    first = await agent_in(desk.api, system, token, "agent1", team)
    placed = await assign(desk.api, token, cif, first)
    status, _ = await recorded_once_assigned(desk, desk.agent1, cif)
    assert status == 201
    second = await agent_in(desk.api, system, token, "agent2", team)
    moved = await call(
        "PUT",
        f"{desk.api}/api/assignments/{placed['assignmentId']}",
        token,
        json={"agentId": second, "reason": "workload"},
    )
    assert moved[0] == 200, moved

    async def agent1_refused() -> bool:
        got = await call("GET", f"{desk.api}/api/actions/customer/{cif}", desk.agent1)
        return got[0] == 404

    await apoll(agent1_refused, deadline_s=15, what="agent1 losing the customer")
    history = await call("GET", f"{desk.api}/api/assignments/customer/{cif}", token)
    assert [(h["agentId"], h["endedAt"] is None) for h in history[1]["items"]] == [
        (second, True),
        (first, False),
    ]
    assert history[1]["items"][1]["endedReason"] == "REASSIGNED: workload"
