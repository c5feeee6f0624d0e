"""Agents and teams through nginx, against the real workflow service and PostgreSQL.

Each test works in teams of its own (codes with a random suffix) and with directory users of
its own, written straight into agents.directory_user: the auth events that normally teach the
service those accounts are tested once, with a real login. Everything is removed afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from crm.settings import Settings
from tests.integration.auth_client import call, token_for
from tests.integration.conftest import apoll


@dataclass
class World:
    """One test's own teams and directory users, and the tokens of the demo staff."""

    api: str
    teams: str
    suffix: str
    admin: str
    supervisor: str
    db: asyncpg.Pool
    made_teams: list[str] = field(default_factory=list)
    made_users: list[str] = field(default_factory=list)

    def code(self, name: str) -> str:
        return f"IT-{self.suffix}-{name}"

    async def user(self, name: str) -> str:
        """A directory user of this test, as if the auth service had announced it."""
        username = f"it-{self.suffix.lower()}-{name}"
        await self.db.execute(
            "INSERT INTO agents.directory_user (user_id, username, seen_at) VALUES ($1, $1, now())",
            username,
        )
        self.made_users.append(username)
        return username

    async def team(self, name: str, **extra: Any) -> dict[str, Any]:
        code = self.code(name)
        body = {"code": code, "name": f"Team {name}", **extra}
        status, created = await call("POST", self.teams, self.admin, json=body)
        assert status == 201, created
        self.made_teams.append(code)
        return created

    async def agent(self, team: str, name: str, **extra: Any) -> dict[str, Any]:
        body = {
            "username": await self.user(name),
            "employeeId": f"E-{self.suffix}-{name}",
            "displayName": f"Agent {name}",
            "teamCode": team,
            "agentType": "CALL_CENTER",
            "capacity": 50,
            **extra,
        }
        status, created = await call("POST", f"{self.api}/api/agents", self.admin, json=body)
        assert status == 201, created
        return created


@pytest.fixture
async def world(system: Settings, api: str, db: asyncpg.Pool) -> AsyncIterator[World]:
    mine = World(
        api=api,
        teams=f"{api}/api/teams",
        suffix=uuid.uuid4().hex[:8].upper(),
        admin=(await token_for(api, system, "admin"))["accessToken"],
        supervisor=(await token_for(api, system, "supervisor"))["accessToken"],
        db=db,
    )
    yield mine
    async with db.acquire() as conn, conn.transaction():
        await conn.execute(
            "DELETE FROM agents.agent WHERE team_code = ANY($1::text[])"
            " OR user_id = ANY($2::text[])",
            mine.made_teams,
            mine.made_users,
        )
        await conn.execute("DELETE FROM agents.team WHERE code = ANY($1::text[])", mine.made_teams)
        await conn.execute(
            "DELETE FROM agents.directory_user WHERE user_id = ANY($1::text[])", mine.made_users
        )


async def test_an_agent_may_neither_list_nor_create_agents(system: Settings, api: str) -> None:
    agent1 = (await token_for(api, system, "agent1"))["accessToken"]
    status, body = await call("GET", f"{api}/api/agents", agent1)
    assert (status, body["code"]) == (403, "FORBIDDEN")
    status, body = await call("POST", f"{api}/api/agents", agent1, json={"username": "agent1"})
    assert (status, body["code"]) == (403, "FORBIDDEN")
    status, _ = await call("GET", f"{api}/api/agents")
    assert status == 401


async def test_a_login_makes_the_account_known_to_the_workflow_service(
    system: Settings, api: str, db: asyncpg.Pool
) -> None:
    # The auth service stamps the event with its clock; allow for a little skew.
    before = datetime.now(UTC) - timedelta(seconds=5)
    grant = await token_for(api, system, "agent1")

    async def seen() -> asyncpg.Record | None:
        row: asyncpg.Record | None = await db.fetchrow(
            "SELECT user_id FROM agents.directory_user WHERE username = 'agent1' AND seen_at >= $1",
            before,
        )
        return row

    # The agent consumes auth.events, shared with every service's audit: allow for a backlog.
    row: Any = await apoll(seen, deadline_s=120, what="agent1 in agents.directory_user")
    assert row["user_id"] == grant["user"]["id"]


