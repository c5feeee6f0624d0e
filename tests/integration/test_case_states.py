"""Case processing states through the real stack: staff move a customer's case, the
customer's worker decides, the answers are replay-safe, and the dictionaries are data.

The test plays the sync service for the loan that opens the case (as test_workflow_cases).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from crm.settings import Settings
from tests.integration.auth_client import call
from tests.integration.conftest import apoll
from tests.integration.feed import core_loan, send_core
from tests.integration.kafka_io import find_decoded
from tests.integration.workflow_staff import Desk

DICTIONARIES = "/api/cases/dictionaries"


async def open_case(desk: Desk, system: Settings, cif: str) -> dict[str, Any]:
    """A past-due loan of the customer reaches workflow: their case opens."""
    account = f"LD{uuid.uuid4().hex[:12].upper()}"
    send_core(system, [core_loan(account, "40000000", datetime.now(UTC), cif=cif, dpd=45)])

    async def opened() -> dict[str, Any] | None:
        got = await call("GET", f"{desk.api}/api/cases/customer/{cif}", desk.admin)
        return got[1] if got[0] == 200 and got[1]["status"] == "OPEN" else None

    found = await apoll(opened, deadline_s=90, what=f"the case of {cif}")
    assert isinstance(found, dict)
    return found


async def move(desk: Desk, token: str, body: dict[str, Any]) -> tuple[int, Any]:
    return await call("POST", f"{desk.api}/api/cases", token, json=body)


def request(cif: str, state: str, substate: str, **extra: Any) -> dict[str, Any]:
    return {
        "caseActionId": str(uuid.uuid4()),
        "cif": cif,
        "processingState": state,
        "substate": substate,
        **extra,
    }


def without_request_id(problem: dict[str, Any]) -> dict[str, Any]:
    """A problem document less what differs per request."""
    return {k: v for k, v in problem.items() if k != "requestId"}


async def status_changed(system: Settings, cif: str, case_action_id: str) -> dict[str, Any] | None:
    def look() -> dict[str, Any] | None:
        return find_decoded(
            system,
            system.topic("workflow.events"),
            cif,
            lambda r: (
                r["eventType"] == "STATUS_CHANGED"
                and (r["payload"] or {}).get("caseActionId") == case_action_id
            ),
            deadline_s=30,
        )

    return await asyncio.to_thread(look)


async def test_an_agent_moves_their_customers_case(desk: Desk, system: Settings) -> None:
    cif = desk.mine
    case = await open_case(desk, system, cif)
    assert (case["processingState"], case["substate"], case["customerStatus"]) == (
        "INVESTIGATION",
        "NEW",
        None,
    )
    assert case["history"] == {"items": [], "nextCursor": None}

    # LEGAL only after contact: refused, naming the field and where the case may go.
    legal = request(cif, "LEGAL", "DEMAND_LETTER")
    status, refused = await move(desk, desk.agent1, legal)
    assert status == 422, refused
    assert (refused["code"], refused["field"]) == ("CASE_TRANSITION_REFUSED", "processingState")
    assert refused["allowedStates"] == ["CONTACT", "RESOLUTION"]
    again = await move(desk, desk.agent1, legal)
    assert again[0] == 422 and without_request_id(again[1]) == without_request_id(refused)

    contact = request(
        cif, "CONTACT", "FIRST_CONTACT", customerStatus="COOPERATIVE", note="Reached at work"
    )
    status, accepted = await move(desk, desk.agent1, contact)
    assert status == 201, accepted
    assert accepted["status"] == "ACCEPTED"
    assert accepted["from"] == {
        "processingState": "INVESTIGATION",
        "substate": "NEW",
        "customerStatus": None,
    }
    # The same request again: the same answer, nothing moves twice.
    assert await move(desk, desk.agent1, contact) == (201, accepted)
    status, reused = await move(desk, desk.agent1, {**contact, "substate": "FOLLOW_UP"})
    assert (status, reused["code"], reused["field"]) == (
        409,
        "CASE_ACTION_ID_REUSED",
        "caseActionId",
    )

    got = await call("GET", f"{desk.api}/api/cases/customer/{cif}", desk.agent1)
    assert got[0] == 200, got
    moved = got[1]
    assert (moved["processingState"], moved["substate"], moved["customerStatus"]) == (
        "CONTACT",
        "FIRST_CONTACT",
        "COOPERATIVE",
    )
    history = moved["history"]["items"]
    assert [(h["caseActionId"], h["status"]) for h in history] == [
        (contact["caseActionId"], "ACCEPTED"),
        (legal["caseActionId"], "REFUSED"),
    ]
    assert history[1]["refusal"]["code"] == "CASE_TRANSITION_REFUSED"
    assert history[0]["note"] == "Reached at work"

    event = await status_changed(system, cif, contact["caseActionId"])
    assert event is not None, "no STATUS_CHANGED on workflow.events"
    assert (event["payload"]["fromState"], event["payload"]["processingState"]) == (
        "INVESTIGATION",
        "CONTACT",
    )
    assert event["payload"]["customerStatus"] == "COOPERATIVE"

    # Another team's agent may not work this customer.
    status, forbidden = await move(
        desk, desk.agent2, request(cif, "NEGOTIATION", "SETTLEMENT_OFFERED")
    )
    assert (status, forbidden["code"]) == (403, "CUSTOMER_NOT_ASSIGNED")
    # agent2's own customer never fell behind: there is no case to move.
    status, none = await move(desk, desk.agent2, request(desk.theirs, "CONTACT", "FIRST_CONTACT"))
    assert (status, none["code"], none["field"]) == (422, "NO_CASE", "cif")


@pytest.fixture
async def suffix(db: asyncpg.Pool) -> AsyncIterator[str]:
    """A code suffix of this test's own; its dictionary entries are removed afterwards."""
    mine = uuid.uuid4().hex[:8].upper()
    yield mine
    await db.execute("DELETE FROM workflow.case_substate WHERE code LIKE $1", f"IT\\_{mine}\\_%")


