"""Staff for workflow tests: a team of their own, demo AD users made its agents."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

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


@dataclass
class Desk:
    """agent1 in team A with a customer of their own; agent2 in team B with another."""

    api: str
    admin: str
    agent1: str
    agent2: str
    mine: str
    theirs: str
    zone: ZoneInfo

    async def record(self, token: str, cif: str, **body: Any) -> tuple[int, Any]:
        """POST an action; it happened within contact hours unless the body says otherwise."""
        action = {
            "actionId": str(uuid.uuid4()),
            "cif": cif,
            "actionType": "CALL",
            "subtype": "REMINDER_CALL",
            "occurredAt": self.a_day_in_hours().isoformat(),
            **body,
        }
        return await call("POST", f"{self.api}/api/actions", token, json=action)

    def latest(self, clock: time) -> datetime:
        """The most recent moment at `clock` bank time that is not in the future."""
        now = datetime.now(self.zone)
        candidate = datetime.combine(now.date(), clock, self.zone)
        return candidate if candidate <= now else candidate - timedelta(days=1)

    def a_day_in_hours(self) -> datetime:
        """A recent moment early in contact hours, with minutes to spare on the same day."""
        now = datetime.now(self.zone)
        if now.time() >= time(8, 0):
            return datetime.combine(now.date(), time(7, 30), self.zone)
        return datetime.combine(now.date() - timedelta(days=1), time(20, 0), self.zone)


def fresh_cif() -> str:
    return f"W{uuid.uuid4().hex[:12].upper()}"


async def open_desk(system: Settings, api: str, token: str) -> Desk:
    team_a, team_b = await new_team(api, token, "a"), await new_team(api, token, "b")
    first = await agent_in(api, system, token, "agent1", team_a)
    second = await agent_in(api, system, token, "agent2", team_b)
    mine, theirs = fresh_cif(), fresh_cif()
    await assign(api, token, mine, first)
    await assign(api, token, theirs, second)
    agent1 = (await token_for(api, system, "agent1"))["accessToken"]
    agent2 = (await token_for(api, system, "agent2"))["accessToken"]
    return Desk(api, token, agent1, agent2, mine, theirs, ZoneInfo(system.bank_timezone))


async def recorded_once_assigned(desk: Desk, token: str, cif: str, **body: Any) -> Any:
    """Record, waiting out the second it takes the assignment to reach every worker's scope."""
    action_id = str(uuid.uuid4())

    async def attempt() -> Any:
        status, answer = await desk.record(token, cif, actionId=action_id, **body)
        if status == 403 and answer["code"] == "CUSTOMER_NOT_ASSIGNED":
            return None
        return status, answer

    return await apoll(attempt, deadline_s=15, what=f"{cif} in the agent's scope")
