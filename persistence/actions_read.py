"""Reads of recorded actions: one by id, and newest-first pages by customer, loan or agent."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

ACTION_COLUMNS = (
    "r.id, r.cif, r.account_number, r.agent_id, r.user_id, r.action_type, r.subtype,"
    " r.contacted_party, r.reference_cif, r.status, r.refused_rule, r.refused_reason,"
    " r.occurred_at, r.recorded_at, r.notes, r.call_trace_id, r.latitude, r.longitude,"
    " x.result, x.notes AS result_notes, x.promise_amount, x.promise_due_date,"
    " x.recorded_by AS result_recorded_by, x.recorded_at AS result_recorded_at"
)
_FROM = "actions.action_record r LEFT JOIN actions.action_result x ON x.action_id = r.id"

# Which column a list filters on; fixed names, never user input.
BY_CUSTOMER = "r.cif"
BY_LOAN = "r.account_number"
BY_AGENT = "r.agent_id"


@dataclass(frozen=True, slots=True)
class ActionPage:
    column: str
    value: str
    since: datetime | None
    until: datetime | None
    # (occurred_at, id) of the last row of the previous page.
    after: tuple[datetime, str] | None
    limit: int
    # None: every customer; otherwise only these (the caller's row scope).
    cifs: Collection[str] | None


def joined_row(action: Mapping[str, Any], result: Mapping[str, Any] | None) -> dict[str, Any]:
    """What ACTION_COLUMNS reads for these action_record and action_result rows: lets a
    request answer with the row its worker just wrote without reading it back."""
    joined = {k: v for k, v in action.items() if k != "event_offset"}
    given = result or {}
    joined.update(
        result=given.get("result"),
        result_notes=given.get("notes"),
        promise_amount=given.get("promise_amount"),
        promise_due_date=given.get("promise_due_date"),
        result_recorded_by=given.get("recorded_by"),
        result_recorded_at=given.get("recorded_at"),
    )
    return joined


async def agent_id_of(pool: asyncpg.Pool, user_id: str) -> str | None:
    """The agent record of a staff user, if they are an agent."""
    value = await pool.fetchval("SELECT id FROM agents.agent WHERE user_id = $1", user_id)
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class Preflight:
    """What recording an action needs to know first, read in one round trip."""

    agent_id: str | None
    # The customer's strategy's channels (empty or None: any).
    channels: list[str] | None
    existing: asyncpg.Record | None


@dataclass(frozen=True, slots=True)
class PreflightKey:
    user_id: str
    action_id: uuid.UUID
    cif: str


async def preflights(pool: asyncpg.Pool, keys: Sequence[PreflightKey]) -> list[Preflight]:
    """For each key, in order: the caller's agent id, the customer's allowed channels, and
    the action if its id was used already. One round trip for them all (persistence.coalesce
    gathers the requests of one turn of the event loop)."""
    rows = await pool.fetch(
        "SELECT (SELECT id FROM agents.agent WHERE user_id = k.key_user) AS caller_agent_id,"
        " (SELECT channels FROM workflow.customer_treatment WHERE cif = k.key_cif) AS channels,"
        " found.*"
        " FROM unnest($1::text[], $2::uuid[], $3::text[]) WITH ORDINALITY"
        " AS k(key_user, key_action, key_cif, key_order)"
        f" LEFT JOIN LATERAL (SELECT {ACTION_COLUMNS} FROM {_FROM} WHERE r.id = k.key_action)"
        " AS found ON true ORDER BY k.key_order",
        [k.user_id for k in keys],
        [k.action_id for k in keys],
        [k.cif for k in keys],
    )
    return [
        Preflight(
            None if row["caller_agent_id"] is None else str(row["caller_agent_id"]),
            row["channels"],
            row if row["id"] is not None else None,
        )
        for row in rows
    ]


async def action_by_id(pool: asyncpg.Pool, action_id: uuid.UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await pool.fetchrow(
        f"SELECT {ACTION_COLUMNS} FROM {_FROM} WHERE r.id = $1", action_id
    )
    return row


async def actions_page(pool: asyncpg.Pool, p: ActionPage) -> list[asyncpg.Record]:
    after_at, after_id = p.after if p.after else (None, None)
    rows: list[asyncpg.Record] = await pool.fetch(
        f"SELECT {ACTION_COLUMNS} FROM {_FROM} WHERE {p.column} = $1"
        " AND ($2::timestamptz IS NULL OR r.occurred_at >= $2)"
        " AND ($3::timestamptz IS NULL OR r.occurred_at < $3)"
        " AND ($4::timestamptz IS NULL OR (r.occurred_at, r.id) < ($4, $5::uuid))"
        " AND ($7::text[] IS NULL OR r.cif = ANY($7::text[]))"
        " ORDER BY r.occurred_at DESC, r.id DESC LIMIT $6",
        p.value,
        p.since,
        p.until,
        after_at,
        None if after_id is None else uuid.UUID(after_id),
        p.limit,
        None if p.cifs is None else sorted(p.cifs),
    )
    return rows
