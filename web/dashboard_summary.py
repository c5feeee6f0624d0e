"""GET /api/dashboard/summary: a supervisor's or team lead's day so far, for their teams.

Team leads see the teams they lead; the roles that see every customer (supervisors,
administrators, auditors) see every team, or the ones they ask for with `?team=`. Per agent:
queue size and today's figures (as /api/teams/{code}/performance counts them); for the
teams: today's actions, promises due today and broken today, amounts collected today.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web as aioweb
from faust.web import Blueprint

from persistence.actions_read import agent_id_of
from persistence.performance import Performance, performance, total
from security.row_rules import SEES_ALL
from streams.app import crm_app
from web import dashboard_queries as q
from web.auth import principal_of, requires
from web.jsonio import json_response
from web.problems import ProblemError
from web.sync_access import audit_reads, customer_scope, scope_cifs
from web.views import ApiView

MAX_TEAMS_ASKED = 50


def wanted_teams(query: Sequence[str]) -> list[str] | None:
    """`?team=A&team=B` or `?team=A,B`; None when the caller names none."""
    codes = [c.strip() for raw in query for c in raw.split(",") if c.strip()]
    if len(codes) > MAX_TEAMS_ASKED:
        raise ProblemError(
            400, "TOO_MANY_TEAMS", f"at most {MAX_TEAMS_ASKED} teams at once", field="team"
        )
    return list(dict.fromkeys(codes)) or None


def check_teams_found(wanted: list[str] | None, found: Sequence[str]) -> None:
    """A team asked for but not in view: 404 whether it exists or is someone else's."""
    missing = sorted(set(wanted or ()) - set(found))
    if missing:
        raise ProblemError(
            404, "TEAM_NOT_FOUND", f"No team you may see has the code {missing[0]}.", field="team"
        )


def agent_row(row: Any, figures: Performance) -> dict[str, Any]:
    return {
        "agentId": row["id"],
        "displayName": row["display_name"],
        "status": row["status"],
        "teamCode": row["team_code"],
        "assigned": row["assigned"],
        "queue": row["queue"],
        **figures.json(),
    }


def summary_blueprint() -> Blueprint:
    bp = Blueprint("dashboard-summary")

    @bp.route("/api/dashboard/summary", name="summary")
    class Summary(ApiView):
        @requires("agents:read", "Today for the caller's teams: queues, actions, promises (team)")
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            app = crm_app(self.app)
            caller = principal_of(request)
            pool = await app.db_pool()
            wanted = wanted_teams(request.query.getall("team", []))
            led_by = None
            if not caller.roles & SEES_ALL:
                # A lead who is not an agent leads nothing: the empty id matches no team.
                led_by = await agent_id_of(pool, caller.user_id) or ""
            teams = await q.teams(pool, wanted, led_by)
            codes = [t["code"] for t in teams]
            check_teams_found(wanted, codes)
            zone = ZoneInfo(app.settings.bank_timezone)
            now = datetime.now(UTC)
            today = now.astimezone(zone).date()
            since = datetime.combine(today, time(0), zone)
            agents = await q.agents(pool, codes)
            ids = [a["id"] for a in agents]
            window = timedelta(days=app.settings.attribution_window_days)
            figures = await performance(pool, ids, since, now, window)
            cifs = scope_cifs(await customer_scope(app, request))
            actions = await q.todays_actions(pool, since, ids, cifs)
            due, broken = await q.promises(pool, today, since, codes, cifs)
            await audit_reads(
                app, request, [(i["cif"], "dashboard") for i in (*actions, *due, *broken)]
            )
            rows = [agent_row(a, figures[a["id"]]) for a in agents]
            return json_response(
                {
                    "asOf": now,
                    "from": since,
                    "today": today,
                    "bankTimezone": app.settings.bank_timezone,
                    "teams": [
                        {
                            "code": t["code"],
                            "name": t["name"],
                            "leadAgentId": t["lead_agent_id"],
                            "agents": [r for r in rows if r["teamCode"] == t["code"]],
                        }
                        for t in teams
                    ],
                    "totals": {
                        "agents": len(rows),
                        "queue": sum(r["queue"] for r in rows),
                        **total(list(figures.values())).json(),
                    },
                    "actions": actions,
                    "promisesDue": due,
                    "promisesBroken": broken,
                    "listLimit": q.LIST_LIMIT,
                }
            )

    return bp
