"""Who works which customer: assign, reassign, end, and the history of it all.

A customer has at most one open assignment (a partial unique index); assigning ends the open
one in the same transaction, so the history has no gap and no overlap. Rows are never
deleted or rewritten except to close them: the history says who worked whom, when and why.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from domain.errors import Conflict, DomainError, NotFound

ASSIGNMENT_COLUMNS = (
    "ca.id, ca.cif, ca.agent_id, ca.team_code, ca.assigned_at, ca.assigned_by, ca.reason,"
    " ca.ended_at, ca.ended_reason"
)
OPEN_AGENT_STATUSES = ("ACTIVE",)


class AgentNotAssignable(DomainError):
    code = "AGENT_NOT_ASSIGNABLE"


@dataclass(frozen=True, slots=True)
class AssignRequest:
    cif: str
    agent_id: str
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Change:
    """An assignment opened and/or one ended, with the new holder's staff user id."""

    opened: asyncpg.Record | None
    ended: asyncpg.Record | None
    agent_user_id: str | None


# Runs inside the transaction after the rows changed (it publishes); raising rolls back.
BeforeCommit = Callable[[Change], Awaitable[None]]


async def agent_team(pool: asyncpg.Pool, agent_id: str) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await pool.fetchrow(
        "SELECT id, team_code, status FROM agents.agent WHERE id = $1", agent_id
    )
    return row


async def teams_led_by(pool: asyncpg.Pool, user_id: str) -> frozenset[str]:
    rows = await pool.fetch(
        "SELECT t.code FROM agents.team t JOIN agents.agent a ON a.id = t.lead_agent_id"
        " WHERE a.user_id = $1",
        user_id,
    )
    return frozenset(r["code"] for r in rows)


async def assign(pool: asyncpg.Pool, req: AssignRequest, before_commit: BeforeCommit) -> Change:
    """Open an assignment of req.cif to req.agent_id, ending the customer's open one."""
    async with pool.acquire() as conn, conn.transaction():
        agent = await conn.fetchrow(
            "SELECT team_code, status, user_id FROM agents.agent WHERE id = $1 FOR SHARE",
            req.agent_id,
        )
        if agent is None:
            raise NotFound("No agent has this id.", field="agentId", code="AGENT_NOT_FOUND")
        if agent["status"] not in OPEN_AGENT_STATUSES:
            raise AgentNotAssignable(
                f"The agent is {agent['status']}; only an ACTIVE agent takes customers.",
                field="agentId",
            )
        # Lock the customer's open assignment: two supervisors assigning at once serialise.
        ended = await conn.fetchrow(
            f"SELECT {ASSIGNMENT_COLUMNS} FROM workflow.customer_agent ca"
            " WHERE ca.cif = $1 AND ca.ended_at IS NULL FOR UPDATE",
            req.cif,
        )
        if ended is not None:
            if ended["agent_id"] == req.agent_id:
                raise Conflict(
                    "The customer is already assigned to this agent.",
                    field="agentId",
                    code="ALREADY_ASSIGNED",
                )
            ended = await conn.fetchrow(
                "UPDATE workflow.customer_agent ca SET ended_at = $2, ended_reason = $3"
                f" WHERE ca.id = $1 RETURNING {ASSIGNMENT_COLUMNS}",
                ended["id"],
                req.at,
                f"REASSIGNED: {req.reason}",
            )
        try:
            opened = await conn.fetchrow(
                "INSERT INTO workflow.customer_agent AS ca"
                " (cif, agent_id, team_code, assigned_at, assigned_by, reason)"
                f" VALUES ($1, $2, $3, $4, $5, $6) RETURNING {ASSIGNMENT_COLUMNS}",
                req.cif,
                req.agent_id,
                agent["team_code"],
                req.at,
                req.by,
                req.reason,
            )
        except asyncpg.UniqueViolationError as exc:
            # Another transaction opened one between our lock and insert (none was open).
            raise Conflict(
                "The customer was assigned concurrently; retry.", code="ASSIGNMENT_CONFLICT"
            ) from exc
        change = Change(opened, ended, agent["user_id"])
        await before_commit(change)
        return change


