"""Strategy placement: record each customer's treatment and hand them to an agent of its team.

Called by the customer's worker for a batch of cases that opened or changed bucket, and by
the queue filler for customers whose team had no free agent before. One transaction per
batch: agents of the teams involved are locked first (always in id order, and before any
customer row, as a manual assignment locks them: no deadlock with either), then loads are
counted once and customers are dealt out least-loaded first (domain.workload). Each change is
published before the transaction commits, as for manual assignments.

A customer a supervisor assigned by hand stays where they are until their bucket changes:
the filler takes only customers nobody works, or whom the strategy itself left with another
team's agent because their new team was full.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from domain.strategy import Arm, Strategy, Treatment
from domain.workload import Seat, Workload
from persistence import treatment_history
from persistence.assignments import ASSIGNMENT_COLUMNS, Change

log = logging.getLogger(__name__)

STRATEGY_USER = "strategy"
Publish = Callable[[list[Change]], Awaitable[None]]

_SEATS = """
SELECT a.id, a.capacity, a.user_id, a.team_code,
       (SELECT count(*) FROM workflow.customer_agent ca
         WHERE ca.agent_id = a.id AND ca.ended_at IS NULL) AS open
FROM agents.agent a
WHERE a.team_code = ANY($1::text[]) AND a.status = 'ACTIVE'
ORDER BY a.id
FOR UPDATE OF a
"""
_CURRENT = f"""
SELECT {ASSIGNMENT_COLUMNS}, a.team_code AS agent_team
FROM workflow.customer_agent ca JOIN agents.agent a ON a.id = ca.agent_id
WHERE ca.cif = ANY($1::text[]) AND ca.ended_at IS NULL
FOR UPDATE OF ca
"""
_END = f"""
UPDATE workflow.customer_agent ca SET ended_at = $2, ended_reason = x.reason
FROM unnest($1::bigint[], $3::text[]) AS x(id, reason)
WHERE ca.id = x.id AND ca.ended_at IS NULL
RETURNING {ASSIGNMENT_COLUMNS}
"""
# A manual assignment may land between our read and this insert: it wins, we skip.
_OPEN = f"""
INSERT INTO workflow.customer_agent AS ca
  (cif, agent_id, team_code, assigned_at, assigned_by, reason)
