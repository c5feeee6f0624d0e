"""The calling agent's work queue.

The queue is the agent's assigned customers whose case is open (a past-due loan), ordered by
what needs the agent most — their strategy's priority, a broken or due promise, the case's
priority, DPD, the amount past due, then who was contacted longest ago — and keeps only those
the contact rules and their strategy's cadence allow to be contacted now.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiohttp import web as aioweb
from faust.web import Blueprint

from domain.contact_rules import Attempt, may_contact_now, recent
from persistence.actions_read import agent_id_of
from persistence.dictionary_cache import DictionaryCache
from streams.app import crm_app
from web.auth import principal_of, requires
from web.jsonio import json_response
from web.problems import ProblemError
from web.sync_access import audit_reads
from web.views import ApiView

# One row per open case of the agent, with what orders the queue.
QUEUE_SQL = """
SELECT c.cif, c.max_dpd, c.bucket, c.priority, c.outstanding, c.due_amount, c.outstanding_vnd,
       c.opened_at, ca.assigned_at,
       t.strategy_code, t.priority AS strategy_priority, t.channels, t.cadence_days,
       (SELECT max(r.occurred_at) FROM actions.action_record r
         WHERE r.cif = c.cif AND r.status = 'RECORDED') AS last_contact_at,
       (SELECT min(p.due_date) FROM workflow.promise p
         WHERE p.cif = c.cif AND p.status IN ('PENDING', 'PENDING_APPROVAL')) AS promise_due,
       (SELECT count(*) FROM workflow.promise p
         WHERE p.cif = c.cif AND p.status = 'BROKEN' AND p.closed_at > $2) AS broken_promises
FROM workflow.customer_agent ca
JOIN workflow.customer_case c ON c.cif = ca.cif AND c.status = 'OPEN'
LEFT JOIN workflow.customer_treatment t ON t.cif = ca.cif
WHERE ca.agent_id = $1 AND ca.ended_at IS NULL
"""
# Recorded contact attempts of those customers that any rule can still see.
_ATTEMPTS = """
SELECT r.id, r.cif, r.occurred_at, r.action_type FROM actions.action_record r
WHERE r.cif = ANY($1::text[]) AND r.status = 'RECORDED' AND r.occurred_at > $2
"""
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


def queues_blueprint(dictionaries: DictionaryCache) -> Blueprint:
    bp = Blueprint("queues")

    @bp.route("/api/queues/me", name="mine")
    class MyQueue(ApiView):
        @requires("actions:write", "The caller's customers to contact now, most urgent first (all)")
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            app = crm_app(self.app)
            pool = await app.db_pool()
            agent_id = await agent_id_of(pool, principal_of(request).user_id)
            if agent_id is None:
                raise ProblemError(404, "NOT_AN_AGENT", "The caller has no agent record.")
            now = datetime.now(UTC)
            policy = app.settings.contact_policy()
            rows = await pool.fetch(QUEUE_SQL, agent_id, now - BROKEN_LOOKBACK)
            snapshot = await dictionaries.get()
            # Attempts the contact rules (7 days and a local day) or a cadence can still see.
            cadence = max((r["cadence_days"] or 0 for r in rows), default=0)
            horizon = now - timedelta(days=max(9, cadence + 1))
            attempts: defaultdict[str, list[Attempt]] = defaultdict(list)
            for a in await pool.fetch(_ATTEMPTS, [r["cif"] for r in rows], horizon):
                kind = snapshot.action_type(a["action_type"])
                if kind is None or kind.is_contact_attempt:
                    attempts[a["cif"]].append(Attempt(str(a["id"]), a["occurred_at"]))
            today = policy.local(now).date()
            contactable = {
                r["cif"]: may_contact_now(policy, now, recent(attempts[r["cif"]], now))
                and _cadence_allows(r, attempts[r["cif"]], now)
                for r in rows
            }
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
