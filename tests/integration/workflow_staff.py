"""Staff for workflow tests: a team of their own, demo AD users made its agents."""

from __future__ import annotations

import uuid
from typing import Any

from crm.settings import Settings
from tests.integration.auth_client import call, token_for
from tests.integration.conftest import apoll


async def new_team(api: str, admin: str, label: str) -> str:
    code = f"T{label.upper()}{uuid.uuid4().hex[:6].upper()}"
    status, body = await call(
        "POST", f"{api}/api/teams", admin, json={"code": code, "name": f"Test team {label}"}
    )
    assert status == 201, body
    return code


async def agent_in(api: str, settings: Settings, admin: str, username: str, team: str) -> str:
    """The agent id of demo user `username`, (re)placed in `team`; created if need be."""
    await token_for(api, settings, username)  # a login makes the user known to workflow

    async def created_or_found() -> str | None:
        status, body = await call(
            "POST",
            f"{api}/api/agents",
            admin,
            json={
                "username": username,
                "employeeId": f"E-{username}",
                "displayName": username,
                "teamCode": team,
                "agentType": "CALL_CENTER",
                "capacity": 200,
            },
        )
        if status == 201:
            return str(body["id"])
        if status == 409:  # an earlier run made them an agent: find and move them
            listed = await call("GET", f"{api}/api/agents?limit=200", admin)
            for agent in listed[1]["items"]:
                if agent["username"] == username or agent.get("employeeId") == f"E-{username}":
                    await _move(api, admin, agent, team)
                    return str(agent["id"])
        assert status in (201, 409, 422), body  # 422: the login event is still on its way
        return None

    found = await apoll(created_or_found, deadline_s=30, what=f"an agent for {username}")
    return str(found)


async def _move(api: str, admin: str, agent: dict[str, Any], team: str) -> None:
    """Put an agent in `team`; one who leads their old team (an earlier test's) stops first."""
    url = f"{api}/api/agents/{agent['id']}"
    moved = await call("PUT", url, admin, json={"teamCode": team, "status": "ACTIVE"})
    if moved[0] == 409 and moved[1]["code"] == "AGENT_LEADS_TEAM":
        old = f"{api}/api/teams/{agent['teamCode']}"
        cleared = await call("PUT", old, admin, json={"leadAgentId": None})
        assert cleared[0] == 200, cleared
        moved = await call("PUT", url, admin, json={"teamCode": team, "status": "ACTIVE"})
    assert moved[0] == 200, moved


async def assign(api: str, token: str, cif: str, agent_id: str) -> dict[str, Any]:
    status, body = await call(
        "POST",
        f"{api}/api/assignments",
        token,
        json={"cif": cif, "agentId": agent_id, "reason": "test"},
    )
    assert status == 201, body
    return dict(body)
