"""Action dictionaries SQL: load one consistent snapshot; create, update, (un)combine entries."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from domain.action_dictionary import (
    ActionSubtype,
    ActionType,
    Combination,
    Dictionaries,
    ResultCode,
)
from domain.action_dictionary_changes import EntryChange
from domain.errors import DomainError


@dataclass(frozen=True, slots=True)
class Table:
    """One dictionary table: its name and the flag columns it has besides code and names."""

    name: str
    flags: tuple[str, ...]


TYPES = Table("actions.action_type", ("is_contact_attempt", "may_contact_reference", "active"))
SUBTYPES = Table("actions.action_subtype", ("active",))
RESULTS = Table("actions.result_code", ("is_right_party_contact", "creates_promise", "active"))

# Combination attribute, body field, problem code when the entry does not exist.
_PARTS: tuple[tuple[str, str, str], ...] = (
    ("action_type", "actionType", "ACTION_TYPE_UNKNOWN"),
    ("subtype", "subtype", "SUBTYPE_UNKNOWN"),
    ("result", "result", "RESULT_UNKNOWN"),
)


async def load_dictionaries(pool: asyncpg.Pool) -> Dictionaries:
    """Read all four tables in one snapshot: a combination never names a missing entry."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        types = await conn.fetch(
            f"SELECT code, name_en, name_vi, {_flags(TYPES)} FROM {TYPES.name}"
        )
        subtypes = await conn.fetch(
            f"SELECT code, name_en, name_vi, {_flags(SUBTYPES)} FROM {SUBTYPES.name}"
        )
        results = await conn.fetch(
            f"SELECT code, name_en, name_vi, {_flags(RESULTS)} FROM {RESULTS.name}"
        )
        combinations = await conn.fetch(
            "SELECT action_type, subtype, result FROM actions.valid_combination"
        )
    return Dictionaries.of(
        (ActionType(**dict(r)) for r in types),
        (ActionSubtype(**dict(r)) for r in subtypes),
        (ResultCode(**dict(r)) for r in results),
        (Combination(*r) for r in combinations),
    )


def _flags(table: Table) -> str:
    return ", ".join(table.flags)


async def put_entry(
    pool: asyncpg.Pool, table: Table, change: EntryChange
) -> tuple[asyncpg.Record, bool]:
    """Create or update an entry; return it as stored and whether it was created.

    Flags the change leaves out keep their value, or take the column default on create, so
    the defaults live in one place (the migration).
    """
    unknown = set(change.flags) - set(table.flags)
    if unknown:
        raise ValueError(f"{table.name} has no flags {sorted(unknown)}")
    async with pool.acquire() as conn, conn.transaction():
        created: bool = await conn.fetchval(
            f"INSERT INTO {table.name} AS t (code, name_en, name_vi) VALUES ($1, $2, $3)"
            " ON CONFLICT (code) DO UPDATE"
            " SET name_en = EXCLUDED.name_en, name_vi = EXCLUDED.name_vi"
            # xmax is 0 on a row version this statement inserted, not on one it updated.
            " RETURNING t.xmax = 0",
            change.code,
            change.name_en,
            change.name_vi,
        )
        given = [(column, value) for column, value in change.flags.items() if value is not None]
        if given:
            sets = ", ".join(f"{column} = ${n}" for n, (column, _) in enumerate(given, start=2))
            await conn.execute(
                f"UPDATE {table.name} SET {sets} WHERE code = $1",
                change.code,
                *(value for _, value in given),
            )
        row = await conn.fetchrow(
            f"SELECT code, name_en, name_vi, {_flags(table)} FROM {table.name} WHERE code = $1",
            change.code,
        )
    return row, created


async def add_combination(pool: asyncpg.Pool, combination: Combination) -> bool:
    """Allow a combination; return False if it was allowed already. Unknown codes: 422."""
    async with pool.acquire() as conn, conn.transaction():
        known = await conn.fetchrow(
            "SELECT EXISTS (SELECT 1 FROM actions.action_type WHERE code = $1) AS action_type,"
            " EXISTS (SELECT 1 FROM actions.action_subtype WHERE code = $2) AS subtype,"
            " EXISTS (SELECT 1 FROM actions.result_code WHERE code = $3) AS result",
            combination.action_type,
            combination.subtype,
            combination.result,
        )
        for column, field, problem in _PARTS:
            if not known[column]:
                code = getattr(combination, column)
                raise DomainError(f"{field} {code} does not exist.", field=field, code=problem)
        added = await conn.fetchval(
            "INSERT INTO actions.valid_combination (action_type, subtype, result)"
            " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING true",
            combination.action_type,
            combination.subtype,
            combination.result,
        )
    return bool(added)


async def remove_combination(pool: asyncpg.Pool, combination: Combination) -> bool:
    """Stop allowing a combination; return False if it was not allowed. Past actions stay."""
    status: str = await pool.execute(
        "DELETE FROM actions.valid_combination"
        " WHERE action_type = $1 AND subtype = $2 AND result = $3",
        combination.action_type,
        combination.subtype,
        combination.result,
    )
    return status != "DELETE 0"
