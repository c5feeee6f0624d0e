"""Agents and teams SQL; refusals are domain errors the web layer turns into problems.

Uniqueness and references are left to the constraints (race-free) and their violations are
translated by constraint name; only "is there such a directory user" is asked first, because
the agent row stores the user's id, not the username the caller sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import asyncpg

from domain.errors import Conflict, DomainError, NotFound
from domain.workflow_agents import (
    KEEP,
    AgentChanges,
    AgentStatus,
    NewAgent,
    NewTeam,
    TeamChanges,
    new_agent_id,
)
from persistence.assignments import Change, follow_agent_to_team

AGENT_COLUMNS = (
    "a.id, a.user_id, u.username, a.employee_id, a.display_name, a.team_code, a.agent_type,"
    " a.status, a.capacity, a.created_at, a.updated_at"
)
_AGENT_FROM = "agents.agent a JOIN agents.directory_user u ON u.user_id = a.user_id"
TEAM_COLUMNS = "code, name, region, lead_agent_id, created_at, updated_at"


def _team_unknown(code: str) -> DomainError:
    return DomainError(f"No team has the code {code}.", field="teamCode", code="TEAM_UNKNOWN")


def agent_not_found() -> NotFound:
    return NotFound("No agent has this id.", field="id", code="AGENT_NOT_FOUND")


def team_not_found() -> NotFound:
    return NotFound("No team has this code.", field="code", code="TEAM_NOT_FOUND")


# Constraint of agents.agent (named by the migration) → the refusal a client sees.
_AGENT_CONFLICTS = {
    "uq_agent_employee_id": ("EMPLOYEE_ID_TAKEN", "employeeId", "Another agent has this id."),
    "uq_agent_user_id": ("USER_ALREADY_AGENT", "username", "This user already is an agent."),
}


async def list_agents(
    pool: asyncpg.Pool,
    team: str | None,
    status: AgentStatus | None,
    after: tuple[str, str] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Agents by display name (then id), after a keyset cursor, optionally filtered."""
    rows: list[asyncpg.Record] = await pool.fetch(
        f"SELECT {AGENT_COLUMNS} FROM {_AGENT_FROM}"
        " WHERE ($1::text IS NULL OR a.team_code = $1) AND ($2::text IS NULL OR a.status = $2)"
        " AND ($3::text IS NULL OR (a.display_name, a.id) > ($3, $4::text))"
        " ORDER BY a.display_name, a.id LIMIT $5",
        team,
        status.value if status else None,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return rows


async def get_agent(conn: asyncpg.Pool | asyncpg.Connection, agent_id: str) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"SELECT {AGENT_COLUMNS} FROM {_AGENT_FROM} WHERE a.id = $1", agent_id
    )
    if row is None:
        raise agent_not_found()
    return row


async def create_agent(pool: asyncpg.Pool, new: NewAgent) -> asyncpg.Record:
    """Make a directory user an agent, under a fresh id."""
    async with pool.acquire() as conn, conn.transaction():
        user_id = await conn.fetchval(
            "SELECT user_id FROM agents.directory_user WHERE username = $1", new.username
        )
        if user_id is None:
            raise DomainError(
                f"No staff account {new.username} is known yet: it must exist in the directory"
                " and have been synced or logged in once.",
                field="username",
                code="USER_UNKNOWN",
            )
        agent_id = new_agent_id()
        try:
            await conn.execute(
                "INSERT INTO agents.agent (id, user_id, employee_id, display_name, team_code,"
                " agent_type, status, capacity) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                agent_id,
                user_id,
                new.employee_id,
                new.display_name,
                new.team_code,
                new.agent_type.value,
                new.status.value,
                new.capacity,
            )
        except asyncpg.ForeignKeyViolationError as exc:
            # The user was checked in this transaction; only the team can be missing.
            raise _team_unknown(new.team_code) from exc
        except asyncpg.UniqueViolationError as exc:
            refusal = _AGENT_CONFLICTS.get(exc.constraint_name or "")
            if refusal is None:
                raise  # an id collision (odds 2^-48): a 500; the retried request draws a new id
            code, field, message = refusal
            raise Conflict(message, field=field, code=code) from exc
        return await get_agent(conn, agent_id)


