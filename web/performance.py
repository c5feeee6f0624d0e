"""Agent and team performance over a period, from stored actions, promises and payments."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web as aioweb
from faust.web import Blueprint

from persistence.actions_read import agent_id_of
from persistence.performance import performance, total
from streams.app import CrmApp, crm_app
from web.auth import ANY_USER, principal_of, requires
from web.jsonio import json_response
from web.pagination import date_filter
from web.problems import ProblemError
from web.views import ApiView

MAX_PERIOD = timedelta(days=366)


def _period(app: CrmApp, request: aioweb.Request) -> tuple[datetime, datetime]:
    """from/to (ISO 8601 with offset); by default today so far, in the bank's time zone."""
    now = datetime.now(UTC)
    zone = ZoneInfo(app.settings.bank_timezone)
    today = datetime.combine(now.astimezone(zone).date(), time(0), zone)
    since = date_filter(request, "from") or today
    until = date_filter(request, "to") or now
    if not since < until:
        raise ProblemError(400, "INVALID_PERIOD", "from must be before to", field="from")
    if until - since > MAX_PERIOD:
        raise ProblemError(400, "INVALID_PERIOD", "a period is at most 366 days", field="to")
    return since, until


def _window(app: CrmApp) -> timedelta:
    return timedelta(days=app.settings.attribution_window_days)


def performance_blueprint() -> Blueprint:
    bp = Blueprint("performance")

    @bp.route("/api/agents/{agentId}/performance", name="agent")
    class AgentPerformance(ApiView):
        @requires(ANY_USER, "An agent's figures for a period (the agent, or agents:read)")
        async def get(self, request: aioweb.Request, agentId: str) -> aioweb.Response:
            app = crm_app(self.app)
            caller = principal_of(request)
            pool = await app.db_pool()
            if not caller.may("agents:read") and await agent_id_of(pool, caller.user_id) != agentId:
                raise ProblemError(
                    403, "FORBIDDEN", "Permission agents:read is required for others."
                )
            if await pool.fetchval("SELECT 1 FROM agents.agent WHERE id = $1", agentId) is None:
                raise ProblemError(404, "AGENT_NOT_FOUND", "No agent has this id.")
            since, until = _period(app, request)
            figures = await performance(pool, [agentId], since, until, _window(app))
            return json_response(
                {"agentId": agentId, "from": since, "to": until, **figures[agentId].json()}
            )

    @bp.route("/api/teams/{code}/performance", name="team")
    class TeamPerformance(ApiView):
        @requires("agents:read", "A team's figures for a period, in total and per agent")
        async def get(self, request: aioweb.Request, code: str) -> aioweb.Response:
            app = crm_app(self.app)
            pool = await app.db_pool()
            if await pool.fetchval("SELECT 1 FROM agents.team WHERE code = $1", code) is None:
                raise ProblemError(404, "TEAM_NOT_FOUND", "No team has this code.")
            agents = [
                r["id"]
                for r in await pool.fetch(
                    "SELECT id FROM agents.agent WHERE team_code = $1 ORDER BY id", code
                )
            ]
            since, until = _period(app, request)
            figures = await performance(pool, agents, since, until, _window(app))
            return json_response(
                {
                    "teamCode": code,
                    "from": since,
                    "to": until,
                    **total(list(figures.values())).json(),
                    "agents": [{"agentId": a, **figures[a].json()} for a in agents],
                }
            )

    return bp
