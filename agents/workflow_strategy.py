"""The strategy at work: cases that open or change bucket get a treatment and an agent.

The customer's worker calls `Placer.place` after it has written a batch of cases, so a newly
delinquent customer is in a queue as soon as their case is. A customer is (re)decided when
their case opens, when its bucket differs from the one their treatment was decided for, or
when they have none; other changes (figures within the bucket, a broken promise) leave them
where they are, so a supervisor's hand assignment is not undone by every payment.

Customers whose team had no free seat wait; `fill_queues` deals them out every little while,
from whichever worker gets there first (an advisory lock keeps it to one at a time).

After a segment or strategy changes, the same timer asks the workers (a STRATEGY_CHANGED
command per customer) to decide again every open customer decided with the older book; the
customer's own worker does it, so it never races that customer's loan updates.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg

from domain.ask_schedule import AskSchedule
from domain.cases import BROKEN_PROMISE_MEMORY, Case
from domain.strategy import Book, Facts
from persistence import placement
from persistence.retry import retrying
from persistence.snapshot_cache import SnapshotCache
from persistence.strategies import book_version, load_book
from streams.app import CrmApp
from streams.commands import COMMAND_HEADER
from streams.topics import WORKFLOW_COMMANDS
from streams.workflow_assignments import publish_changes
from streams.workflow_cases import STRATEGY_CHANGED_COMMAND

log = logging.getLogger(__name__)

# Customers asked to be decided again per filler run (one command each, every
# CRM_STRATEGY_FILL_SECONDS). The commands share workflow.commands with agents' actions: asking
# 51,000 at once held actions behind them for minutes. 2,000 a run (30 s) is 100,000 open
# customers in 25 minutes, a trickle the workers interleave with the day's work.
_ASK_PER_RUN = 2000
# A customer asked but still not decided after this long is asked again. Only a safety net:
# the commands are durable, and a crashed worker's partitions go to another worker.
_ASKED_AND_LOST = timedelta(minutes=10)
# Added to the book cache's lifetime before a look that finds nobody settles a version: a
# placement that began with the older cached book, and the worker's clock against
# PostgreSQL's (the version is PostgreSQL's time).
_CLOCKS_AND_STRAGGLERS = timedelta(minutes=1)
# The command names no more than its key (the CIF) says: decide this customer again.
_STRATEGY_CHANGED_HEADERS: list[tuple[str, str | bytes | None]] = [
    (COMMAND_HEADER, STRATEGY_CHANGED_COMMAND.encode())
]

# Flags a segment can ask for that the workflow service derives itself; the case's customer
# status (a code of the customer status dictionary) is one more.
MULTIPLE_LOANS = "MULTIPLE_LOANS"
BROKEN_PROMISE = "BROKEN_PROMISE"


# Per customer: the bucket their treatment was decided for, and their region (the province of
# their primary address, else of any address).
_KNOWN = """
SELECT c.cif, t.bucket,
       (SELECT a.region FROM workflow.customer_address a
         WHERE a.cif = c.cif AND a.region IS NOT NULL
         ORDER BY a.is_primary DESC, a.address_type LIMIT 1) AS region
