"""The initial load: source databases → Debezium → Kafka → sync workers → PostgreSQL.

Two measurements, each against raw COPY + upsert measured earlier in the same run:
- the whole path (initial_load): the sources filled with the connectors paused, entity
  changes per second from their resume until every table's checksum matches
  (simulators.checksums), and how fast Debezium put the rows on Kafka meanwhile;
- the path's first half alone, on a load of its own (debezium_alone): Debezium carrying the
  rows onto Kafka with sync stopped. The whole path cannot be faster than that; and as the
  whole path's note shows, its rows are on Kafka long before sync has taken them in.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from dataclasses import dataclass

import asyncpg

from bench.connectors import paused
from bench.lag import end_offsets
from bench.report import Result
from bench.sync_workers import start_worker0, stop_worker0
from crm.settings import Settings
from simulators.checksums import crm_side, source_side
from simulators.generator import bank_today
from simulators.keys import CHURN_FIRST_INDEX, IndexRange
from simulators.loader import KeysTaken, populate
from streams.sync_lag import consumer_lag
from streams.topics import CDC_TOPICS, SYNC_CHANGES

# Checksums unchanged this long with nothing left to read: a change was lost.
STUCK_SECONDS = 60.0
# The change topics, as source tables are named ("t24.FBNK_CUSTOMER" → cdc.t24.FBNK_CUSTOMER).
CAPTURED = frozenset(t.name for t in CDC_TOPICS)
# Between looks at a load's progress; each costs a few broker round trips.
POLL_SECONDS = 1.0
# Debezium alone puts tens of thousands of rows a second on Kafka: minutes mean it is stuck.
CAPTURE_DEADLINE_SECONDS = 600.0
# Past every range the tests use (100M..900M from the bottom): the benchmark's own.
BENCH_BASE = 800_000_000
# Ranges drawn before giving up: every run leaves its customers behind, and a large load's
# range often overlaps an earlier run's.
RANGE_ATTEMPTS = 50


@dataclass(frozen=True)
class Converged:
    """When a load was all in the CRM, checked, and when Debezium had put it all on Kafka."""

    at: float
    source: dict[str, tuple[int, str]]
    captured_at: float | None


async def _wait_converged(
    settings: Settings, scope: IndexRange, label: str, cdc_target: int | None = None
) -> Converged:
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
    source's checksums too, and, given the change topics' total end offset once every source
    row is on them, the first poll that saw it reached.
    """
    cdc_topics = [settings.topic(t.name) for t in CDC_TOPICS]
    captured_at: float | None = None
    pool = await asyncpg.create_pool(settings.asyncpg_dsn(), min_size=1, max_size=2)
    try:
        source: dict[str, tuple[int, str]] | None = None
        checked_at: float | None = None  # when a check found the copy incomplete
        differ: dict[str, tuple[int, int]] = {}
        before, before_at = None, time.perf_counter()
        while True:
            behind = await _behind(settings)
            now = time.perf_counter()
            if cdc_target is not None and captured_at is None:
                if await end_offsets(settings, cdc_topics) >= cdc_target:
                    captured_at = now
            if behind:
                checked_at = None
            elif checked_at is None:
                source = source or source_side(settings, scope)
                crm = await crm_side(pool, scope)
                if crm == source:
                    return Converged(now, source, captured_at)
                checked_at = now
                differ = {k: (source[k][0], crm[k][0]) for k in source if source[k] != crm[k]}
            elif now - checked_at > STUCK_SECONDS:
                raise RuntimeError(
                    f"sync read everything but tables differ (source, crm): {differ}"
                )
            trend = "" if before is None else f", {(behind - before) / (now - before_at):+,.0f}/s"
            print(f"  {label}: {behind:,} changes not yet through sync{trend}", file=sys.stderr)
            before, before_at = behind, now
            await asyncio.sleep(POLL_SECONDS)
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


@dataclass(frozen=True)
class Filled:
    """Customers written to the sources while the connectors were paused."""

    scope: IndexRange
    rows: int  # every source row written
    captured: int  # those on tables Debezium captures (LOS applications are not)
    # The change topics' total end offset once all captured rows are on them; nothing else
    # writes the sources during a load step (the churn runs later).
    target: int
    seconds: float  # the generator's time
    began: float  # perf_counter() at the generator's start
    resumed: float  # perf_counter() as the connectors were told to resume


