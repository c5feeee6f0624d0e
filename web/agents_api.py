"""Agents and teams: who works customers, in which team, and who leads it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web as aioweb
from faust.web import Blueprint

from domain.workflow_agents import (
    AgentStatus,
    is_agent_id,
    is_team_code,
    parse_agent_changes,
    parse_new_agent,
    parse_new_team,
    parse_team_changes,
)
from persistence import workflow_agents as store
from streams.app import CrmApp, crm_app
from streams.avro import codec_for
from streams.topics import WORKFLOW_TEAM_LEADS
from streams.workflow_assignments import TEAM_LEAD, publish_changes
from web.auth import principal_of, requires
from web.jsonio import json_response, read_object
from web.pagination import page_body, page_of
from web.problems import ProblemError
from web.views import ApiView

READ = "agents:read"
MANAGE = "agents:manage"


def agent_json(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "userId": row["user_id"],
        "username": row["username"],
        "employeeId": row["employee_id"],
        "displayName": row["display_name"],
        "teamCode": row["team_code"],
        "agentType": row["agent_type"],
        "status": row["status"],
        "capacity": row["capacity"],
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
    }


def team_json(row: Any) -> dict[str, Any]:
    return {
        "code": row["code"],
        "name": row["name"],
        "region": row["region"],
        "leadAgentId": row["lead_agent_id"],
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
    }


def _bad_cursor() -> ProblemError:
    return ProblemError(400, "INVALID_CURSOR", "cursor is not valid", field="cursor")


def _text_key(after: list[Any] | None, size: int) -> list[str] | None:
    """A cursor of `size` texts; PostgreSQL refuses NUL in text, so such a cursor is forged."""
    if after is None:
        return None
    if len(after) != size or not all(isinstance(v, str) and "\x00" not in v for v in after):
        raise _bad_cursor()
    return after


def agent_filters(query: Any) -> tuple[str | None, AgentStatus | None]:
    """team and status of GET /api/agents, or a 400 naming the parameter."""
    team = query.get("team")
    if team is not None and not is_team_code(team):
        raise ProblemError(400, "INVALID_TEAM", "team is not a team code", field="team")
    raw = query.get("status")
    if raw is not None and raw not in AgentStatus.__members__:
        options = ", ".join(s.value for s in AgentStatus)
        raise ProblemError(
            400, "INVALID_STATUS", f"status must be one of {options}", field="status"
        )
    return team, None if raw is None else AgentStatus(raw)


def _agent_id(raw: str) -> str:
    # Not an id we would ever issue: answer as for any unknown id, without a query.
    if not is_agent_id(raw):
        raise store.agent_not_found()
    return raw


def _team_code(raw: str) -> str:
    if not is_team_code(raw):
        raise store.team_not_found()
    return raw


def _lead_publisher(app: CrmApp) -> store.LeadChanged:
    """Publish a new team lead before it commits: every service's row scope follows it."""
    codec = codec_for(app.settings)

    async def publish(team: str, lead_user_id: str | None) -> None:
        record = {"teamCode": team, "leadUserId": lead_user_id, "changedAt": datetime.now(UTC)}
        await app.publisher.publish(
            app.settings.topic(WORKFLOW_TEAM_LEADS.name),
            [(team.encode(), codec.encode(TEAM_LEAD, record))],
        )

    return publish


def agents_blueprint() -> Blueprint:
    bp = Blueprint("agents")

    @bp.route("/api/agents", name="agents")
    class Agents(ApiView):
        @requires(READ, "Agents by display name (filters: team, status; cursor, limit)")
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            page = page_of(request)
            team, status = agent_filters(request.query)
            after = _text_key(page.after, 2)
            pool = await crm_app(self.app).db_pool()
            rows = await store.list_agents(
                pool, team, status, (after[0], after[1]) if after else None, page.limit
            )
            last = [rows[-1]["display_name"], rows[-1]["id"]] if rows else None
            return json_response(page_body([agent_json(r) for r in rows], page, last))

        @requires(MANAGE, "Make a directory user an agent of a team")
        async def post(self, request: aioweb.Request) -> aioweb.Response:
            new = parse_new_agent(await read_object(request))
            row = await store.create_agent(await crm_app(self.app).db_pool(), new)
            resp = json_response(agent_json(row), status=201)
            resp.headers["Location"] = f"/api/agents/{row['id']}"
            return resp

    @bp.route("/api/agents/{id}", name="agent")
    class AgentById(ApiView):
        @requires(READ, "One agent")
        async def get(self, request: aioweb.Request, id: str) -> aioweb.Response:
            pool = await crm_app(self.app).db_pool()
            return json_response(agent_json(await store.get_agent(pool, _agent_id(id))))

        @requires(MANAGE, "Change an agent: displayName, teamCode, agentType, status, capacity")
        async def put(self, request: aioweb.Request, id: str) -> aioweb.Response:
            agent_id = _agent_id(id)
            changes = parse_agent_changes(await read_object(request))
            app = crm_app(self.app)
            caller = principal_of(request).user_id
            pool = await app.db_pool()
            row = await store.update_agent(
                pool, agent_id, changes, caller, publish_changes(app, caller)
            )
            return json_response(agent_json(row))

    @bp.route("/api/teams", name="teams")
    class Teams(ApiView):
        @requires(READ, "Teams by code (cursor, limit)")
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            page = page_of(request)
            after = _text_key(page.after, 1)
            pool = await crm_app(self.app).db_pool()
            rows = await store.list_teams(pool, after[0] if after else None, page.limit)
            last = [rows[-1]["code"]] if rows else None
            return json_response(page_body([team_json(r) for r in rows], page, last))

        @requires(MANAGE, "Create a team: code, name, region")
        async def post(self, request: aioweb.Request) -> aioweb.Response:
            new = parse_new_team(await read_object(request))
            row = await store.create_team(await crm_app(self.app).db_pool(), new)
            resp = json_response(team_json(row), status=201)
            resp.headers["Location"] = f"/api/teams/{row['code']}"
            return resp

    @bp.route("/api/teams/{code}", name="team")
    class TeamByCode(ApiView):
        @requires(READ, "One team")
        async def get(self, request: aioweb.Request, code: str) -> aioweb.Response:
            pool = await crm_app(self.app).db_pool()
            return json_response(team_json(await store.get_team(pool, _team_code(code))))

        @requires(MANAGE, "Change a team: name, region, leadAgentId (one of its agents)")
        async def put(self, request: aioweb.Request, code: str) -> aioweb.Response:
            team = _team_code(code)
            changes = parse_team_changes(await read_object(request))
            app = crm_app(self.app)
            pool = await app.db_pool()
            row = await store.update_team(pool, team, changes, _lead_publisher(app))
            return json_response(team_json(row))

    return bp