SELECT x.cif, x.agent_id, x.team_code, $4, '{STRATEGY_USER}', x.reason
FROM unnest($1::text[], $2::text[], $3::text[], $5::text[]) AS x(cif, agent_id, team_code, reason)
ON CONFLICT (cif) WHERE ended_at IS NULL DO NOTHING
RETURNING {ASSIGNMENT_COLUMNS}
"""


@dataclass(frozen=True, slots=True)
class Placed:
    """What a placement did: customers handed to agents, and those left for the filler."""

    assigned: int
    waiting: int


def _reason(t: Treatment, bucket: str) -> str:
    return (
        f"STRATEGY: segment {t.segment_code} ({t.arm.value}),"
        f" strategy {t.strategy.code}, bucket {bucket}"
    )


async def _record_treatments(
    conn: asyncpg.Connection, treated: Sequence[tuple[Treatment, str]], now: datetime
) -> None:
    await conn.executemany(
        "INSERT INTO workflow.customer_treatment AS t"
        " (cif, segment_code, strategy_code, arm, team_code, priority, channels, cadence_days,"
        "  bucket, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " ON CONFLICT (cif) DO UPDATE SET segment_code = EXCLUDED.segment_code,"
        "  strategy_code = EXCLUDED.strategy_code, arm = EXCLUDED.arm,"
        "  team_code = EXCLUDED.team_code, priority = EXCLUDED.priority,"
        "  channels = EXCLUDED.channels, cadence_days = EXCLUDED.cadence_days,"
        "  bucket = EXCLUDED.bucket, decided_at = EXCLUDED.decided_at",
        [
            (
                t.cif,
                t.segment_code,
                t.strategy.code,
                t.arm.value,
                t.strategy.team_code,
                t.strategy.priority,
                list(t.strategy.channels),
                t.strategy.cadence_days,
                bucket,
                now,
            )
            for t, bucket in treated
        ],
    )


async def _deal(
    conn: asyncpg.Connection,
    treated: Sequence[tuple[Treatment, str]],
    now: datetime,
    publish: Publish,
    *,
    keep_hand_assigned: bool = False,
) -> Placed:
    """Hand each treated customer not yet worked by their treatment's team to its least
    loaded agent, ending the assignment they had in another team (unless a supervisor made
    it and `keep_hand_assigned`)."""
    teams = sorted({t.strategy.team_code for t, _ in treated})
    seats = await conn.fetch(_SEATS, teams)
    current = {r["cif"]: r for r in await conn.fetch(_CURRENT, [t.cif for t, _ in treated])}
    loads = {
        team: Workload(
            Seat(s["id"], s["capacity"], s["open"]) for s in seats if s["team_code"] == team
        )
        for team in teams
    }
    user_of = {s["id"]: s["user_id"] for s in seats}
    to_end: list[tuple[int, str]] = []
    to_open: list[tuple[str, str, str, str]] = []
    waiting = 0
    for t, bucket in treated:
        held = current.get(t.cif)
        if held is not None and held["agent_team"] == t.strategy.team_code:
            continue
        if keep_hand_assigned and held is not None and held["assigned_by"] != STRATEGY_USER:
            continue
        agent = loads[t.strategy.team_code].take()
        if agent is None:
            # The team is full: whoever works the customer now goes on until a seat frees.
            waiting += 1
            continue
        reason = _reason(t, bucket)
        if held is not None:
            to_end.append((held["id"], f"MOVED BY {reason}"))
        to_open.append((t.cif, agent, t.strategy.team_code, reason))
    ended = (
        await conn.fetch(_END, [i for i, _ in to_end], now, [r for _, r in to_end])
        if to_end
        else []
    )
    opened = (
        await conn.fetch(
            _OPEN,
            [o[0] for o in to_open],
            [o[1] for o in to_open],
            [o[2] for o in to_open],
            now,
            [o[3] for o in to_open],
        )
        if to_open
        else []
    )
    ended_of = {r["cif"]: r for r in ended}
    changes = [Change(r, ended_of.pop(r["cif"], None), user_of[r["agent_id"]]) for r in opened]
    changes += [Change(None, r, None) for r in ended_of.values()]
    if changes:
        await publish(changes)
    return Placed(len(opened), waiting + len(to_open) - len(opened))


_DECIDED = """
INSERT INTO workflow.strategy_decision AS d (cif, book_version, decided_at)
SELECT x.cif, $2, $3 FROM unnest($1::text[]) AS x(cif)
ON CONFLICT (cif) DO UPDATE SET book_version = EXCLUDED.book_version,
                                decided_at = EXCLUDED.decided_at
"""


async def place(
    pool: asyncpg.Pool,
    decided: Sequence[tuple[str, str, Treatment | None]],
    now: datetime,
    publish: Publish,
    version: datetime | None,
    *,
    keep_hand_assigned: bool = False,
) -> Placed:
    """Record the treatment of each (cif, bucket, treatment) and deal the customers out;
    a customer no segment takes (None) loses their treatment and keeps their agent.
    `version` is the book's (Book.version), recorded as what the customers were decided
    with."""
    # A batch can hold one customer twice (two of their loans changed): the last decision is
    # theirs. Set-based statements below would otherwise touch one row twice and fail.
    latest = list({cif: (cif, bucket, t) for cif, bucket, t in decided}.values())
    async with pool.acquire() as conn, conn.transaction():
        return await _place_in(conn, latest, now, publish, version, keep_hand_assigned)


async def _place_in(
    conn: asyncpg.Connection,
    decided: Sequence[tuple[str, str, Treatment | None]],
    now: datetime,
    publish: Publish,
    version: datetime | None,
    keep_hand_assigned: bool,
) -> Placed:
    treated = [(t, bucket) for _, bucket, t in decided if t is not None]
    untreated = [cif for cif, _, t in decided if t is None]
    # Before the treatments change: the history compares with them.
    await treatment_history.follow(conn, decided, now)
    if version is not None:
        await conn.execute(_DECIDED, [cif for cif, _, _ in decided], version, now)
    if untreated:
        await conn.execute(
            "DELETE FROM workflow.customer_treatment WHERE cif = ANY($1::text[])", untreated
        )
    if not treated:
        return Placed(0, 0)
    await _record_treatments(conn, treated, now)
    return await _deal(conn, treated, now, publish, keep_hand_assigned=keep_hand_assigned)


# Open cases decided with an older book than `$1` (or never), whose re-decision was not
# asked for at this version already (or was asked before `$4` and got lost), most urgent
# first; each is marked as asked.
_ASK_AGAIN = """
INSERT INTO workflow.strategy_decision AS d (cif, requested_version, requested_at)
SELECT c.cif, $1, $3
FROM workflow.customer_case c
LEFT JOIN workflow.strategy_decision o ON o.cif = c.cif
WHERE c.status = 'OPEN'
  AND (o.book_version IS NULL OR o.book_version < $1)
  AND (o.requested_version IS NULL OR o.requested_version < $1 OR o.requested_at < $4)
