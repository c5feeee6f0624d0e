"""Workflow: actions decided per second end to end, and the agent's queue latency.

Seeds `cases` open cases spread over `agents` agents straight into the workflow tables (as the
workflow service would hold them after the loans arrived), one queue's worth of them for the
demo agent `agent1`, runs the two measurements through nginx, and removes what it seeded.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg

from bench.api import admin_token, user_token
from bench.lag import drained
from bench.report import Result
from bench.sync import open_loop_latencies
from bench.wrk import WrkRun, http_request, replay
from crm.settings import Settings
from domain.cases import bucket_of
from persistence.db import create_pool
from persistence.work_queue import agent_queue
from runtime import manager
from streams.topics import WORKFLOW_COMMANDS

TEAM = "BENCH"
# Actions prepared per second of the run: above the goal, so each is sent once.
PREPARED_PER_SECOND = 2_000
PREFIX = "BW"


def _cif(i: int) -> str:
    return f"{PREFIX}{i:08d}"


@asynccontextmanager
async def seeded(
    settings: Settings, cases: int, agents: int, queue_agent_user: str
) -> AsyncIterator[str]:
    """Seed agents, open cases and assignments; yield the queue agent's id; clean up."""
    # The project's pool: its jsonb codec lets the seed COPY dicts as the sinks do.
    pool = await create_pool(settings, max_size=2, application_name="crm-bench")
    now = datetime.now(UTC)
    try:
        await _clean(pool)
        queue_agent = await pool.fetchval(
            "SELECT id FROM agents.agent WHERE user_id = $1", queue_agent_user
        )
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO agents.team (code, name) VALUES ($1, 'Benchmark team')", TEAM
            )
            users = [(f"bench-u{i}", f"bench-u{i}", now) for i in range(agents)]
            await conn.copy_records_to_table(
                "directory_user",
                schema_name="agents",
                records=users,
                columns=["user_id", "username", "seen_at"],
            )
            await conn.copy_records_to_table(
                "agent",
                schema_name="agents",
                records=[
                    (
                        f"AG-{TEAM}-{i}",
                        u[0],
                        f"E-{TEAM}-{i}",
                        u[0],
                        TEAM,
                        "CALL_CENTER",
                        "ACTIVE",
                        100,
                    )
                    for i, u in enumerate(users)
                ],
                columns=[
                    "id",
                    "user_id",
                    "employee_id",
                    "display_name",
                    "team_code",
                    "agent_type",
                    "status",
                    "capacity",
                ],
            )
            holders = [f"AG-{TEAM}-{i}" for i in range(agents)]
            per_agent = max(1, cases // agents)
            if queue_agent is not None:
                # The demo agent gets one agent's share: the queue measured is a real one.
                holders[0] = str(queue_agent)
            rng = random.Random(7)
            await conn.copy_records_to_table(
                "customer_case",
                schema_name="workflow",
                records=[
                    (
                        _cif(i),
                        "OPEN",
                        dpd,
                        bucket_of(dpd),
                        10 + dpd // 30,
                        {"VND": "1000000.00"},
                        {"VND": "100000.00"},
                        1_000_000,
                        {},
                        now,
                        None,
                        1,
                        now,
                    )
                    for i in range(cases)
                    for dpd in [rng.randint(1, 180)]
                ],
                columns=[
                    "cif",
                    "status",
                    "max_dpd",
                    "bucket",
                    "priority",
                    "outstanding",
                    "due_amount",
                    "outstanding_vnd",
                    "loans",
                    "opened_at",
                    "closed_at",
                    "version",
                    "updated_at",
                ],
            )
            await conn.copy_records_to_table(
                "customer_agent",
                schema_name="workflow",
                records=[
                    (_cif(i), holders[min(i // per_agent, agents - 1)], TEAM, now, "bench", "bench")
                    for i in range(cases)
                ],
                columns=["cif", "agent_id", "team_code", "assigned_at", "assigned_by", "reason"],
            )
            # Decided with today's segments and strategies, as the workers would have: the
            # queue filler must not re-decide 100,000 customers in the middle of a run.
            await conn.copy_records_to_table(
                "strategy_decision",
                schema_name="workflow",
                records=[(_cif(i), now, now) for i in range(cases)],
                columns=["cif", "book_version", "decided_at"],
            )
        # A live database's statistics follow its data (autovacuum); seeded in one go, they
        # are refreshed here, or the planner works from the tables as they were before.
        await pool.execute(
            "ANALYZE agents.directory_user, agents.agent, workflow.customer_case,"
            " workflow.customer_agent"
        )
        print(f"  seeded {cases:,} open cases over {agents:,} agents", file=sys.stderr)
        yield str(queue_agent) if queue_agent is not None else ""
    finally:
        await _clean(pool)
        await pool.close()


async def _clean(pool: asyncpg.Pool) -> None:
    like = f"{PREFIX}%"
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "DELETE FROM actions.action_result x USING actions.action_record r"
            " WHERE x.action_id = r.id AND r.cif LIKE $1",
            like,
        )
        await conn.execute("DELETE FROM actions.action_record WHERE cif LIKE $1", like)
        await conn.execute("DELETE FROM workflow.customer_agent WHERE cif LIKE $1", like)
        await conn.execute("DELETE FROM workflow.strategy_decision WHERE cif LIKE $1", like)
        await conn.execute("DELETE FROM workflow.customer_case WHERE cif LIKE $1", like)
        await conn.execute("DELETE FROM agents.agent WHERE team_code = $1", TEAM)
        await conn.execute("DELETE FROM agents.team WHERE code = $1", TEAM)
        await conn.execute("DELETE FROM agents.directory_user WHERE user_id LIKE 'bench-u%'")


def _in_hours(settings: Settings) -> datetime:
    """A recent moment early in contact hours (the rules must not refuse for the hour)."""
    zone = ZoneInfo(settings.bank_timezone)
    now = datetime.now(zone)
    if now.time() >= clock(8, 0):
        return datetime.combine(now.date(), clock(7, 30), zone)
    return datetime.combine(now.date() - timedelta(days=1), clock(20, 0), zone)


def _record_actions(
    api: str, token: str, cases: int, seconds: float, clients: int, at: datetime
) -> WrkRun:
    """wrk sends prepared actions, each a new action id on a random case, for `seconds`."""
    # Other customers every run. With one seed every run acted on the same customers in the
    # same order, and the worker remembers a customer's decisions for two days: after a day
    # of runs their contact state carried a median of 37 decisions (7 KB, read and written
    # per action), which a bank's customer, a few actions a day, never does.
    rng = random.Random()

    def action(host: str, _n: int) -> bytes:
        body = {
            # New ids every run: the worker remembers decided ids for days and answers a
            # repeat with the first decision, read back from the database.
            "actionId": str(uuid.uuid4()),
            "cif": _cif(rng.randrange(cases)),
            "actionType": "CALL",
            "subtype": "REMINDER_CALL",
            "result": "NO_ANSWER",
            "occurredAt": at.isoformat(),
        }
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        return http_request(host, "POST", "/api/actions", headers, json.dumps(body).encode())

    count = int(seconds * PREPARED_PER_SECOND)
    return replay(api, action, count, seconds, clients, "actions (saturating)")


async def _queue_size(api: str, token: str) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{api}/api/queues/me?all=true", headers={"Authorization": f"Bearer {token}"}
        ) as resp,
    ):
        return len((await resp.json())["items"])


async def _raw_queue_query(settings: Settings, user_id: str, runs: int) -> float:
    """Median time of the queue's SQL alone, from the same machine: the query's own floor."""
    pool = await create_pool(settings, max_size=1, application_name="crm-bench")
    policy = settings.contact_policy()
    try:
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            await agent_queue(pool, user_id, datetime.now(UTC), policy, everything=False)
            times.append(time.perf_counter() - started)
        return sorted(times)[len(times) // 2] * 1000
    finally:
        await pool.close()


def workflow_costs(
    settings: Settings,
    admin_password: str,
    agent_password: str,
    pgbench_tps: float | None,
    cases: int,
    agents: int,
    seconds: float,
    clients: int,
) -> list[Result]:
    assert manager.up(settings, only=None) == 0, "the whole system must be up"
    api = f"http://127.0.0.1:{settings.nginx_port}"

    async def run() -> list[Result]:
        admin = await admin_token(api, admin_password)
        agent_token, agent_user = await user_token(api, "agent1", agent_password)
        async with seeded(settings, cases, agents, agent_user) as queue_agent:
            run = await asyncio.to_thread(
                _record_actions, api, admin, cases, seconds, clients, _in_hours(settings)
            )
            # 201 recorded or 422 refused by a rule: both decided by the customer's worker.
            decided = run.answered(201, 422)
            late = run.answered(202)
            other = run.requests - decided - late
            results = [
                Result(
                    "actions decided end to end (POST /api/actions → 201/422)",
                    decided / run.seconds,
                    "/s",
                    limit=pgbench_tps,
                    limit_source="pgbench single-row inserts" if pgbench_tps else "",
                    note=(
                        f"wrk, {clients} connections for {run.seconds:.0f}s, {cases:,} open"
                        f" cases; {late} not decided in time, {other} other answers,"
                        f" {run.errors} without an answer,"
                        f" {max(0, run.requests - run.prepared)} repeated (replays of a"
                        f" decided id); p50 {run.p50_ms:.0f} ms,"
                        f" p99 {run.p99_ms:.0f} ms; goal ≥ 1,000/s"
                    ),
                )
            ]
            if not queue_agent:
                return results
            # The queue is measured on a quiet worker, not behind the actions' backlog.
            await drained(settings, "workflow", WORKFLOW_COMMANDS.name)
            got = await open_loop_latencies(api, agent_token, ["/api/queues/me"], 200, 10)
            raw = await _raw_queue_query(settings, agent_user, 50)
            # The demo agent may also hold customers from earlier test runs on this database.
            size = await _queue_size(api, agent_token)
            for q in (0.5, 0.99):
                value = got[min(len(got) - 1, int(q * len(got)))] * 1000 if got else float("nan")
                results.append(
                    Result(
                        f"GET /api/queues/me p{int(q * 100)}",
                        value,
                        "ms",
                        limit=raw if q == 0.5 else 100,
                        limit_source="its SQL alone, median" if q == 0.5 else "goal",
                        note=f"200 req/s for 10s, {len(got)} ok, {size} open cases in the queue",
                    )
                )
            return results

    return asyncio.run(run())