async def update_agent(
    pool: asyncpg.Pool,
    agent_id: str,
    changes: AgentChanges,
    by: str,
    publish: Callable[[list[Change]], Awaitable[None]],
) -> asyncpg.Record:
    """Change the fields given; an agent who leads a team cannot leave it. An agent who
    changes team takes their customers along (published before the change commits)."""
    async with pool.acquire() as conn, conn.transaction():
        try:
            # Updating first locks the row, so a concurrent "make them lead" (which locks it
            # FOR SHARE) is either seen below or sees the new team itself.
            updated = await conn.fetchval(
                "UPDATE agents.agent SET display_name = coalesce($2, display_name),"
                " team_code = coalesce($3, team_code), agent_type = coalesce($4, agent_type),"
                " status = coalesce($5, status), capacity = coalesce($6, capacity),"
                " updated_at = now() WHERE id = $1 RETURNING team_code",
                agent_id,
                changes.display_name,
                changes.team_code,
                changes.agent_type.value if changes.agent_type else None,
                changes.status.value if changes.status else None,
                changes.capacity,
            )
        except asyncpg.ForeignKeyViolationError as exc:
            raise _team_unknown(changes.team_code or "") from exc
        if updated is None:
            raise agent_not_found()
        led = await conn.fetchval(
            "SELECT code FROM agents.team WHERE lead_agent_id = $1 AND code <> $2",
            agent_id,
            updated,
        )
        if led is not None:
            raise Conflict(
                f"The agent leads team {led}: name another lead there first.",
                field="teamCode",
                code="AGENT_LEADS_TEAM",
            )
        if changes.team_code is not None:
            await follow_agent_to_team(conn, agent_id, updated, by, datetime.now(UTC), publish)
        return await get_agent(conn, agent_id)


async def list_teams(pool: asyncpg.Pool, after: str | None, limit: int) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await pool.fetch(
        f"SELECT {TEAM_COLUMNS} FROM agents.team WHERE ($1::text IS NULL OR code > $1)"
        " ORDER BY code LIMIT $2",
        after,
        limit,
    )
    return rows


async def get_team(conn: asyncpg.Pool | asyncpg.Connection, code: str) -> asyncpg.Record:
    row = await conn.fetchrow(f"SELECT {TEAM_COLUMNS} FROM agents.team WHERE code = $1", code)
    if row is None:
        raise team_not_found()
    return row


async def _check_lead(conn: asyncpg.Connection, team: str, lead: str) -> None:
    # FOR SHARE: the agent cannot move to another team until this transaction ends.
    member_of = await conn.fetchval(
        "SELECT team_code FROM agents.agent WHERE id = $1 FOR SHARE", lead
    )
    if member_of != team:
        raise DomainError(
            f"Agent {lead} is not a member of team {team}.",
            field="leadAgentId",
            code="LEAD_NOT_IN_TEAM",
        )


async def create_team(pool: asyncpg.Pool, new: NewTeam) -> asyncpg.Record:
    """Create a team. It has no agents yet, so a lead is named later (PUT) once it has."""
    async with pool.acquire() as conn, conn.transaction():
        if new.lead_agent_id is not None:
            await _check_lead(conn, new.code, new.lead_agent_id)
        try:
            row = await conn.fetchrow(
                f"INSERT INTO agents.team (code, name, region, lead_agent_id)"
                f" VALUES ($1, $2, $3, $4) RETURNING {TEAM_COLUMNS}",
                new.code,
                new.name,
                new.region,
                new.lead_agent_id,
            )
        except asyncpg.UniqueViolationError as exc:
            raise Conflict(
                "A team has this code already.", field="code", code="TEAM_EXISTS"
            ) from exc
    return row


# Called inside the transaction when a team's lead changes, with the lead's staff user id
# (None: no lead); it publishes the change, and raising rolls the change back.
LeadChanged = Callable[[str, str | None], Awaitable[None]]


async def update_team(
    pool: asyncpg.Pool, code: str, changes: TeamChanges, lead_changed: LeadChanged
) -> asyncpg.Record:
    async with pool.acquire() as conn, conn.transaction():
        await get_team(conn, code)
        if changes.lead_agent_id is not KEEP and changes.lead_agent_id is not None:
            await _check_lead(conn, code, changes.lead_agent_id)
        row = await conn.fetchrow(
            "UPDATE agents.team SET name = coalesce($2, name),"
            " region = CASE WHEN $3 THEN $4 ELSE region END,"
            " lead_agent_id = CASE WHEN $5 THEN $6 ELSE lead_agent_id END,"
            f" updated_at = now() WHERE code = $1 RETURNING {TEAM_COLUMNS}",
            code,
            changes.name,
            changes.region is not KEEP,
            None if changes.region is KEEP else changes.region,
            changes.lead_agent_id is not KEEP,
            None if changes.lead_agent_id is KEEP else changes.lead_agent_id,
        )
        if changes.lead_agent_id is not KEEP:
            lead_user = await conn.fetchval(
                "SELECT user_id FROM agents.agent WHERE id = $1", row["lead_agent_id"]
            )
            await lead_changed(code, lead_user)
    return row
