"""Reading case state changes back: one by its case action id, a customer's newest first."""

from __future__ import annotations

import uuid

import asyncpg

_COLUMNS = (
    "id, cif, sequence, status, from_state, from_substate, from_customer_status, to_state,"
    " to_substate, customer_status, note, user_id, agent_id, requested_at, decided_at,"
    " refused_code, refused_field, refused_reason"
)


async def case_action_by_id(pool: asyncpg.Pool, case_action_id: uuid.UUID) -> asyncpg.Record | None:
    return await pool.fetchrow(
        f"SELECT {_COLUMNS} FROM workflow.customer_case_action WHERE id = $1", case_action_id
    )


async def case_history(
    pool: asyncpg.Pool, cif: str, after: tuple[int, uuid.UUID] | None, limit: int
) -> list[asyncpg.Record]:
    """The customer's decided changes, newest first, after the (sequence, id) of a page's
    last row. Refusals for want of a case (sequence 0) come last."""
    if after is None:
        return list(
            await pool.fetch(
                f"SELECT {_COLUMNS} FROM workflow.customer_case_action WHERE cif = $1"
                " ORDER BY sequence DESC, id DESC LIMIT $2",
                cif,
                limit,
            )
        )
    return list(
        await pool.fetch(
            f"SELECT {_COLUMNS} FROM workflow.customer_case_action"
            " WHERE cif = $1 AND (sequence, id) < ($2, $3)"
            " ORDER BY sequence DESC, id DESC LIMIT $4",
            cif,
            after[0],
            after[1],
            limit,
        )
    )