ORDER BY c.priority DESC, c.cif
LIMIT $2
ON CONFLICT (cif) DO UPDATE SET requested_version = EXCLUDED.requested_version,
                                requested_at = EXCLUDED.requested_at
RETURNING d.cif
"""
# One asker at a time across the workflow workers (an arbitrary constant of this project).
_ASK_LOCK = 0x43524D_52454443


async def ask_again(
    conn: asyncpg.Connection, version: datetime, limit: int, now: datetime, lost_before: datetime
) -> list[str] | None:
    """Mark up to `limit` open customers decided before `version` as asked to be decided
    again, and return them; None when another worker is at it.

    Call inside a transaction and send the commands before it commits: a failed send rolls
    the marks back, so the next run asks again.
    """
    if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", _ASK_LOCK):
        return None
    rows = await conn.fetch(_ASK_AGAIN, version, limit, now, lost_before)
    return [r["cif"] for r in rows]


# Teams with an active agent below capacity.
_TEAMS_WITH_SEATS = """
SELECT DISTINCT a.team_code FROM agents.agent a
WHERE a.status = 'ACTIVE' AND a.capacity > (
  SELECT count(*) FROM workflow.customer_agent ca WHERE ca.agent_id = a.id AND ca.ended_at IS NULL
)
"""
# Customers of those teams with an open case whom nobody works, or whom the strategy left
# with another team's agent while this one was full; most urgent first.
_UNWORKED = f"""
SELECT t.cif, t.segment_code, t.strategy_code, t.arm, t.team_code, t.priority, t.channels,
       t.cadence_days, t.bucket
FROM workflow.customer_treatment t
JOIN workflow.customer_case c ON c.cif = t.cif AND c.status = 'OPEN'
WHERE t.team_code = ANY($2::text[]) AND NOT EXISTS (
  SELECT 1 FROM workflow.customer_agent ca
  WHERE ca.cif = t.cif AND ca.ended_at IS NULL
    -- A supervisor's choice stands; the strategy's own placement follows the treatment.
    AND (ca.assigned_by <> '{STRATEGY_USER}' OR ca.team_code = t.team_code)
)
ORDER BY t.priority DESC, c.priority DESC, c.max_dpd DESC
LIMIT $1
"""
# One filler at a time across the workflow workers (an arbitrary constant of this project).
_FILL_LOCK = 0x43524D_46494C4C


async def fill(pool: asyncpg.Pool, limit: int, now: datetime, publish: Publish) -> Placed:
    """Deal out up to `limit` customers who waited for a free agent of their team."""
    async with pool.acquire() as conn, conn.transaction():
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", _FILL_LOCK):
            return Placed(0, 0)
        # Only teams with a free seat: customers of a full team would otherwise head the
        # list on every run and keep the others waiting.
        teams = [r["team_code"] for r in await conn.fetch(_TEAMS_WITH_SEATS)]
        rows = await conn.fetch(_UNWORKED, limit, teams) if teams else []
        if not rows:
            return Placed(0, 0)
        treated = [
            (
                Treatment(
                    r["cif"],
                    r["segment_code"],
                    Strategy(
                        r["strategy_code"],
                        r["team_code"],
                        r["priority"],
                        tuple(r["channels"]),
                        r["cadence_days"],
                    ),
                    Arm(r["arm"]),
                ),
                r["bucket"],
            )
            for r in rows
        ]
        return await _deal(conn, treated, now, publish)
