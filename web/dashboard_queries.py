"""The supervisor summary's reads: teams, queue sizes, today's actions and promises.

Lists are capped: the page shows the newest or largest first and live events add to them.
Actions are those of the teams' agents; promises those of the customers assigned to the teams
(`team_code` of the open assignment, as the row scope of every service has it). Both stay
within the caller's row scope.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

import asyncpg

LIST_LIMIT = 100

_TEAMS = """
SELECT t.code, t.name, t.lead_agent_id FROM agents.team t
WHERE ($1::text[] IS NULL OR t.code = ANY($1::text[]))
  AND ($2::text IS NULL OR t.lead_agent_id = $2)
ORDER BY t.code
"""
# Queue: the agent's assigned customers with an open case (what GET /api/queues/me lists).
_AGENTS = """
SELECT a.id, a.display_name, a.status, a.team_code,
       count(ca.cif) AS assigned,
       count(c.cif) AS queue
FROM agents.agent a
LEFT JOIN workflow.customer_agent ca ON ca.agent_id = a.id AND ca.ended_at IS NULL
LEFT JOIN workflow.customer_case c ON c.cif = ca.cif AND c.status = 'OPEN'
WHERE a.team_code = ANY($1::text[])
GROUP BY a.id
ORDER BY a.team_code, a.display_name, a.id
"""

# Recorded (or refused) since the start of the bank's day by the teams' agents, newest first.
# An action is recorded at most a day after it happened: the bound on occurred_at lets the
# (agent_id, occurred_at) index find them (a decision delayed by a longer outage is missed).
_ACTIONS = f"""
SELECT r.id, r.cif, r.agent_id, r.action_type, r.subtype, r.status, r.refused_rule,
       r.occurred_at, r.recorded_at, x.result
FROM actions.action_record r
LEFT JOIN actions.action_result x ON x.action_id = r.id
WHERE r.agent_id = ANY($2::text[])
  AND r.occurred_at >= $1::timestamptz - interval '2 days' AND r.recorded_at >= $1
  AND ($3::text[] IS NULL OR r.cif = ANY($3::text[]))
ORDER BY r.recorded_at DESC, r.id
LIMIT {LIST_LIMIT}
"""
# Promises of the customers the teams work now, with the agent who works each one.
_PROMISE_COLUMNS = """
SELECT p.promise_id, p.cif, p.amount, p.currency, p.due_date, p.status, p.covered,
       p.closed_at, ca.agent_id
FROM workflow.promise p
JOIN workflow.customer_agent ca
  ON ca.cif = p.cif AND ca.ended_at IS NULL AND ca.team_code = ANY($2::text[])
"""
_PROMISES_DUE = f"""
{_PROMISE_COLUMNS}
WHERE p.status IN ('PENDING', 'PENDING_APPROVAL') AND p.due_date = $1
  AND ($3::text[] IS NULL OR p.cif = ANY($3::text[]))
ORDER BY p.amount DESC, p.promise_id
LIMIT {LIST_LIMIT}
"""
_PROMISES_BROKEN = f"""
{_PROMISE_COLUMNS}
WHERE p.status = 'BROKEN' AND p.closed_at >= $1
  AND ($3::text[] IS NULL OR p.cif = ANY($3::text[]))
ORDER BY p.closed_at DESC, p.promise_id
LIMIT {LIST_LIMIT}
"""


async def teams(
    pool: asyncpg.Pool, codes: Sequence[str] | None, led_by: str | None
) -> list[asyncpg.Record]:
    """Teams by code (None: all), only those `led_by` leads unless it is None."""
    rows: list[asyncpg.Record] = await pool.fetch(
        _TEAMS, None if codes is None else list(codes), led_by
    )
    return rows


async def agents(pool: asyncpg.Pool, team_codes: Sequence[str]) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await pool.fetch(_AGENTS, list(team_codes))
    return rows


def action_item(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "actionId": str(row["id"]),
        "cif": row["cif"],
        "agentId": row["agent_id"],
        "actionType": row["action_type"],
        "subtype": row["subtype"],
        "result": row["result"],
        "status": row["status"],
        "refusedRule": row["refused_rule"],
        "occurredAt": row["occurred_at"],
        "recordedAt": row["recorded_at"],
    }


def promise_item(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "promiseId": row["promise_id"],
        "cif": row["cif"],
        "agentId": row["agent_id"],
        "amount": row["amount"],
        "currency": row["currency"],
        "dueDate": row["due_date"],
        "status": row["status"],
        "covered": row["covered"],
        "closedAt": row["closed_at"],
    }


async def todays_actions(
    pool: asyncpg.Pool, since: datetime, agent_ids: Sequence[str], cifs: Collection[str] | None
) -> list[dict[str, Any]]:
    """Actions of the teams' agents, on customers within the caller's scope."""
    args = (since, list(agent_ids), None if cifs is None else list(cifs))
    return [action_item(r) for r in await pool.fetch(_ACTIONS, *args)]


async def promises(
    pool: asyncpg.Pool,
    today: date,
    since: datetime,
    team_codes: Sequence[str],
    cifs: Collection[str] | None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The teams' customers' promises due today, and those broken today."""
    limit = None if cifs is None else list(cifs)
    due = await pool.fetch(_PROMISES_DUE, today, list(team_codes), limit)
    broken = await pool.fetch(_PROMISES_BROKEN, since, list(team_codes), limit)
    return [promise_item(r) for r in due], [promise_item(r) for r in broken]