FROM unnest($1::text[]) AS c(cif)
LEFT JOIN workflow.customer_treatment t ON t.cif = c.cif
"""


def facts_of(case: Case, now: datetime, region: str | None = None) -> Facts:
    flags = set()
    if len(case.loans) > 1:
        flags.add(MULTIPLE_LOANS)
    if any(now - at <= BROKEN_PROMISE_MEMORY for at in case.broken_promises):
        flags.add(BROKEN_PROMISE)
    if case.customer_status is not None:
        # The customer status staff set (DISPUTE, BANKRUPT, DECEASED …) is a flag too.
        flags.add(case.customer_status)
    return Facts(
        cif=case.cif,
        bucket=case.bucket,
        products=tuple(sorted({loan.product for loan in case.past_due})),
        outstanding_vnd=case.totals("outstanding").get("VND", Decimal(0)),
        region=region,
        risk_flags=frozenset(flags),
    )


class Placer:
    def __init__(self, app: CrmApp) -> None:
        self._app = app
        self._book: SnapshotCache[Book] = SnapshotCache(
            self._load, app.settings.dictionary_cache_seconds
        )
        self._publish = publish_changes(app, placement.STRATEGY_USER)
        self._asking = AskSchedule(
            timedelta(seconds=app.settings.dictionary_cache_seconds) + _CLOCKS_AND_STRAGGLERS,
            _ASKED_AND_LOST,
        )

    async def _load(self) -> Book:
        pool = await self._app.db_pool()
        return await retrying(load_book, pool, what="strategies", pool=pool)

    async def place(self, cases: Sequence[tuple[Case, bool]], now: datetime) -> None:
        """Decide the treatment of open cases (flag: it just opened) that need it."""
        book = await self._book.get()
        if not book.segments or not cases:
            return
        pool = await self._app.db_pool()
        rows = await retrying(
            pool.fetch, _KNOWN, [case.cif for case, _ in cases], what="strategy facts", pool=pool
        )
        decided_bucket = {r["cif"]: r["bucket"] for r in rows}
        region = {r["cif"]: r["region"] for r in rows}
        decided = [
            (case.cif, case.bucket, book.treat(facts_of(case, now, region.get(case.cif))))
            for case, opened in cases
            if opened or decided_bucket.get(case.cif) != case.bucket
        ]
        if decided:
            # An outage is waited out, as the sinks do: the worker must not die of one, and
            # placing again after a failed attempt decides the same.
            placed = await retrying(
                placement.place,
                pool,
                decided,
                now,
                self._publish,
                book.version,
                what="placement",
                pool=pool,
            )
            if placed.waiting:
                log.info("%d customers wait for a free agent of their team", placed.waiting)

    async def decide_again(self, cases: Sequence[Case], now: datetime) -> None:
        """Decide these open cases with the book as it is now (after a strategy change),
        whatever their bucket; a supervisor's hand assignment stands."""
        if not cases:
            return
        pool = await self._app.db_pool()
        # Straight from PostgreSQL, not the cache: the change that asked for this must be in.
        book = await retrying(load_book, pool, what="strategies", pool=pool)
        rows = await retrying(
            pool.fetch, _KNOWN, [case.cif for case in cases], what="strategy facts", pool=pool
        )
        region = {r["cif"]: r["region"] for r in rows}
        decided = [
            (case.cif, case.bucket, book.treat(facts_of(case, now, region.get(case.cif))))
            for case in cases
        ]
        await retrying(
            functools.partial(placement.place, keep_hand_assigned=True),
            pool,
            decided,
            now,
            self._publish,
            book.version,
            what="placement after a strategy change",
            pool=pool,
        )

    async def ask_again(self) -> int:
        """Ask the workers to decide again up to _ASK_PER_RUN open customers decided before
        the latest change of the segments or strategies; how many were asked."""
        pool = await self._app.db_pool()
        version = await retrying(book_version, pool, what="strategies' version", pool=pool)
        started = datetime.now(UTC)
        if version is None or not self._asking.due(version, started):
            return 0
        asked = await retrying(self._ask, pool, version, what="re-decide", pool=pool)
        self._asking.looked(version, started, asked)
        return asked or 0

    async def _ask(self, pool: asyncpg.Pool, version: datetime) -> int | None:
        """How many were asked; None when another worker was asking."""
        now = datetime.now(UTC)
        async with pool.acquire() as conn, conn.transaction():
            cifs = await placement.ask_again(
                conn, version, _ASK_PER_RUN, now, now - _ASKED_AND_LOST
            )
            if not cifs:
                return None if cifs is None else 0
            await self._app.publisher.publish(
                self._app.settings.topic(WORKFLOW_COMMANDS.name),
                [(cif.encode(), None, _STRATEGY_CHANGED_HEADERS) for cif in cifs],
            )
            return len(cifs)

    async def fill(self) -> placement.Placed:
        """Deal out customers who waited for a seat, a batch at a time."""
        pool = await self._app.db_pool()
        batch = self._app.settings.strategy_fill_batch
        total = placement.Placed(0, 0)
        while True:
            placed = await retrying(
                placement.fill,
                pool,
                batch,
                datetime.now(UTC),
                self._publish,
                what="queue filler",
                pool=pool,
            )
            total = placement.Placed(total.assigned + placed.assigned, placed.waiting)
            if placed.assigned < batch:
                return total


def fill_queues(app: CrmApp, placer: Placer) -> None:
    @app.timer(app.settings.strategy_fill_seconds)
    async def deal_out_waiting_customers() -> None:
        # A changed segment or strategy: the customers' own workers decide them again.
        asked = await placer.ask_again()
        if asked:
            log.info("asked for %d customers to be decided again after a strategy change", asked)
        placed = await placer.fill()
        if placed.assigned:
            log.info("dealt out %d waiting customers", placed.assigned)
