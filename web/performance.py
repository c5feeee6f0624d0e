"""Agent and team performance over a period, from stored actions, promises and payments."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from aiohttp import web as aioweb
from faust.web import Blueprint

from persistence.actions_read import agent_id_of
from persistence.performance import performance, total
from streams.app import CrmApp, crm_app
from web.auth import ANY_USER, Principal, principal_of, requires
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


async def _may_see(pool: asyncpg.Pool, caller: Principal, agent_id: str) -> None:
    """An agent sees their own figures; others' need agents:read."""
    if not caller.may("agents:read") and await agent_id_of(pool, caller.user_id) != agent_id:
        raise ProblemError(403, "FORBIDDEN", "Permission agents:read is required for others.")


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
            await _may_see(pool, caller, agentId)
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

    @bp.route("/api/agents/{agentId}/performance/daily", name="agent-days")
    class AgentDays(ApiView):
        @requires(
            ANY_USER, "An agent's figures per bank day, as rolled up (the agent, or agents:read)"
        )
        async def get(self, request: aioweb.Request, agentId: str) -> aioweb.Response:
            app = crm_app(self.app)
            caller = principal_of(request)
            pool = await app.db_pool()
            await _may_see(pool, caller, agentId)
            first, last = _days(app, request)
            rows = await pool.fetch(
                f"SELECT {_DAY_COLUMNS} FROM agents.agent_performance"
                " WHERE agent_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day",
                agentId,
                first,
                last,
            )
            return json_response(
                {"agentId": agentId, "from": first, "to": last, "days": [_day(r) for r in rows]}
            )

    return bp


_DAY_COLUMNS = (
    "day, team_code, actions, contact_attempts, right_party_contacts, promises, promises_kept,"
    " promises_broken, collected, payments_collected, computed_at"
)


def _day(row: asyncpg.Record) -> dict[str, Any]:
    closed = row["promises_kept"] + row["promises_broken"]
    return {
        "day": row["day"],
        "teamCode": row["team_code"],
        "actions": row["actions"],
        "contactAttempts": row["contact_attempts"],
        "rightPartyContacts": row["right_party_contacts"],
        "promises": row["promises"],
        "promisesKept": row["promises_kept"],
        "promisesBroken": row["promises_broken"],
        "promiseKeptRate": None if closed == 0 else round(row["promises_kept"] / closed, 4),
        "amountCollected": row["collected"],
        "paymentsCollected": row["payments_collected"],
        "computedAt": row["computed_at"],
    }


def _days(app: CrmApp, request: aioweb.Request) -> tuple[date, date]:
    """from/to as bank days (YYYY-MM-DD, inclusive); by default the last 30 days."""
    today = datetime.now(UTC).astimezone(ZoneInfo(app.settings.bank_timezone)).date()
    bounds = []
    for name, default in (("from", today - timedelta(days=29)), ("to", today)):
        raw = request.query.get(name)
        try:
            bounds.append(date.fromisoformat(raw) if raw else default)
        except ValueError as exc:
            raise ProblemError(
                400, "INVALID_DATE", f"{name} is not YYYY-MM-DD", field=name
            ) from exc
    first, last = bounds
    if first > last:
        raise ProblemError(400, "INVALID_PERIOD", "from must not be after to", field="from")
    if last - first > MAX_PERIOD:
        raise ProblemError(400, "INVALID_PERIOD", "a period is at most 366 days", field="to")
    return first, last