async def test_an_unknown_user_or_team_is_refused(world: World) -> None:
    team = (await world.team("A"))["code"]
    body = {
        "username": f"nobody-{world.suffix.lower()}",
        "employeeId": f"E-{world.suffix}",
        "displayName": "Nobody",
        "teamCode": team,
        "agentType": "FIELD",
        "capacity": 10,
    }
    status, problem = await call("POST", f"{world.api}/api/agents", world.admin, json=body)
    assert (status, problem["code"], problem["field"]) == (422, "USER_UNKNOWN", "username")

    body["username"] = await world.user("known")
    body["teamCode"] = world.code("NOPE")
    status, problem = await call("POST", f"{world.api}/api/agents", world.admin, json=body)
    assert (status, problem["code"], problem["field"]) == (422, "TEAM_UNKNOWN", "teamCode")


async def test_a_created_agent_is_listed_by_its_team(world: World, system: Settings) -> None:
    team = (await world.team("A"))["code"]
    other = (await world.team("B"))["code"]
    await world.agent(other, "elsewhere")
    created = await world.agent(team, "one", agentType="FIELD", capacity=7)

    assert created["id"].startswith("AG-")
    assert created["teamCode"] == team
    assert (created["agentType"], created["status"], created["capacity"]) == ("FIELD", "ACTIVE", 7)
    assert created["username"] == f"it-{world.suffix.lower()}-one"

    lead = (await token_for(world.api, system, "teamlead1"))["accessToken"]
    status, page = await call("GET", f"{world.api}/api/agents", lead, params={"team": team})
    assert status == 200
    assert [a["id"] for a in page["items"]] == [created["id"]]
    assert page["nextCursor"] is None
    status, one = await call("GET", f"{world.api}/api/agents/{created['id']}", lead)
    assert (status, one) == (200, created)


async def test_the_same_employee_or_user_cannot_become_an_agent_twice(world: World) -> None:
    team = (await world.team("A"))["code"]
    first = await world.agent(team, "one")
    again = {
        "username": await world.user("two"),
        "employeeId": first["employeeId"],
        "displayName": "Two",
        "teamCode": team,
        "agentType": "FIELD",
        "capacity": 5,
    }
    status, problem = await call("POST", f"{world.api}/api/agents", world.admin, json=again)
    assert (status, problem["code"], problem["field"]) == (409, "EMPLOYEE_ID_TAKEN", "employeeId")

    again |= {"username": first["username"], "employeeId": f"E-{world.suffix}-other"}
    status, problem = await call("POST", f"{world.api}/api/agents", world.admin, json=again)
    assert (status, problem["code"], problem["field"]) == (409, "USER_ALREADY_AGENT", "username")


async def test_agents_come_in_pages_by_display_name(world: World) -> None:
    team = (await world.team("A"))["code"]
    for name in ("c", "a", "b"):
        await world.agent(team, name)
    url = f"{world.api}/api/agents"
    status, first = await call(
        "GET", url, world.supervisor, params={"team": team, "limit": "2", "status": "ACTIVE"}
    )
    assert status == 200
    assert [a["displayName"] for a in first["items"]] == ["Agent a", "Agent b"]
    params = {"team": team, "limit": "2", "cursor": first["nextCursor"]}
    status, second = await call("GET", url, world.supervisor, params=params)
    assert [a["displayName"] for a in second["items"]] == ["Agent c"]
    assert second["nextCursor"] is None
    status, none = await call(
        "GET", url, world.supervisor, params={"team": team, "status": "ON_LEAVE"}
    )
    assert (status, none["items"]) == (200, [])


async def test_an_agent_is_changed_field_by_field(world: World) -> None:
    team = (await world.team("A"))["code"]
    other = (await world.team("B"))["code"]
    agent = await world.agent(team, "one")
    url = f"{world.api}/api/agents/{agent['id']}"

    status, changed = await call(
        "PUT", url, world.supervisor, json={"status": "ON_LEAVE", "capacity": 3}
    )
    assert status == 200
    assert (changed["status"], changed["capacity"]) == ("ON_LEAVE", 3)
    assert changed["displayName"] == agent["displayName"]
    status, moved = await call("PUT", url, world.admin, json={"teamCode": other})
    assert (status, moved["teamCode"], moved["status"]) == (200, other, "ON_LEAVE")
    status, seen = await call("GET", url, world.supervisor)
    assert seen == moved

    status, problem = await call("PUT", url, world.admin, json={"teamCode": world.code("NOPE")})
    assert (status, problem["code"], problem["field"]) == (422, "TEAM_UNKNOWN", "teamCode")
    status, problem = await call("PUT", url, world.admin, json={"capacity": 0})
    assert (status, problem["field"]) == (400, "capacity")
    status, problem = await call("PUT", url, world.admin, json={"capacty": 4})
    assert (status, problem["code"], problem["field"]) == (400, "UNKNOWN_FIELD", "capacty")
    missing = f"{world.api}/api/agents/AG-{world.suffix}0000"
    status, problem = await call("PUT", missing, world.admin, json={"capacity": 4})
    assert (status, problem["code"]) == (404, "AGENT_NOT_FOUND")
    status, problem = await call("GET", f"{world.api}/api/agents/nonsense", world.admin)
    assert (status, problem["code"]) == (404, "AGENT_NOT_FOUND")