async def test_an_administrators_dictionary_change_is_honoured(
    desk: Desk, system: Settings, suffix: str
) -> None:
    cif = desk.mine
    await open_case(desk, system, cif)
    code = f"IT_{suffix}_LOCATING_HEIRS"
    url = f"{desk.api}{DICTIONARIES}/states/INVESTIGATION/substates/{code}"
    entry = {"nameEn": "Locating heirs", "nameVi": "Tìm người thừa kế"}
    status, body = await call("PUT", url, desk.agent1, json=entry)
    assert (status, body["code"]) == (403, "FORBIDDEN"), body
    status, created = await call("PUT", url, desk.admin, json=entry)
    assert status == 201, created
    assert (created["state"], created["code"], created["active"]) == ("INVESTIGATION", code, True)
    listed = await call("GET", f"{desk.api}{DICTIONARIES}", desk.agent1)
    investigation = next(s for s in listed[1]["states"] if s["code"] == "INVESTIGATION")
    assert code in [s["code"] for s in investigation["substates"]]

    async def answered(want: int) -> tuple[int, Any] | None:
        # A fresh id each time: until the workers reload, the old dictionaries decide.
        got = await move(desk, desk.agent1, request(cif, "INVESTIGATION", code))
        return got if got[0] == want else None

    moved = await apoll(lambda: answered(201), deadline_s=30, what="the new substate accepted")
    assert isinstance(moved, tuple) and moved[1]["substate"] == code

    status, off = await call("PUT", url, desk.admin, json={**entry, "active": False})
    assert (status, off["active"]) == (200, False)
    refused = await apoll(lambda: answered(422), deadline_s=30, what="the substate refused")
    assert isinstance(refused, tuple)
    assert (refused[1]["code"], refused[1]["field"]) == ("UNKNOWN_SUBSTATE", "substate")
    assert code not in refused[1]["allowedSubstates"]
    assert "SKIP_TRACING" in refused[1]["allowedSubstates"]
