"""Case dictionaries SQL: load one consistent snapshot; create or update entries; allow or
stop transitions between processing states."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from domain.case_dictionary import (
    CaseDictionaries,
    CaseState,
    CaseSubstate,
    CustomerStatus,
    Transition,
)
from domain.case_dictionary_changes import CaseEntryChange
from domain.errors import DomainError

_ENTRY = "code, name_en, name_vi, position, active"


@dataclass(frozen=True, slots=True)
class EntryTable:
    """One dictionary table; `owner` is the column naming the entry's state (substates)."""

    name: str
    owner: str | None = None


STATES = EntryTable("workflow.case_processing_state")
SUBSTATES = EntryTable("workflow.case_substate", owner="state")
STATUSES = EntryTable("workflow.customer_status")


async def load_case_dictionaries(pool: asyncpg.Pool) -> CaseDictionaries:
    """Read the four tables in one snapshot: a transition never names a missing state."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        states = await conn.fetch(f"SELECT {_ENTRY} FROM {STATES.name}")
        substates = await conn.fetch(f"SELECT state, {_ENTRY} FROM {SUBSTATES.name}")
        transitions = await conn.fetch(
            "SELECT from_state, to_state FROM workflow.case_state_transition"
        )
        statuses = await conn.fetch(f"SELECT {_ENTRY} FROM {STATUSES.name}")
    return CaseDictionaries.of(
        (CaseState(**dict(r)) for r in states),
        (CaseSubstate(**dict(r)) for r in substates),
        (Transition(*r) for r in transitions),
        (CustomerStatus(**dict(r)) for r in statuses),
    )


async def put_entry(
    pool: asyncpg.Pool, table: EntryTable, change: CaseEntryChange, owner: str | None = None
) -> tuple[asyncpg.Record, bool]:
    """Create or update an entry (of `owner`'s state, for substates); return it and whether
    it was created. Left-out position and active keep their value; on create the entry goes
    last and is active. A substate of an unknown state: 422 STATE_UNKNOWN."""
    keys = ("code",) if table.owner is None else (table.owner, "code")
    key_values = (change.code,) if table.owner is None else (owner, change.code)
    n = len(keys)
    same_owner = "" if table.owner is None else f" WHERE {table.owner} = $1"
    columns = ", ".join(keys)
    values = ", ".join(f"${i}" for i in range(1, n + 1))
    sql = (
        f"INSERT INTO {table.name} AS t ({columns}, name_en, name_vi, position, active)"
        f" VALUES ({values}, ${n + 1}, ${n + 2},"
        f" COALESCE(${n + 3}::int,"
        f" (SELECT COALESCE(max(position), 0) + 1 FROM {table.name}{same_owner})),"
        f" COALESCE(${n + 4}::boolean, true))"
        f" ON CONFLICT ({columns}) DO UPDATE SET name_en = EXCLUDED.name_en,"
        f" name_vi = EXCLUDED.name_vi, position = COALESCE(${n + 3}::int, t.position),"
        f" active = COALESCE(${n + 4}::boolean, t.active)"
        # xmax is 0 on a row version this statement inserted, not on one it updated.
        f" RETURNING {columns if table.owner else 'code'}, name_en, name_vi, position, active,"
        " t.xmax = 0 AS created"
    )
    try:
        row = await pool.fetchrow(
            sql, *key_values, change.name_en, change.name_vi, change.position, change.active
        )
    except asyncpg.ForeignKeyViolationError as exc:
        raise DomainError(
            f"state {owner} does not exist.", field="state", code="STATE_UNKNOWN"
        ) from exc
    return row, bool(row["created"])


async def add_transition(pool: asyncpg.Pool, transition: Transition) -> bool:
    """Allow a move; return False if it was allowed already. Unknown states: 422."""
    async with pool.acquire() as conn, conn.transaction():
        known = {
            r["code"]
            for r in await conn.fetch(
                f"SELECT code FROM {STATES.name} WHERE code = ANY($1::text[])",
                [transition.from_state, transition.to_state],
            )
        }
        for field, code in (("fromState", transition.from_state), ("toState", transition.to_state)):
            if code not in known:
                raise DomainError(
                    f"{field} {code} does not exist.", field=field, code="STATE_UNKNOWN"
                )
        added = await conn.fetchval(
            "INSERT INTO workflow.case_state_transition (from_state, to_state)"
            " VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true",
            transition.from_state,
            transition.to_state,
        )
    return bool(added)


async def remove_transition(pool: asyncpg.Pool, transition: Transition) -> bool:
    """Stop allowing a move; return False if it was not allowed. Past changes stay."""
    status: str = await pool.execute(
        "DELETE FROM workflow.case_state_transition WHERE from_state = $1 AND to_state = $2",
        transition.from_state,
        transition.to_state,
    )
    return status != "DELETE 0"
