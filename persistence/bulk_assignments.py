"""A supervisor's bulk assignment file applied in one transaction: all lines or none.

The same rules as one assignment (persistence.assignments): only ACTIVE agents take
customers, a team lead only gives to agents of the teams they lead, the customer's open
assignment ends where the new one starts. A line that gives a customer to the agent who
already works them changes nothing. Agents are locked before customers, in id order, as
everywhere else that assigns.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from domain.assignment_csv import BulkFileRejected, Line, LineError
from persistence.assignments import ASSIGNMENT_COLUMNS, OPEN_AGENT_STATUSES, Change

Publish = Callable[[list[Change]], Awaitable[None]]

_AGENTS = """
SELECT id, team_code, status, user_id FROM agents.agent
WHERE id = ANY($1::text[]) ORDER BY id FOR SHARE
"""
_CURRENT = f"""
SELECT {ASSIGNMENT_COLUMNS} FROM workflow.customer_agent ca
WHERE ca.cif = ANY($1::text[]) AND ca.ended_at IS NULL
FOR UPDATE
"""
_END = f"""
UPDATE workflow.customer_agent ca SET ended_at = $2, ended_reason = 'REASSIGNED: ' || x.reason
FROM unnest($1::bigint[], $3::text[]) AS x(id, reason)
WHERE ca.id = x.id
RETURNING {ASSIGNMENT_COLUMNS}
"""
_OPEN = f"""
INSERT INTO workflow.customer_agent AS ca
  (cif, agent_id, team_code, assigned_at, assigned_by, reason)
SELECT x.cif, x.agent_id, x.team_code, $4, $5, x.reason
FROM unnest($1::text[], $2::text[], $3::text[], $6::text[]) AS x(cif, agent_id, team_code, reason)
RETURNING {ASSIGNMENT_COLUMNS}
"""


@dataclass(frozen=True, slots=True)
class Applied:
    assigned: int
    unchanged: int


def _check_agents(
    lines: Sequence[Line], agents: dict[str, asyncpg.Record], teams: frozenset[str] | None
) -> None:
    errors = []
    for line in lines:
        agent = agents.get(line.agent_id)
        if agent is None:
            errors.append(LineError(line.number, "agentId", "AGENT_NOT_FOUND", "no such agent"))
        elif agent["status"] not in OPEN_AGENT_STATUSES:
            message = f"the agent is {agent['status']}; only an ACTIVE agent takes customers"
            errors.append(LineError(line.number, "agentId", "AGENT_NOT_ASSIGNABLE", message))
        elif teams is not None and agent["team_code"] not in teams:
            message = "you may assign only to agents of a team you lead"
            errors.append(LineError(line.number, "agentId", "TEAM_NOT_LED", message))
    if errors:
        raise BulkFileRejected(errors)


async def assign_file(
    pool: asyncpg.Pool,
    lines: Sequence[Line],
    by: str,
    at: datetime,
    led_teams: frozenset[str] | None,
    before_commit: Publish,
) -> Applied:
    """Apply every line or none; `led_teams` None means the caller may assign anywhere."""
    async with pool.acquire() as conn, conn.transaction():
        agents = {
            r["id"]: r for r in await conn.fetch(_AGENTS, sorted({line.agent_id for line in lines}))
        }
        _check_agents(lines, agents, led_teams)
        current = {r["cif"]: r for r in await conn.fetch(_CURRENT, [x.cif for x in lines])}
        moving = [
            x for x in lines if x.cif not in current or current[x.cif]["agent_id"] != x.agent_id
        ]
        ending = [(current[x.cif]["id"], x.reason) for x in moving if x.cif in current]
        ended = (
            await conn.fetch(_END, [i for i, _ in ending], at, [r for _, r in ending])
            if ending
            else []
        )
        opened = (
            await conn.fetch(
                _OPEN,
                [x.cif for x in moving],
                [x.agent_id for x in moving],
                [agents[x.agent_id]["team_code"] for x in moving],
                at,
                by,
                [x.reason for x in moving],
            )
            if moving
            else []
        )
        ended_of = {r["cif"]: r for r in ended}
        changes = [
            Change(r, ended_of.get(r["cif"]), agents[r["agent_id"]]["user_id"]) for r in opened
        ]
        if changes:
            await before_commit(changes)
        return Applied(len(opened), len(lines) - len(moving))
