"""Supervisors and team leads assign customers to agents; anyone may see the history.

Each change is published (current holder on workflow.assignments, CUSTOMER_ASSIGNED on
workflow.events) before its transaction commits: if Kafka cannot take it, nothing changed
(503), so every service's row scope and PostgreSQL never disagree for longer than a poll.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiohttp import web as aioweb
from faust.web import Blueprint

from domain.assignment_csv import AGENT, CIF, MAX_REASON, BulkFileRejected, Line
from domain.assignment_csv import parse as parse_csv
from domain.body_fields import optional_text, required_text
from domain.errors import ValidationError
from persistence import assignments as store
from persistence import bulk_assignments as bulk
from security.row_rules import SEES_ALL
from streams.app import crm_app
from streams.workflow_assignments import assignment_publisher, publish_changes
from web.auth import ANY_USER, Principal, principal_of, requires
from web.jsonio import json_response, read_csv, read_object
from web.problems import ProblemError
from web.views import ApiView

# A file with more problems than this is reported in part: the first ones say what is wrong.
MAX_REPORTED = 200


def assignment_json(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "assignmentId": row["id"],
        "cif": row["cif"],
        "agentId": row["agent_id"],
        "teamCode": row["team_code"],
        "assignedAt": row["assigned_at"],
        "assignedBy": row["assigned_by"],
        "reason": row["reason"],
        "endedAt": row["ended_at"],
        "endedReason": row["ended_reason"],
    }


async def _may_assign_to(pool: asyncpg.Pool, caller: Principal, agent_id: str) -> None:
    """A team lead assigns within the teams they lead; supervisors and admins anywhere."""
    if caller.roles & SEES_ALL:
        return
    agent = await store.agent_team(pool, agent_id)
    if agent is None:
        raise ProblemError(404, "AGENT_NOT_FOUND", "No agent has this id.", field="agentId")
    if agent["team_code"] not in await store.teams_led_by(pool, caller.user_id):
        raise ProblemError(403, "TEAM_NOT_LED", "You may assign only to agents of a team you lead.")


def _reason(body: dict[str, Any]) -> str:
    reason = optional_text(body, "reason", 500)
    if reason is None:
        raise ValidationError("say why the customer is (re)assigned", field="reason")
    return reason


def _rejected(exc: BulkFileRejected) -> ProblemError:
    """Every problem of the file at once, so one corrected upload succeeds."""
    return ProblemError(
        422,
        exc.code,
        exc.message,
        field=exc.errors[0].field,
        extensions={"errors": [e.json() for e in exc.errors[:MAX_REPORTED]]},
    )


def _lines_or_problem(text: str, default_reason: str | None) -> list[Line]:
    try:
        return parse_csv(text, default_reason)
    except BulkFileRejected as exc:
        raise _rejected(exc) from exc


def assignments_blueprint() -> Blueprint:
    bp = Blueprint("assignments")

    @bp.route("/api/assignments", name="assign")
    class Assign(ApiView):
        @requires("assignments:write", "Assign a customer to an agent (ends the current one)")
        async def post(self, request: aioweb.Request) -> aioweb.Response:
            app = crm_app(self.app)
            caller = principal_of(request)
            body = await read_object(request)
            req = store.AssignRequest(
                cif=required_text(body, "cif", CIF),
                agent_id=required_text(body, "agentId", AGENT),
                reason=_reason(body),
                by=caller.user_id,
                at=datetime.now(UTC),
            )
            pool = await app.db_pool()
            await _may_assign_to(pool, caller, req.agent_id)
            change = await store.assign(pool, req, assignment_publisher(app, caller.user_id))
            assert change.opened is not None
            return json_response(assignment_json(change.opened), status=201)

    # Before /api/assignments/{assignmentId}: "bulk" is a path word, not an id.
    @bp.route("/api/assignments/bulk", name="bulk")
    class BulkAssign(ApiView):
        @requires("assignments:write", "Assign from a CSV file (cif,agentId,reason): all or none")
        async def post(self, request: aioweb.Request) -> aioweb.Response:
            app = crm_app(self.app)
            caller = principal_of(request)
            default_reason = optional_text(dict(request.query), "reason", MAX_REASON)
            lines = _lines_or_problem(await read_csv(request), default_reason)
            pool = await app.db_pool()
            led = (
                None if caller.roles & SEES_ALL else await store.teams_led_by(pool, caller.user_id)
            )
            try:
                applied = await bulk.assign_file(
                    pool,
                    lines,
                    caller.user_id,
                    datetime.now(UTC),
                    led,
                    publish_changes(app, caller.user_id),
                )
            except BulkFileRejected as exc:
                raise _rejected(exc) from exc
            except asyncpg.UniqueViolationError as exc:
                raise ProblemError(
                    409,
                    "ASSIGNMENT_CONFLICT",
                    "A customer of the file was assigned concurrently; nothing was applied, retry.",
                ) from exc
            return json_response(
                {
                    "lines": len(lines),
                    "assigned": applied.assigned,
                    "unchanged": applied.unchanged,
                }
            )

    @bp.route("/api/assignments/{assignmentId}", name="change")
    class ChangeAssignment(ApiView):
        @requires("assignments:write", "Reassign ({agentId, reason}) or end ({end: true, reason})")
        async def put(self, request: aioweb.Request, assignmentId: str) -> aioweb.Response:
            app = crm_app(self.app)
            caller = principal_of(request)
            body = await read_object(request)
            pool = await app.db_pool()
            current = (
                await store.assignment(pool, int(assignmentId)) if assignmentId.isdigit() else None
            )
            if current is None or current["ended_at"] is not None:
                raise ProblemError(404, "ASSIGNMENT_NOT_FOUND", "No open assignment has this id.")
            await _may_assign_to(pool, caller, current["agent_id"])
            reason = _reason(body)
            now = datetime.now(UTC)
            if body.get("end") is True:
                ended = await store.end(
                    pool, current["id"], reason, now, assignment_publisher(app, caller.user_id)
                )
                return json_response(assignment_json(ended))
            agent_id = required_text(body, "agentId", AGENT)
            await _may_assign_to(pool, caller, agent_id)
            req = store.AssignRequest(current["cif"], agent_id, reason, caller.user_id, now)
            change = await store.assign(pool, req, assignment_publisher(app, caller.user_id))
            assert change.opened is not None
            return json_response(assignment_json(change.opened))

    @bp.route("/api/assignments/agent/{agentId}", name="of-agent")
    class AgentAssignments(ApiView):
        @requires(ANY_USER, "An agent's open assignments (the agent, or agents:read)")
        async def get(self, request: aioweb.Request, agentId: str) -> aioweb.Response:
            app = crm_app(self.app)
            caller = principal_of(request)
            pool = await app.db_pool()
            if not caller.may("agents:read"):
                own = await pool.fetchval(
                    "SELECT id FROM agents.agent WHERE user_id = $1", caller.user_id
                )
                if own != agentId:
                    raise ProblemError(
                        403, "FORBIDDEN", "Permission agents:read is required for others."
                    )
            rows = await store.open_of_agent(pool, agentId)
            return json_response({"items": [assignment_json(r) for r in rows]})

    @bp.route("/api/assignments/customer/{cif}", name="history")
    class CustomerHistory(ApiView):
        @requires("agents:read", "Who worked this customer, when, and why (newest first)")
        async def get(self, request: aioweb.Request, cif: str) -> aioweb.Response:
            pool = await crm_app(self.app).db_pool()
            rows = await store.history_of_customer(pool, cif)
            return json_response({"items": [assignment_json(r) for r in rows]})

    return bp
