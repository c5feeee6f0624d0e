"""A supervisor assigns customers in bulk from a CSV file, through nginx and the real stack."""

from __future__ import annotations

from typing import Any

import aiohttp

from crm.settings import Settings
from tests.integration.auth_client import call, token_for
from tests.integration.workflow_staff import agent_in, fresh_cif, new_team


async def upload(api: str, token: str, text: str, query: str = "") -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as s,
        s.post(
            f"{api}/api/assignments/bulk{query}",
            data=text.encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
        ) as r,
    ):
        return r.status, await r.json(content_type=None)


async def open_holder(api: str, token: str, cif: str) -> dict[str, Any] | None:
    status, body = await call("GET", f"{api}/api/assignments/customer/{cif}", token)
    assert status == 200, body
    return next((a for a in body["items"] if a["endedAt"] is None), None)


async def test_bulk_file_assigns_all_lines_or_none(system: Settings, api: str, token: str) -> None:
    first = await agent_in(api, system, token, "agent1", await new_team(api, token, "bulka"))
    second = await agent_in(api, system, token, "agent2", await new_team(api, token, "bulkb"))
    a, b, c = fresh_cif(), fresh_cif(), fresh_cif()
    text = f"cif,agentId,reason\n{a},{first},\n{b},{first},\n{c},{second},VIP customer\n"
    status, body = await upload(api, token, text, "?reason=Q4%20rebalancing")
    assert (status, body) == (200, {"lines": 3, "assigned": 3, "unchanged": 0}), body
    held = {cif: await open_holder(api, token, cif) for cif in (a, b, c)}
    assert {cif: h["agentId"] for cif, h in held.items() if h} == {a: first, b: first, c: second}
    assert (held[a] or {})["reason"] == "Q4 rebalancing"
    assert (held[c] or {})["reason"] == "VIP customer"

    # The same file again changes nothing; moving one customer ends their old assignment.
    again = await upload(api, token, text, "?reason=again")
    assert again == (200, {"lines": 3, "assigned": 0, "unchanged": 3})
    moved = await upload(api, token, f"cif,agentId,reason\n{a},{second},balance\n")
    assert moved == (200, {"lines": 1, "assigned": 1, "unchanged": 0})
    history = (await call("GET", f"{api}/api/assignments/customer/{a}", token))[1]["items"]
    assert [(h["agentId"], h["endedReason"]) for h in history] == [
        (second, None),
        (first, "REASSIGNED: balance"),
    ]

    # One bad line: every problem is named, and the good line is not applied either.
    d = fresh_cif()
    bad = f"cif,agentId,reason\n{d},{first},ok\n{fresh_cif()},AG-NO-SUCH-AGENT,ok\n"
    status, problem = await upload(api, token, bad)
    assert status == 422 and problem["code"] == "BULK_FILE_REJECTED", problem
    assert problem["errors"] == [
        {"line": 3, "field": "agentId", "code": "AGENT_NOT_FOUND", "message": "no such agent"}
    ]
    assert await open_holder(api, token, d) is None
    syntax = await upload(api, token, f"cif,agentId\n{d},{first}\n")
    assert syntax[0] == 422 and syntax[1]["errors"][0]["field"] == "reason"

    # Agents may not assign; a JSON body is not a file.
    agent = (await token_for(api, system, "agent1"))["accessToken"]
    assert (await upload(api, agent, text))[0] == 403
    wrong_type = await call("POST", f"{api}/api/assignments/bulk", token, json={"cif": d})
    assert wrong_type[0] == 415


async def test_an_agent_who_changes_team_takes_their_customers_along(
    system: Settings, api: str, token: str
) -> None:
    old_team, new = await new_team(api, token, "from"), await new_team(api, token, "to")
    agent = await agent_in(api, system, token, "agent1", old_team)
    cif = fresh_cif()
    assert (await upload(api, token, f"cif,agentId,reason\n{cif},{agent},start\n"))[0] == 200
    moved = await call("PUT", f"{api}/api/agents/{agent}", token, json={"teamCode": new})
    assert moved[0] == 200, moved
    history = (await call("GET", f"{api}/api/assignments/customer/{cif}", token))[1]["items"]
    assert [(h["agentId"], h["teamCode"], h["endedReason"]) for h in history] == [
        (agent, new, None),
        (agent, old_team, f"TEAM CHANGED: the agent moved to team {new}"),
    ]
    # Their own list shows the customer under the new team.
    mine = (await call("GET", f"{api}/api/assignments/agent/{agent}", token))[1]["items"]
    assert {a["teamCode"] for a in mine} == {new}
