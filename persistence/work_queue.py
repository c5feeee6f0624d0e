"""An agent's work queue, ranked, filtered by the contact rules and rendered by PostgreSQL.

The queue is read after every call an agent makes, so it is the workflow service's most
frequent request. Shipping each case's row and contact attempts to Python, decoding them,
ranking them and encoding them again cost about 4 ms of the worker's CPU per request at 80
cases (profiled at 200 requests/s). Here PostgreSQL counts the attempts the rules look at,
ranks the cases and renders the items as JSON in one aggregate row; the worker passes the
text through.

The rules are the domain's (`domain.contact_rules.check`), asked as counts:
- attempts on the bank's local day of `now` (daily limit);
- attempts in the 7 days up to `now` (rolling limit);
- an attempt less than the strategy's cadence ago (cadence).
Only RECORDED actions of a type that is a contact attempt count (an unknown type counts, as in
the rules). `tests/integration/test_work_queue.py` holds this query to the domain's answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import asyncpg

from domain.contact_rules import LATEST_BACKDATE, WEEK, ContactPolicy

# Broken promises this recent make a customer urgent.
BROKEN_LOOKBACK = timedelta(days=30)
# What the rules can still see: a week back from an action recorded up to a day late, and the
# local day around it (as `domain.contact_rules.recent`).
ATTEMPTS_LOOKBACK = WEEK + LATEST_BACKDATE + timedelta(days=1)

QUEUE_SQL = """
WITH p AS (
    SELECT $1::text AS user_id, $2::timestamptz AS now, $3::text AS zone, $4::date AS today,
           $5::boolean AS open_now, $6::int AS max_day, $7::int AS max_week,
           $8::timestamptz AS broken_since, $9::timestamptz AS seen_since,
           $10::boolean AS everything
), cases AS (
    SELECT a.id AS agent_id, c.cif, c.max_dpd, c.bucket, c.priority, c.outstanding,
           c.due_amount, c.outstanding_vnd, c.opened_at, ca.assigned_at,
           t.strategy_code, t.priority AS strategy_priority, t.channels, t.cadence_days,
           (SELECT max(r.occurred_at) FROM actions.action_record r
             WHERE r.cif = c.cif AND r.status = 'RECORDED') AS last_contact_at,
           (SELECT min(pr.due_date) FROM workflow.promise pr
             WHERE pr.cif = c.cif AND pr.status IN ('PENDING', 'PENDING_APPROVAL')) AS promise_due,
           (SELECT count(*) FROM workflow.promise pr
             WHERE pr.cif = c.cif AND pr.status = 'BROKEN' AND pr.closed_at > p.broken_since
           ) AS broken,
           seen.attempts_today, seen.attempts_week, seen.within_cadence
    FROM p
    JOIN agents.agent a ON a.user_id = p.user_id
    JOIN workflow.customer_agent ca ON ca.agent_id = a.id AND ca.ended_at IS NULL
    JOIN workflow.customer_case c ON c.cif = ca.cif AND c.status = 'OPEN'
    LEFT JOIN workflow.customer_treatment t ON t.cif = ca.cif
    CROSS JOIN LATERAL (
        SELECT count(*) FILTER (
                   WHERE r.occurred_at > p.seen_since
                     AND (r.occurred_at AT TIME ZONE p.zone)::date = p.today
               ) AS attempts_today,
               count(*) FILTER (
                   WHERE r.occurred_at > p.now - interval '7 days' AND r.occurred_at <= p.now
               ) AS attempts_week,
               coalesce(bool_or(
                   r.occurred_at > p.now - make_interval(days => t.cadence_days)
               ), false) AS within_cadence
        FROM actions.action_record r
        LEFT JOIN actions.action_type ty ON ty.code = r.action_type
        WHERE r.cif = c.cif AND r.status = 'RECORDED'
          AND ty.is_contact_attempt IS NOT FALSE
          AND r.occurred_at
              > least(p.seen_since, p.now - make_interval(days => coalesce(t.cadence_days, 0)))
    ) AS seen
), ranked AS (
    SELECT cases.*, p.everything,
           p.open_now AND attempts_today < p.max_day AND attempts_week < p.max_week
              AND NOT (coalesce(cadence_days, 0) > 0 AND within_cadence) AS contactable,
           broken > 0 OR coalesce(promise_due <= p.today, false) AS promise_urgent
    FROM cases CROSS JOIN p
)
SELECT agent_id,
       coalesce(json_agg(json_build_object(
           'cif', cif, 'maxDpd', max_dpd, 'bucket', bucket, 'priority', priority,
           'outstanding', outstanding, 'dueAmount', due_amount, 'caseOpenedAt', opened_at,
           'assignedAt', assigned_at, 'lastContactAt', last_contact_at,
           'promiseDue', promise_due, 'brokenPromises', broken,
           'strategy', CASE WHEN strategy_code IS NULL THEN NULL ELSE json_build_object(
               'code', strategy_code, 'priority', strategy_priority, 'channels', channels,
               'cadenceDays', cadence_days) END,
           'contactableNow', contactable)
         -- Most urgent first: the strategy's rank, a broken or due promise, the case's own
         -- priority, DPD, the amount past due, then who was contacted longest ago.
         ORDER BY coalesce(strategy_priority, 0) DESC, promise_urgent DESC,
                  priority DESC, max_dpd DESC, outstanding_vnd DESC,
                  last_contact_at ASC NULLS FIRST, cif
       ) FILTER (WHERE everything OR contactable), '[]')::text AS items,
       coalesce(array_agg(cif) FILTER (WHERE everything OR contactable), '{}') AS shown,
       count(*) FILTER (WHERE NOT contactable) AS hidden
FROM ranked
GROUP BY agent_id
"""


@dataclass(frozen=True, slots=True)
class QueuePage:
    agent_id: str
    # The items as a JSON array, rendered by PostgreSQL.
    items_json: str
    # The customers in it, for the data-access audit.
    cifs: list[str]
    not_contactable_now: int


async def agent_queue(
    pool: asyncpg.Pool,
    user_id: str,
    now: datetime,
    policy: ContactPolicy,
    *,
    everything: bool,
) -> QueuePage | None:
    """The agent's queue (None when the user has no open case: maybe not an agent at all)."""
    today: date = policy.local(now).date()
    row = await pool.fetchrow(
        QUEUE_SQL,
        user_id,
        now,
        policy.time_zone.key,
        today,
        policy.within_hours(now),
        policy.max_per_day,
        policy.max_per_week,
        now - BROKEN_LOOKBACK,
        now - ATTEMPTS_LOOKBACK,
        everything,
    )
    if row is None:
        return None
    return QueuePage(row["agent_id"], row["items"], list(row["shown"]), row["hidden"])