async def end(
    pool: asyncpg.Pool, assignment_id: int, reason: str, at: datetime, before_commit: BeforeCommit
) -> asyncpg.Record:
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            "UPDATE workflow.customer_agent ca SET ended_at = $2, ended_reason = $3"
            f" WHERE ca.id = $1 AND ca.ended_at IS NULL RETURNING {ASSIGNMENT_COLUMNS}",
            assignment_id,
            at,
            reason,
        )
        if row is None:
            raise NotFound("No open assignment has this id.", code="ASSIGNMENT_NOT_FOUND")
        await before_commit(Change(None, row, None))
        return row


async def end_all(
    pool: asyncpg.Pool,
    cifs: list[str],
    reason: str,
    at: datetime,
    before_commit: Callable[[list[Change]], Awaitable[None]],
) -> list[asyncpg.Record]:
    """End the open assignments of these customers (they left collection), in one statement."""
    if not cifs:
        return []
    async with pool.acquire() as conn, conn.transaction():
        rows: list[asyncpg.Record] = await conn.fetch(
            "UPDATE workflow.customer_agent ca SET ended_at = $2, ended_reason = $3"
            " WHERE ca.cif = ANY($1::text[]) AND ca.ended_at IS NULL"
            f" RETURNING {ASSIGNMENT_COLUMNS}",
            cifs,
            at,
            reason,
        )
        if rows:
            await before_commit([Change(None, row, None) for row in rows])
        return rows


async def assignment(pool: asyncpg.Pool, assignment_id: int) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await pool.fetchrow(
        f"SELECT {ASSIGNMENT_COLUMNS} FROM workflow.customer_agent ca WHERE ca.id = $1",
        assignment_id,
    )
    return row


async def open_of_agent(pool: asyncpg.Pool, agent_id: str) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await pool.fetch(
        f"SELECT {ASSIGNMENT_COLUMNS} FROM workflow.customer_agent ca"
        " WHERE ca.agent_id = $1 AND ca.ended_at IS NULL ORDER BY ca.assigned_at, ca.id",
        agent_id,
    )
    return rows


async def history_of_customer(pool: asyncpg.Pool, cif: str) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await pool.fetch(
        f"SELECT {ASSIGNMENT_COLUMNS} FROM workflow.customer_agent ca"
        " WHERE ca.cif = $1 ORDER BY ca.assigned_at DESC, ca.id DESC",
        cif,
    )
    return rows


async def follow_agent_to_team(
    conn: asyncpg.Connection,
    agent_id: str,
    team: str,
    by: str,
    at: datetime,
    before_commit: Callable[[list[Change]], Awaitable[None]],
) -> int:
    """The agent moved to `team` (their row is locked by the caller's transaction): their
    open assignments end and reopen under the new team, so the new team's lead sees the
    customers and the old one no longer does, and the history shows when it changed."""
    reason = f"TEAM CHANGED: the agent moved to team {team}"
    ended = await conn.fetch(
        "UPDATE workflow.customer_agent ca SET ended_at = $3, ended_reason = $4"
        " WHERE ca.agent_id = $1 AND ca.ended_at IS NULL AND ca.team_code <> $2"
        f" RETURNING {ASSIGNMENT_COLUMNS}",
        agent_id,
        team,
        at,
        reason,
    )
    if not ended:
        return 0
    opened = await conn.fetch(
        "INSERT INTO workflow.customer_agent AS ca"
        " (cif, agent_id, team_code, assigned_at, assigned_by, reason)"
        " SELECT x.cif, $2, $3, $4, $5, $6 FROM unnest($1::text[]) AS x(cif)"
        f" RETURNING {ASSIGNMENT_COLUMNS}",
        [r["cif"] for r in ended],
        agent_id,
        team,
        at,
        by,
        reason,
    )
    user_id = await conn.fetchval("SELECT user_id FROM agents.agent WHERE id = $1", agent_id)
    ended_of = {r["cif"]: r for r in ended}
    await before_commit([Change(r, ended_of[r["cif"]], user_id) for r in opened])
    return len(opened)
