"""The calling agent's work queue.

The queue is the agent's assigned customers whose case is open (a past-due loan), ordered by
what needs the agent most — their strategy's priority, a broken or due promise, the case's
priority, DPD, the amount past due, then who was contacted longest ago — and keeps only those
the contact rules and their strategy's cadence allow to be contacted now.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiohttp import web as aioweb
from faust.web import Blueprint

from domain.contact_rules import Attempt, may_contact_now, recent
from persistence.actions_read import agent_id_of
from streams.app import crm_app
from web.auth import principal_of, requires
from web.jsonio import json_response
from web.problems import ProblemError
from web.sync_access import audit_reads
from web.views import ApiView

# One row per open case of the calling agent (by their staff user id), with what orders the
# queue and the contact attempts the rules can still see: one round trip per request.
QUEUE_SQL = """
SELECT a.id AS agent_id, c.cif, c.max_dpd, c.bucket, c.priority, c.outstanding, c.due_amount,
       c.outstanding_vnd, c.opened_at, ca.assigned_at,
       t.strategy_code, t.priority AS strategy_priority, t.channels, t.cadence_days,
       (SELECT max(r.occurred_at) FROM actions.action_record r
         WHERE r.cif = c.cif AND r.status = 'RECORDED') AS last_contact_at,
       (SELECT min(p.due_date) FROM workflow.promise p
         WHERE p.cif = c.cif AND p.status IN ('PENDING', 'PENDING_APPROVAL')) AS promise_due,
       (SELECT count(*) FROM workflow.promise p
         WHERE p.cif = c.cif AND p.status = 'BROKEN' AND p.closed_at > $2) AS broken_promises,
       -- Contact attempts (an unknown type counts as one) the rules or the cadence can see.
       ARRAY(SELECT r.occurred_at FROM actions.action_record r
             LEFT JOIN actions.action_type ty ON ty.code = r.action_type
             WHERE r.cif = c.cif AND r.status = 'RECORDED'
               AND r.occurred_at
                   > $3::timestamptz - make_interval(days => coalesce(t.cadence_days, 0))
               AND ty.is_contact_attempt IS NOT FALSE) AS attempts
FROM agents.agent a
JOIN workflow.customer_agent ca ON ca.agent_id = a.id AND ca.ended_at IS NULL
JOIN workflow.customer_case c ON c.cif = ca.cif AND c.status = 'OPEN'
LEFT JOIN workflow.customer_treatment t ON t.cif = ca.cif
WHERE a.user_id = $1
"""
# The contact rules look back 7 days from an action recorded up to a day late, on local days.
ATTEMPTS_LOOKBACK = timedelta(days=9)
BROKEN_LOOKBACK = timedelta(days=30)


def _urgency(row: asyncpg.Record, today: Any) -> tuple[Any, ...]:
    promise_due = row["promise_due"]
    due_now = promise_due is not None and promise_due <= today
    last = row["last_contact_at"] or datetime.min.replace(tzinfo=UTC)
    return (
        # The strategy's priority first: it is how the bank ranks its segments.
        -(row["strategy_priority"] or 0),
        not (row["broken_promises"] or due_now),
        -row["priority"],
        -row["max_dpd"],
        -row["outstanding_vnd"],
        last,
        row["cif"],
    )


def _item(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "cif": row["cif"],
        "maxDpd": row["max_dpd"],
        "bucket": row["bucket"],
        "priority": row["priority"],
        "outstanding": row["outstanding"],
        "dueAmount": row["due_amount"],
        "caseOpenedAt": row["opened_at"],
        "assignedAt": row["assigned_at"],
        "lastContactAt": row["last_contact_at"],
        "promiseDue": row["promise_due"],
        "brokenPromises": row["broken_promises"],
        "strategy": None
        if row["strategy_code"] is None
        else {
            "code": row["strategy_code"],
            "priority": row["strategy_priority"],
            "channels": list(row["channels"]),
            "cadenceDays": row["cadence_days"],
        },
    }


def _cadence_allows(row: asyncpg.Record, attempts: list[Attempt], now: datetime) -> bool:
    """The strategy's cadence: no new attempt until cadenceDays after the last one."""
    cadence = row["cadence_days"] or 0
    return cadence == 0 or all(now - a.occurred_at >= timedelta(days=cadence) for a in attempts)


def queues_blueprint() -> Blueprint:
    bp = Blueprint("queues")

    @bp.route("/api/queues/me", name="mine")
    class MyQueue(ApiView):
        @requires("actions:write", "The caller's customers to contact now, most urgent first (all)")
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            app = crm_app(self.app)
            pool = await app.db_pool()
            user_id = principal_of(request).user_id
            now = datetime.now(UTC)
            policy = app.settings.contact_policy()
            rows = await pool.fetch(
                QUEUE_SQL, user_id, now - BROKEN_LOOKBACK, now - ATTEMPTS_LOOKBACK
            )
            agent_id = rows[0]["agent_id"] if rows else await agent_id_of(pool, user_id)
            if agent_id is None:
                raise ProblemError(404, "NOT_AN_AGENT", "The caller has no agent record.")
            attempts = {r["cif"]: [Attempt("", at) for at in r["attempts"]] for r in rows}
            # Outside contact hours nobody may be called: no need to count anyone's attempts.
            open_now = policy.within_hours(now)
            contactable = {
                r["cif"]: open_now
                and may_contact_now(policy, now, recent(attempts[r["cif"]], now))
                and _cadence_allows(r, attempts[r["cif"]], now)
                for r in rows
            }
            today = policy.local(now).date()
            # ?all=true: the whole queue with a flag (planning the day, or after hours).
            everything = request.query.get("all") == "true"
            shown = [r for r in rows if everything or contactable[r["cif"]]]
            shown.sort(key=lambda r: _urgency(r, today))
            await audit_reads(app, request, [(r["cif"], "queue") for r in shown])
            return json_response(
                {
                    "agentId": agent_id,
                    "items": [{**_item(r), "contactableNow": contactable[r["cif"]]} for r in shown],
                    "notContactableNow": sum(1 for ok in contactable.values() if not ok),
                }
            )

    return bp