async def test_a_team_lead_must_be_one_of_its_agents(world: World) -> None:
    team = await world.team("A", region="Hồ Chí Minh")
    other = await world.team("B")
    member = await world.agent(team["code"], "member")
    outsider = await world.agent(other["code"], "outsider")
    url = f"{world.teams}/{team['code']}"

    status, problem = await call("PUT", url, world.admin, json={"leadAgentId": outsider["id"]})
    assert (status, problem["code"], problem["field"]) == (
        422,
        "LEAD_NOT_IN_TEAM",
        "leadAgentId",
    )
    status, led = await call("PUT", url, world.admin, json={"leadAgentId": member["id"]})
    assert (status, led["leadAgentId"], led["region"]) == (200, member["id"], "Hồ Chí Minh")
    status, seen = await call("GET", url, world.supervisor)
    assert (status, seen) == (200, led)

    # The lead cannot simply leave: the team would be led from outside.
    agent_url = f"{world.api}/api/agents/{member['id']}"
    status, problem = await call("PUT", agent_url, world.admin, json={"teamCode": other["code"]})
    assert (status, problem["code"]) == (409, "AGENT_LEADS_TEAM")
    status, cleared = await call(
        "PUT", url, world.admin, json={"leadAgentId": None, "region": None}
    )
    assert (status, cleared["leadAgentId"], cleared["region"]) == (200, None, None)
    status, _ = await call("PUT", agent_url, world.admin, json={"teamCode": other["code"]})
    assert status == 200


async def test_teams_are_listed_found_and_unique(world: World) -> None:
    team = await world.team("A")
    status, problem = await call(
        "POST", world.teams, world.admin, json={"code": team["code"], "name": "Again"}
    )
    assert (status, problem["code"], problem["field"]) == (409, "TEAM_EXISTS", "code")
    status, problem = await call("GET", f"{world.teams}/{world.code('NOPE')}", world.supervisor)
    assert (status, problem["code"]) == (404, "TEAM_NOT_FOUND")
    status, problem = await call("PUT", f"{world.teams}/lower", world.admin, json={"name": "x"})
    assert (status, problem["code"]) == (404, "TEAM_NOT_FOUND")

    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": "200", **({"cursor": cursor} if cursor else {})}
        status, page = await call("GET", world.teams, world.supervisor, params=params)
        assert status == 200
        found += page["items"]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert team in found


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "SLEEPING"}, "status"),
        ({"team": "lower case"}, "team"),
        ({"limit": "0"}, "limit"),
        ({"cursor": "WzFd"}, "cursor"),  # [1]: not a (name, id) cursor
    ],
)
async def test_bad_list_parameters_are_a_400(
    world: World, query: dict[str, str], field: str
) -> None:
    status, problem = await call("GET", f"{world.api}/api/agents", world.admin, params=query)
    assert (status, problem["field"]) == (400, field)


async def test_bad_bodies_are_a_400_naming_the_field(world: World) -> None:
    team = (await world.team("A"))["code"]
    body = {
        "username": await world.user("x"),
        "employeeId": f"E-{world.suffix}",
        "displayName": "X",
        "teamCode": team,
        "agentType": "ROBOT",
        "capacity": 5,
    }
    url = f"{world.api}/api/agents"
    status, problem = await call("POST", url, world.admin, json=body)
    assert (status, problem["field"]) == (400, "agentType")
    status, problem = await call(
        "POST", url, world.admin, json={**body, "agentType": "FIELD", "capacity": 1.5}
    )
    assert (status, problem["field"]) == (400, "capacity")
    status, problem = await call(
        "POST", url, world.admin, data=b"not json", headers={"Content-Type": "application/json"}
    )
    assert (status, problem["code"]) == (400, "INVALID_JSON")
