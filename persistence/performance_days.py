"""Rolling agents' figures up per bank day into agents.agent_performance.

A day's figures keep moving after it ends — a payment is attributed to the agent of the last
contact before it, promises close when due, reversals take money back — so each run
recomputes today and yesterday whole and overwrites their rows. Older days stay as they were
last computed. One worker at a time (an advisory lock); the others skip the run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from persistence.performance import performance

# An arbitrary constant of this project: the lock that keeps the roll-up to one worker.
_ROLL_UP_LOCK = 0x43524D_50455246


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a calendar day in the bank's time zone, in UTC."""
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


async def roll_up(
    pool: asyncpg.Pool, days: list[date], zone: ZoneInfo, window: timedelta, now: datetime
) -> int | None:
    """Recompute every agent's row for these days; None when another worker is at it."""
    async with pool.acquire() as conn, conn.transaction():
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", _ROLL_UP_LOCK):
            return None
        agents = {
            r["id"]: r["team_code"]
            for r in await conn.fetch("SELECT id, team_code FROM agents.agent")
        }
        rows = []
        for day in days:
            since, until = day_bounds(day, zone)
            figures = await performance(pool, list(agents), since, until, window)
            for agent_id, p in figures.items():
                rows.append(
                    (
                        agent_id,
                        day,
                        agents[agent_id],
                        p.actions,
                        p.contact_attempts,
                        p.right_party_contacts,
                        p.promises,
                        p.promises_kept,
                        p.promises_broken,
                        {c: str(a) for c, a in p.collected.items()},
                        p.collected_payments,
                        now,
                    )
                )
        await conn.executemany(
            "INSERT INTO agents.agent_performance AS d (agent_id, day, team_code, actions,"
            " contact_attempts, right_party_contacts, promises, promises_kept, promises_broken,"
            " collected, payments_collected, computed_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            " ON CONFLICT (agent_id, day) DO UPDATE SET team_code = EXCLUDED.team_code,"
            " actions = EXCLUDED.actions, contact_attempts = EXCLUDED.contact_attempts,"
            " right_party_contacts = EXCLUDED.right_party_contacts,"
            " promises = EXCLUDED.promises, promises_kept = EXCLUDED.promises_kept,"
            " promises_broken = EXCLUDED.promises_broken, collected = EXCLUDED.collected,"
            " payments_collected = EXCLUDED.payments_collected,"
            " computed_at = EXCLUDED.computed_at",
            rows,
        )
        return len(rows)
