"""Promises to pay through the real stack: made with an action, kept by a payment from the
payments service, reopened by its reversal, broken when due; approval above the limit.

The payments are recorded by hand for a loan the CRM does not know (held in suspense, with
the customer's CIF): the bank has the money, so the promise counts it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from crm.settings import Settings
from streams.avro import codec_for
from streams.commands import COMMAND_HEADER
from streams.topics import WORKFLOW_COMMANDS
from streams.workflow_promises import PROMISE_DUE, PROMISE_DUE_COMMAND
from tests.integration.auth_client import call, token_for
from tests.integration.conftest import apoll
from tests.integration.feed import core_loan, producer, send_core
from tests.integration.workflow_staff import Desk, recorded_once_assigned


def promise_terms(desk: Desk, amount: str, days: int = 3) -> dict[str, Any]:
    made = desk.a_day_in_hours()
    return {
        "result": "PROMISE_TO_PAY",
        "occurredAt": made.isoformat(),
        "promise": {"amount": amount, "dueDate": (made.date() + timedelta(days=days)).isoformat()},
    }


async def promise_of(desk: Desk, cif: str, status: str) -> dict[str, Any] | None:
    got = await call("GET", f"{desk.api}/api/promises/customer/{cif}", desk.admin)
    assert got[0] == 200, got
    found = [p for p in got[1]["items"] if p["status"] == status]
    return found[0] if found else None


async def wait_promise(desk: Desk, cif: str, status: str) -> dict[str, Any]:
    found = await apoll(
        lambda: promise_of(desk, cif, status), deadline_s=30, what=f"a {status} promise"
    )
    assert isinstance(found, dict)
    return found


async def open_case(desk: Desk, cif: str) -> dict[str, Any] | None:
    got = await call("GET", f"{desk.api}/api/cases/customer/{cif}", desk.admin)
    return dict(got[1]) if got[0] == 200 and got[1]["status"] == "OPEN" else None


async def pay(desk: Desk, cif: str, amount: str) -> str:
    ref = f"PTP{uuid.uuid4().hex[:12].upper()}"
    body = {
        "referenceNumber": ref,
        "loanAccountNumber": f"LD{uuid.uuid4().hex[:10].upper()}",
        "cif": cif,
        "amount": amount,
        "currency": "VND",
        "paidAt": datetime.now(desk.zone).isoformat(),
    }
    status, answer = await call("POST", f"{desk.api}/api/payments", desk.admin, json=body)
    assert status == 202, answer
    return ref


async def test_a_payment_keeps_the_promise_and_its_reversal_reopens_it(desk: Desk) -> None:
    status, action = await recorded_once_assigned(
        desk, desk.agent1, desk.mine, **promise_terms(desk, "1500000")
    )
    assert status == 201, action
    made = await wait_promise(desk, desk.mine, "PENDING")
    assert (made["promiseId"], made["amount"]) == (action["actionId"], "1500000.00")
    ref = await pay(desk, desk.mine, "1500000")
    kept = await wait_promise(desk, desk.mine, "KEPT")
    assert kept["covered"] == "1500000.00" and kept["payments"] == {ref: "1500000.00"}
    reversal = await call(
        "POST",
        f"{desk.api}/api/payments/{ref}/reversal",
        desk.admin,
        json={"reason": "chargeback"},
    )
    assert reversal[0] == 202, reversal
    reopened = await wait_promise(desk, desk.mine, "PENDING")
    assert reopened["covered"] == "0.00" and reopened["payments"] == {}


async def test_a_promise_without_payment_is_broken_the_day_after_it_is_due(
    desk: Desk, system: Settings
) -> None:
    status, _ = await recorded_once_assigned(
        desk, desk.agent1, desk.mine, **promise_terms(desk, "800000", days=1)
    )
    assert status == 201
    pending = await wait_promise(desk, desk.mine, "PENDING")
    # The customer has a case (a loan 20 days past due), whose priority the break will raise.
    account = f"LD{uuid.uuid4().hex[:12].upper()}"
    send_core(system, [core_loan(account, "9000000", datetime.now(UTC), cif=desk.mine, dpd=20)])
    case = await apoll(lambda: open_case(desk, desk.mine), deadline_s=90, what="the case")
    assert isinstance(case, dict)
    # Part of it is paid: still short, so still broken when due.
    await pay(desk, desk.mine, "300000")

    async def part_covered() -> bool:
        current = await promise_of(desk, desk.mine, "PENDING")
        return current is not None and current["covered"] == "300000.00"

    await apoll(part_covered, deadline_s=30, what="the part payment counted")
    # What the due-date timer sends on the day after the due date (its clock is not ours to
    # move): the customer's worker breaks what is still short.
    day_after = date.fromisoformat(pending["dueDate"]) + timedelta(days=1)
    record = {"cif": desk.mine, "asOf": day_after, "issuedAt": datetime.now(desk.zone)}
    timer = producer(system)
    timer.produce(
        system.topic(WORKFLOW_COMMANDS.name),
        key=desk.mine.encode(),
        value=codec_for(system).encode(PROMISE_DUE, record),
        headers=[(COMMAND_HEADER, PROMISE_DUE_COMMAND.encode())],
    )
    assert timer.flush(30) == 0
    broken = await wait_promise(desk, desk.mine, "BROKEN")
    assert broken["promiseId"] == pending["promiseId"] and broken["closedAt"] is not None

    async def raised() -> bool:
        now = await open_case(desk, desk.mine)
        return now is not None and now["priority"] > case["priority"]

    await apoll(raised, deadline_s=30, what="the case's priority raised by the break")


async def test_a_promise_above_the_limit_waits_for_approval(desk: Desk, system: Settings) -> None:
    status, _ = await recorded_once_assigned(
        desk, desk.agent1, desk.mine, **promise_terms(desk, "60000000")
    )
    assert status == 201
    waiting = await wait_promise(desk, desk.mine, "PENDING_APPROVAL")
    url = f"{desk.api}/api/promises/{waiting['promiseId']}/approve"
    refused = await call("POST", url, desk.agent1)
    assert (refused[0], refused[1]["code"]) == (403, "FORBIDDEN")
    queue = await call("GET", f"{desk.api}/api/promises/approvals?limit=200", desk.admin)
    assert waiting["promiseId"] in [p["promiseId"] for p in queue[1]["items"]]
    token = (await token_for(desk.api, system, "supervisor"))["accessToken"]
    status, approved = await call("POST", url, token)
    assert (status, approved["status"]) == (200, "PENDING"), approved
    assert approved["approvedBy"] not in (None, waiting["createdBy"])
    again = await call("POST", url, token)
    assert (again[0], again[1]["code"]) == (409, "NOT_AWAITING_APPROVAL")


async def test_promise_terms_are_checked(desk: Desk) -> None:
    made = desk.a_day_in_hours()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"result": "PROMISE_TO_PAY"}, "promise"),
        (
            {"result": "NO_ANSWER", "promise": {"amount": "1", "dueDate": made.date().isoformat()}},
            "promise",
        ),
        (
            {
                "result": "PROMISE_TO_PAY",
                "promise": {
                    "amount": "1",
                    "dueDate": (made.date() - timedelta(days=1)).isoformat(),
                },
            },
            "promise.dueDate",
        ),
    ]
    for body, field in cases:
        status, problem = await desk.record(desk.agent1, desk.mine, **body)
        assert (status, problem.get("field")) == (400, field), (body, problem)


async def test_a_result_recorded_after_the_call_takes_the_promise(desk: Desk) -> None:
    status, action = await recorded_once_assigned(desk, desk.agent1, desk.mine)
    assert status == 201 and action["result"] is None
    url = f"{desk.api}/api/actions/{action['actionId']}/result"
    wrong = await call("PUT", url, desk.agent1, json={"result": "NOT_HOME"})
    assert (wrong[0], wrong[1]["field"]) == (422, "result")
    hidden = await call("PUT", url, desk.agent2, json={"result": "NO_ANSWER"})
    assert hidden[0] == 404
    due = (datetime.now(desk.zone).date() + timedelta(days=2)).isoformat()
    body = {"result": "PROMISE_TO_PAY", "promise": {"amount": "700000", "dueDate": due}}
    status, updated = await call("PUT", url, desk.agent1, json=body)
    assert status == 200, updated
    assert (updated["result"]["code"], updated["result"]["promise"]["amount"]) == (
        "PROMISE_TO_PAY",
        "700000.00",
    )
    made = await wait_promise(desk, desk.mine, "PENDING")
    assert (made["promiseId"], made["amount"]) == (action["actionId"], "700000.00")
