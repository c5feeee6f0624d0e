"""Sync end to end: source databases → Debezium → Kafka → sync workers → PostgreSQL.

Measurements, each next to its reference from the same run:
- the initial load: Debezium alone, and the whole path (bench.sync_load);
- freshness under churn: source commit → row written (last_synced_at - source_ts) p50/p99
  for the changes made while the change simulator runs at the target rate;
- read latency of GET /api/customers/:cif and a name search at a steady request rate.
A second sync worker (worker index 1) runs beside the runtime's own for the whole step.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import quote

import aiohttp
import asyncpg

from bench.api import admin_token
from bench.lag import drained
from bench.report import Result
from bench.sync_load import catch_up, debezium_alone, initial_load
from bench.sync_workers import rss_mb, second_worker, start_worker0
from crm.settings import Settings
from domain.text_fold import fold
from runtime import manager, processes
from simulators.churn import churn
from simulators.pacing import SKIPPED
from streams.sync_lag import consumer_lag
from streams.topics import (
    CDC_TOPICS,
    PAYMENTS_LOAN_SEGMENTS,
    SYNC_ADDRESS,
    SYNC_CHANGES,
    SYNC_DUE_SEGMENTATION,
    SYNC_LOAN,
    WORKFLOW_COMMANDS,
)

# How long the freshness step waits for sync to take in the churn's last changes.
CATCH_UP_SECONDS = 300.0
# The services downstream of sync, and what they take from it, waited for before the
# freshness step (a steady state), for at most DOWNSTREAM_SECONDS each.
DOWNSTREAM = (
    ("payments", (SYNC_LOAN, SYNC_DUE_SEGMENTATION, PAYMENTS_LOAN_SEGMENTS)),
    ("workflow", (SYNC_LOAN, SYNC_ADDRESS, WORKFLOW_COMMANDS)),
)
DOWNSTREAM_SECONDS = 600.0
# Reads at the measured rate before the measured ones, not counted.
WARM_UP_SECONDS = 2.0


async def _caught_up(settings: Settings, deadline: float) -> bool:
    """Wait until the sync group has consumed every change (reads then measure reads only)."""
    topics = [settings.topic(t.name) for t in (*CDC_TOPICS, SYNC_CHANGES)]
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        lags = await consumer_lag(settings, topics)
        behind = sum(v or 0 for v in lags.values())
        if behind == 0:
            return True
        print(f"  waiting for sync to catch up: {behind:,} changes behind", file=sys.stderr)
        await asyncio.sleep(2)
    return False


async def _freshness(
    settings: Settings, since: datetime, until: datetime
) -> tuple[float, float, int]:
    conn = await asyncpg.connect(settings.asyncpg_dsn())
    try:
        parts = " UNION ALL ".join(
            f"SELECT extract(epoch FROM last_synced_at - source_ts) AS lag FROM sync_entities.{t}"
            " WHERE source_ts >= $1 AND source_ts < $2"
            for t in ("loan", "phone", "email", "reference_customer", "due_segmentation")
        )
        row = await conn.fetchrow(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag),"
            f" percentile_cont(0.99) WITHIN GROUP (ORDER BY lag), count(*) FROM ({parts}) AS l",
            since,
            until,
        )
        assert row is not None
        return float(row[0] or 0), float(row[1] or 0), int(row[2])
    finally:
        await conn.close()


async def _downstream_quiet(settings: Settings) -> bool:
    """Wait until the services fed by sync have taken in what it published; False if one
    had not within DOWNSTREAM_SECONDS."""
    try:
        for service, topics in DOWNSTREAM:
            for topic in topics:
                await drained(settings, service, topic.name, deadline_s=DOWNSTREAM_SECONDS)
    except TimeoutError:
        return False
    return True


def freshness(settings: Settings, rate: float, seconds: float) -> list[Result]:
    # Right after the initial load, the payments and workflow workers may still be taking in
    # its loans and cases: the step measures a steady state, without them. (In the two runs
    # of 1 Dec 2026 with this wait, both had already finished when it looked.)
    quiet = asyncio.run(_downstream_quiet(settings))
    since = datetime.now(UTC)
    done = churn(settings, rate, duration=seconds, seed=5)
    until = datetime.now(UTC)
    changes = sum(v for k, v in done.items() if k != SKIPPED)
    # Measure once every change has arrived: a row still on its way has no lag to measure
    # yet, and leaving it out would keep the slowest changes out of the percentiles.
    settled = asyncio.run(_caught_up(settings, deadline=CATCH_UP_SECONDS))
    p50, p99, rows = asyncio.run(_freshness(settings, since, until))
    note = f"churn asked {rate:.0f}/s, made {changes / seconds:,.0f}/s; {rows:,} rows measured"
    if not quiet:
        note += "; payments or workflow still behind with the load when the churn began"
    if not settled:
        note += f"; sync still behind after {CATCH_UP_SECONDS:.0f}s, its latest rows left out"
    return [
        Result("sync freshness p50 (commit → row written)", p50 * 1000, "ms", note=note),
        Result(
            "sync freshness p99 (commit → row written)",
            p99 * 1000,
            "ms",
            limit=2000,
            limit_source="goal",
            note=note,
        ),
    ]


async def open_loop_latencies(
    api: str, token: str, paths: list[str], rate: float, seconds: float
) -> list[float]:
    """Open-loop: start a request every 1/rate s whatever the previous ones do."""
    out: list[float] = []
    headers = {"Authorization": f"Bearer {token}"}

    async def one(session: aiohttp.ClientSession, path: str) -> None:
        started = time.perf_counter()
        async with session.get(api + path, headers=headers) as resp:
            await resp.read()
            if resp.status == 200:
                out.append(time.perf_counter() - started)

    async with aiohttp.ClientSession() as session:
        tasks = []
        begin = time.perf_counter()
        for i in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, begin + i / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one(session, paths[i % len(paths)])))
        await asyncio.gather(*tasks)
    return sorted(out)


def read_latency(settings: Settings, password: str, rate: float, seconds: float) -> list[Result]:
    api = f"http://127.0.0.1:{settings.nginx_port}"

    async def run() -> list[Result]:
        pool = await asyncpg.create_pool(settings.asyncpg_dsn(), min_size=1, max_size=2)
        try:
            sample = await pool.fetch(
                "SELECT cif, name FROM sync_entities.customer WHERE NOT is_deleted"
                " ORDER BY random() LIMIT 500"
            )
            cifs = [r["cif"] for r in sample]
            # An agent looks a person up by full name, typed without accents.
            names = [quote(fold(r["name"])) for r in sample]
            total = await pool.fetchval("SELECT count(*) FROM sync_entities.customer")
        finally:
            await pool.close()
        token = await admin_token(api, password)
        results = []
        for label, paths in (
            ("GET /api/customers/:cif", [f"/api/customers/{c}" for c in cifs]),
            ("GET /api/customers?q=<full name>", [f"/api/customers?q={n}&limit=20" for n in names]),
        ):
            # Steady state: the client's first connections to nginx and the first plans of
            # fresh database sessions are paid in a warm-up at the same rate, not counted.
            await open_loop_latencies(api, token, paths, rate, WARM_UP_SECONDS)
            got = await open_loop_latencies(api, token, paths, rate, seconds)
            note = (
                f"{rate:.0f} req/s for {seconds:.0f}s after {WARM_UP_SECONDS:.0f}s of warm-up,"
                f" {len(got)} ok, {total:,} customers"
            )
            for q in (0.5, 0.99):
                value = got[min(len(got) - 1, int(q * len(got)))] * 1000 if got else float("nan")
                results.append(
                    Result(
                        f"{label} p{int(q * 100)}",
                        value,
                        "ms",
                        limit=50 if q == 0.99 else None,
                        limit_source="goal" if q == 0.99 else "",
                        note=note,
                    )
                )
        return results

    return asyncio.run(run())


def sync_costs(
    settings: Settings,
    customers: int,
    upsert_rate: float | None,
    churn_rate: float,
    churn_seconds: float,
    admin_password: str,
) -> list[Result]:
    assert manager.up(settings, only=None) == 0, "the whole system must be up"
    try:
        debezium, scope = debezium_alone(settings, customers, upsert_rate)
    except BaseException:
        start_worker0(settings)  # stopped by debezium_alone: leave the system as found
        raise
    with second_worker(settings) as worker1:
        processes.wait_until(lambda: worker1.poll() is None, timeout=5, what="sync worker 1")
        catch_up(settings, scope)
        results = [debezium]
        # The same two workers, started afresh above and caught up, carry the whole path.
        worker0 = manager.BY_NAME["sync"].pid(settings)
        results += initial_load(settings, customers, upsert_rate)
        memory = sum(rss_mb(p) for p in (worker0, worker1.pid) if p is not None)
        results.append(Result("sync workers' memory after the load (2 workers)", memory, "MB"))
        results += freshness(settings, churn_rate, churn_seconds)
        settled = asyncio.run(_caught_up(settings, deadline=300))
    results += read_latency(settings, admin_password, 200, 10)
    if not settled:
        results = [
            replace(r, note=r.note + "; sync still behind") if "GET" in r.name else r
            for r in results
        ]
    return results