def _fill_paused(settings: Settings, customers: int) -> Filled:
    """Fill a fresh range with the connectors paused; resume them (the clock starts) after."""
    began = time.perf_counter()
    with paused(settings) as resume:
        scope, written = _load_fresh_range(settings, customers)
        loaded = time.perf_counter()
        captured = sum(n for table, n in written.items() if f"cdc.{table}" in CAPTURED)
        target = asyncio.run(end_offsets(settings, _cdc_topics(settings))) + captured
        resumed = time.perf_counter()
        resume()
    rows = sum(written.values())
    return Filled(scope, rows, captured, target, loaded - began, began, resumed)


def _cdc_topics(settings: Settings) -> list[str]:
    return [settings.topic(t.name) for t in CDC_TOPICS]


def _upsert_limit(upsert_rate: float | None) -> tuple[float | None, str]:
    return upsert_rate, "COPY+upsert" if upsert_rate else ""


def initial_load(settings: Settings, customers: int, upsert_rate: float | None) -> list[Result]:
    """Fill the sources with the connectors paused, then time the path from their resume.

    Counted from the generator's first COPY instead, the generator's own core (and its
    minutes at a million customers) would be in the CRM's rate; that figure is in the note.
    """
    filled = _fill_paused(settings, customers)
    done = asyncio.run(_wait_converged(settings, filled.scope, "initial load", filled.target))
    entities = sum(count for count, _ in done.source.values())
    elapsed = done.at - filled.resumed
    note = (
        f"{customers:,} customers, {filled.rows:,} source rows, {entities:,} entities"
        f" checksummed; generated in {filled.seconds:.0f}s with the connectors paused, all in"
        f" sync {elapsed:.0f}s after their resume ({entities / (done.at - filled.began):,.0f}/s"
        " counted from the generator's first COPY)"
    )
    results = [
        Result(
            "sync initial load, end to end (2 workers)",
            entities / elapsed,
            "entities/s",
            *_upsert_limit(upsert_rate),
            note,
        )
    ]
    if done.captured_at is not None:
        took = done.captured_at - filled.resumed
        results.append(
            Result(
                "sync initial load, Debezium's part: source rows onto Kafka",
                filled.captured / took,
                "rows/s",
                *_upsert_limit(upsert_rate),
                f"all {filled.captured:,} captured rows on Kafka {took:.0f}s after the resume,"
                " sync reading meanwhile",
            )
        )
    return results


async def _until_captured(settings: Settings, target: int) -> float:
    """Poll the change topics until their end offsets reach target; return when they did."""
    topics = _cdc_topics(settings)
    deadline = time.perf_counter() + CAPTURE_DEADLINE_SECONDS
    while (written := await end_offsets(settings, topics)) < target:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"Debezium still {target - written:,} rows short after the deadline")
        print(f"  Debezium alone: {target - written:,} rows not yet on Kafka", file=sys.stderr)
        await asyncio.sleep(POLL_SECONDS / 4)
    return time.perf_counter()


def debezium_alone(
    settings: Settings, customers: int, upsert_rate: float | None
) -> tuple[Result, IndexRange]:
    """The path's first half alone: Debezium carrying a load onto Kafka, nobody reading.

    Stops the runtime's sync worker and leaves it stopped: catch_up starts it again and
    takes this load in. Returns the load's customers too.
    """
    stop_worker0(settings)
    filled = _fill_paused(settings, customers)
    took = asyncio.run(_until_captured(settings, filled.target)) - filled.resumed
    result = Result(
        "Debezium alone: source rows onto Kafka",
        filled.captured / took,
        "rows/s",
        *_upsert_limit(upsert_rate),
        f"{filled.captured:,} captured rows of {customers:,} customers in {took:.1f}s,"
        " sync stopped",
    )
    return result, filled.scope


def catch_up(settings: Settings, scope: IndexRange) -> None:
    """Start the runtime's sync worker again and wait until debezium_alone's load is in.

    Not a measurement: workers that join a group may first restore their tables from the
    changelog topics (a worker given partitions it did not hold before: a minute and more
    at a million customers), and that would be in the rate.
    """
    start_worker0(settings)
    asyncio.run(_wait_converged(settings, scope, "sync catching up"))
