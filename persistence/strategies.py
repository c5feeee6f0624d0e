"""Strategies and segments in PostgreSQL: the snapshot workers decide with, and the
administrator's reads and writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from domain.strategy import Book, Segment, Strategy

STRATEGY_COLUMNS = "code, name, team_code, priority, channels, cadence_days, active, updated_by,"
STRATEGY_COLUMNS += " updated_at"
SEGMENT_COLUMNS = (
    "code, name, rank, champion, challenger, challenger_percent, buckets, products,"
    " min_outstanding, max_outstanding, regions, risk_flags, active, updated_by, updated_at"
)


def strategy_of(row: asyncpg.Record) -> Strategy:
    return Strategy(
        row["code"], row["team_code"], row["priority"], tuple(row["channels"]), row["cadence_days"]
    )


def segment_of(row: asyncpg.Record) -> Segment:
    return Segment(
        code=row["code"],
        rank=row["rank"],
        champion=row["champion"],
        challenger=row["challenger"],
        challenger_percent=row["challenger_percent"],
        buckets=tuple(row["buckets"]),
        products=tuple(row["products"]),
        min_outstanding=row["min_outstanding"],
        max_outstanding=row["max_outstanding"],
        regions=tuple(row["regions"]),
        risk_flags=tuple(row["risk_flags"]),
    )


async def load_book(pool: asyncpg.Pool) -> Book:
    """The active segments and strategies, read in one snapshot."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        strategies = await conn.fetch(
            f"SELECT {STRATEGY_COLUMNS} FROM workflow.strategy WHERE active"
        )
        segments = await conn.fetch(
            f"SELECT {SEGMENT_COLUMNS} FROM workflow.strategy_segment WHERE active"
        )
        version = await book_version(conn)
    return Book.of((segment_of(r) for r in segments), (strategy_of(r) for r in strategies), version)


async def book_version(conn: asyncpg.Connection | asyncpg.Pool) -> datetime | None:
    """When a segment or strategy last changed (Book.version); None when there are none.

    Inactive rows count: retiring a segment is a change too.
    """
    version: datetime | None = await conn.fetchval(
        "SELECT greatest((SELECT max(updated_at) FROM workflow.strategy),"
        " (SELECT max(updated_at) FROM workflow.strategy_segment))"
    )
    return version


async def all_strategies(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await pool.fetch(
        f"SELECT {STRATEGY_COLUMNS} FROM workflow.strategy ORDER BY code"
    )
    return rows


async def all_segments(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await pool.fetch(
        f"SELECT {SEGMENT_COLUMNS} FROM workflow.strategy_segment ORDER BY rank"
    )
    return rows


_FOLLOW_STRATEGY = """
UPDATE workflow.customer_treatment
   SET team_code = $2, priority = $3, channels = $4, cadence_days = $5
 WHERE strategy_code = $1
   AND (team_code, priority, channels, cadence_days) IS DISTINCT FROM ($2, $3, $4, $5)
"""


async def put_strategy(
    pool: asyncpg.Pool, values: dict[str, Any]
) -> tuple[asyncpg.Record, bool, int]:
    """Create or replace a strategy; (row, created, customers whose treatment followed).

    Each treated customer keeps a copy of their strategy's team, priority, channels and
    cadence (the queue and the action checks read it per customer). A change reaches those
    copies in the same transaction, so an agent sees a new channel or cadence at once; a new
    team is dealt its customers by the queue filler, as when a team was full.
    """
    async with pool.acquire() as conn, conn.transaction():
        row: asyncpg.Record = await conn.fetchrow(
            "INSERT INTO workflow.strategy AS s"
            " (code, name, team_code, priority, channels, cadence_days, active, updated_by)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name,"
            "  team_code = EXCLUDED.team_code, priority = EXCLUDED.priority,"
            "  channels = EXCLUDED.channels, cadence_days = EXCLUDED.cadence_days,"
            "  active = EXCLUDED.active, updated_by = EXCLUDED.updated_by, updated_at = now()"
            f" RETURNING {STRATEGY_COLUMNS}, (xmax = 0) AS created",
            values["code"],
            values["name"],
            values["team_code"],
            values["priority"],
            values["channels"],
            values["cadence_days"],
            values["active"],
            values["updated_by"],
        )
        status = await conn.execute(
            _FOLLOW_STRATEGY,
            values["code"],
            values["team_code"],
            values["priority"],
            values["channels"],
            values["cadence_days"],
        )
    # asyncpg answers with the command tag, "UPDATE n".
    return row, bool(row["created"]), int(status.split()[-1])


async def put_segment(pool: asyncpg.Pool, values: dict[str, Any]) -> tuple[asyncpg.Record, bool]:
    """Create or replace a segment; True when it was created."""
    row: asyncpg.Record = await pool.fetchrow(
        "INSERT INTO workflow.strategy_segment AS s"
        " (code, name, rank, champion, challenger, challenger_percent, buckets, products,"
        "  min_outstanding, max_outstanding, regions, risk_flags, active, updated_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, rank = EXCLUDED.rank,"
        "  champion = EXCLUDED.champion, challenger = EXCLUDED.challenger,"
        "  challenger_percent = EXCLUDED.challenger_percent, buckets = EXCLUDED.buckets,"
        "  products = EXCLUDED.products, min_outstanding = EXCLUDED.min_outstanding,"
        "  max_outstanding = EXCLUDED.max_outstanding, regions = EXCLUDED.regions,"
        "  risk_flags = EXCLUDED.risk_flags, active = EXCLUDED.active,"
        "  updated_by = EXCLUDED.updated_by, updated_at = now()"
        f" RETURNING {SEGMENT_COLUMNS}, (xmax = 0) AS created",
        values["code"],
        values["name"],
        values["rank"],
        values["champion"],
        values["challenger"],
        values["challenger_percent"],
        values["buckets"],
        values["products"],
        values["min_outstanding"],
        values["max_outstanding"],
        values["regions"],
        values["risk_flags"],
        values["active"],
        values["updated_by"],
    )
    return row, bool(row["created"])
