"""Sync end to end: source databases → Debezium → Kafka → sync workers → PostgreSQL.

Three measurements, each next to its reference from the same run:
- initial load: entity changes per second from the first source COPY until every table's
  checksum matches (simulators.checksums), against raw COPY + upsert on this machine;
- freshness under churn: source commit → row written (last_synced_at - source_ts) p50/p99
  for the changes made while the change simulator runs at the target rate;
- read latency of GET /api/customers/:cif and a name search at a steady request rate.
A second sync worker (worker index 1) runs beside the runtime's own for the whole step.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import aiohttp
import asyncpg

from bench.api import admin_token
from bench.lag import drained
from bench.report import Result
from crm.settings import Settings
from domain.text_fold import fold
from runtime import manager, processes
from runtime.priority import rank
from simulators.checksums import crm_side, source_side
from simulators.churn import churn
from simulators.generator import bank_today
from simulators.keys import CHURN_FIRST_INDEX, IndexRange
from simulators.loader import KeysTaken, populate
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
# Checksums unchanged this long with nothing left to read: a change was lost.
STUCK_SECONDS = 60.0
# The services downstream of sync, and what they take from it, waited for before the
# freshness step (a steady state), for at most DOWNSTREAM_SECONDS each.
DOWNSTREAM = (
    ("payments", (SYNC_LOAN, SYNC_DUE_SEGMENTATION, PAYMENTS_LOAN_SEGMENTS)),
    ("workflow", (SYNC_LOAN, SYNC_ADDRESS, WORKFLOW_COMMANDS)),
)
DOWNSTREAM_SECONDS = 600.0
# Reads at the measured rate before the measured ones, not counted.
WARM_UP_SECONDS = 2.0
# Past every range the tests use (100M..900M from the bottom): the benchmark's own.
BENCH_BASE = 800_000_000
# Ranges drawn before giving up: every run leaves its customers behind, and a large load's
# range often overlaps an earlier run's.
RANGE_ATTEMPTS = 50


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def second_worker(settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    """Run sync worker 1 next to the runtime's worker 0; stop it afterwards.

    In a session of its own and at sync's priority, as the runtime starts worker 0: Linux
    shares a busy machine's CPU per session first (runtime/priority.py), and in the bench's
    session worker 1 would share one session's part with the bench and its change simulator.
    """
    log = settings.log_dir / "bench-sync-1.log"
    env = {**os.environ, "CRM_WORKER_INDEX": "1"}
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crm", "worker", "sync"],
            env=env,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    rank(settings, "sync", proc.pid)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()


async def _wait_converged(
    settings: Settings, scope: IndexRange, label: str
) -> tuple[float, dict[str, tuple[int, str]]]:
    """Poll until sync has taken in the whole population; return when it had, checked.

    Checking the copy costs PostgreSQL: at a million customers the source's checksums took
    17 minutes of a core (xpath() over every T24 record), and even the CRM's row counts took
    about 5 s a poll, from the load being measured. So the load is watched through sync's
    consumer lag alone (Kafka offsets: the change topics and sync.changes; a batch's offsets
    are committed only after its rows are in PostgreSQL). When nothing is left to read, both
    sides are checksummed, and the time returned is the poll that first saw nothing left, if
    the checksums match. If they do not, a change may still be on its way to Kafka: polling
    goes on, and checks again once sync has read more. With nothing more to read for
    STUCK_SECONDS after a failed check, it fails naming the tables that differ. Returns the
    source's checksums too.
    """
    pool = await asyncpg.create_pool(settings.asyncpg_dsn(), min_size=1, max_size=2)
    try:
        source: dict[str, tuple[int, str]] | None = None
        checked_at: float | None = None  # when a check found the copy incomplete
        differ: dict[str, tuple[int, int]] = {}
        before, before_at = None, time.perf_counter()
        while True:
            behind = await _behind(settings)
            now = time.perf_counter()
            if behind:
                checked_at = None
            elif checked_at is None:
                source = source or source_side(settings, scope)
                crm = await crm_side(pool, scope)
                if crm == source:
                    return now, source
                checked_at = now
                differ = {k: (source[k][0], crm[k][0]) for k in source if source[k] != crm[k]}
            elif now - checked_at > STUCK_SECONDS:
                raise RuntimeError(
                    f"sync read everything but tables differ (source, crm): {differ}"
                )
            trend = "" if before is None else f", {(behind - before) / (now - before_at):+,.0f}/s"
            print(f"  {label}: {behind:,} changes not yet through sync{trend}", file=sys.stderr)
            before, before_at = behind, now
            await asyncio.sleep(2)
    finally:
        await pool.close()


async def _behind(settings: Settings) -> int:
    topics = [settings.topic(t.name) for t in (*CDC_TOPICS, SYNC_CHANGES)]
    lags = await consumer_lag(settings, topics)
    return sum(v or 0 for v in lags.values())


def _load_fresh_range(settings: Settings, customers: int) -> tuple[IndexRange, dict[str, int]]:
    """Generate `customers` into a range no earlier run used; earlier runs' rows stay."""
    pick = random.SystemRandom()
    for _ in range(RANGE_ATTEMPTS):
        start = BENCH_BASE + pick.randrange(0, 50_000) * 1000
        try:
            written = populate(
                settings, customers, seed=42, start=start, as_of=bank_today(settings.bank_timezone)
            )
        except KeysTaken:
            continue
        return IndexRange(start, min(start + customers, CHURN_FIRST_INDEX)), written
    raise RuntimeError(f"no free range of {customers:,} customers in {RANGE_ATTEMPTS} tries")


def initial_load(settings: Settings, customers: int, upsert_rate: float | None) -> list[Result]:
    began = time.perf_counter()
    scope, written = _load_fresh_range(settings, customers)
    loaded = time.perf_counter()
    done, source = asyncio.run(_wait_converged(settings, scope, "initial load"))
    entities = sum(count for count, _ in source.values())
    elapsed = done - began
    note = (
        f"{customers:,} customers, {sum(written.values()):,} source rows, {entities:,} entities"
        f" checksummed; source COPY took {loaded - began:.0f}s, all in sync after {elapsed:.0f}s"
    )
    return [
        Result(
            "sync initial load, end to end (2 workers)",
            entities / elapsed,
            "entities/s",
            upsert_rate,
            "COPY+upsert" if upsert_rate else "",
            note,
        )
    ]


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
    worker0 = manager.BY_NAME["sync"].pid(settings)
    results: list[Result] = []
    with second_worker(settings) as worker1:
        processes.wait_until(lambda: worker1.poll() is None, timeout=5, what="sync worker 1")
        results += initial_load(settings, customers, upsert_rate)
        memory = sum(_rss_mb(p) for p in (worker0, worker1.pid) if p is not None)
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
