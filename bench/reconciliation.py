"""Reconciliation of one day of 100,000 payments against 100,000 bank transactions.

Measured next to its reference from the same run: the raw COPY of the same CRM payments
into payments.payment. Steps: COPY the CRM payments (the reference), load the bank's side as
a statement (COPY into a temporary table + one upsert), then the one reconciliation
statement. A few hundred of each discrepancy are planted, and the report must find exactly
them. Every row carries a distinctive reference prefix and is deleted afterwards.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import asyncpg

from bench.report import Result, rate
from crm.settings import Settings
from domain.statement import BankTransaction, ReconciliationRequest, Statement
from persistence import reconciliation as store
from persistence.db import create_pool

PREFIX = "BENCHRC"
# Discrepancies planted per kind.
PLANTED = 300
PAYMENT_COLUMNS = (
    "reference_number",
    "loan_account_number",
    "amount",
    "currency",
    "paid_at",
    "channel",
    "source",
    "kind",
    "status",
    "content_hash",
    "received_at",
)
CRM_ONLY, AMOUNT_OFF, DATE_OFF = range(3)


def _sides(
    prefix: str, count: int, start: datetime
) -> tuple[list[tuple[object, ...]], list[BankTransaction]]:
    """CRM payment rows and bank transactions of one day, with planted discrepancies."""
    rnd = random.Random(7)
    crm: list[tuple[object, ...]] = []
    bank: list[BankTransaction] = []
    for n in range(count):
        ref, account = f"{prefix}{n:07d}", f"LD{n % 40_000:08d}"
        amount = Decimal(rnd.randrange(100_000, 50_000_000, 1000))
        paid_at = start + timedelta(seconds=rnd.randrange(86_400))
        crm.append(
            (ref, account, amount, "VND", paid_at, "BRANCH", "BENCH", "PAYMENT", "RECEIVED",
             "h", paid_at)
        )  # fmt: skip
        planted = n // PLANTED if n < 3 * PLANTED else None
        if planted == CRM_ONLY:
            # The bank has another transaction instead: missing in the CRM.
            ref, account = f"{prefix}X{n:06d}", f"LDX{n:07d}"
        elif planted == AMOUNT_OFF:
            amount += 1000
        elif planted == DATE_OFF:
            paid_at += timedelta(days=3)
        bank.append(BankTransaction(ref, account, amount, "VND", paid_at))
    return crm, bank


async def _cleanup(pool: asyncpg.Pool, prefix: str, runs: list[int]) -> None:
    like = f"{prefix}%"
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "DELETE FROM reconciliation.reconciliation_issue"
            " WHERE reference_number LIKE $1 OR run_id = ANY($2::bigint[])",
            like,
            runs,
        )
        await conn.execute(
            "DELETE FROM reconciliation.reconciliation_run WHERE id = ANY($1::bigint[])", runs
        )
        await conn.execute(
            "DELETE FROM reconciliation.bank_transaction WHERE reference_number LIKE $1", like
        )
        await conn.execute("DELETE FROM payments.payment WHERE reference_number LIKE $1", like)


def _check(report: store.RunReport, count: int) -> None:
    counts = {kind: entry["count"] for kind, entry in report.totals.items()}
    expected = {
        "MATCHED": count - 3 * PLANTED,
        "MISSING_IN_BANK": PLANTED,
        "MISSING_IN_CRM": PLANTED,
        "AMOUNT_MISMATCH": PLANTED,
        "DATE_MISMATCH": PLANTED,
    }
    if counts != expected:
        raise RuntimeError(f"reconciliation found {counts}, planted {expected}")


async def _run(settings: Settings, count: int) -> list[Result]:
    zone = ZoneInfo(settings.bank_timezone)
    # A day far ahead that no other data uses, so the report holds exactly the planted rows.
    day = date(2060, 1, 1) + timedelta(days=random.randrange(3_000))
    request = ReconciliationRequest(day, day, tolerance_days=1)
    bounds = request.bounds(zone)
    prefix = f"{PREFIX}{uuid.uuid4().hex[:6].upper()}-"
    crm, bank = _sides(prefix, count, bounds[0])
    statement = Statement(statement_id=f"bench-{prefix}", transactions=tuple(bank))
    pool = await create_pool(settings, max_size=2, application_name="bench-reconciliation")
    runs: list[int] = []
    try:
        started = time.perf_counter()
        await pool.copy_records_to_table(
            "payment", schema_name="payments", records=crm, columns=PAYMENT_COLUMNS
        )
        copy_s = time.perf_counter() - started
        print(f"  COPY {count:,} CRM payments: {copy_s:.2f}s", file=sys.stderr)

        started = time.perf_counter()
        await store.load_statement(pool, statement, datetime.now(UTC), source="BENCH")
        load_s = time.perf_counter() - started
        print(f"  statement load of {count:,} bank rows: {load_s:.2f}s", file=sys.stderr)

        started = time.perf_counter()
        report = await store.reconcile(
            pool,
            request,
            bank_zone=settings.bank_timezone,
            started_by="bench",
            now=datetime.now(UTC),
        )
        reconcile_s = time.perf_counter() - started
        runs.append(report.run_id)
        print(f"  reconciliation: {reconcile_s:.2f}s", file=sys.stderr)
        _check(report, count)
    finally:
        await _cleanup(pool, prefix, runs)
        await pool.close()

    copy_rate = rate(count, copy_s)
    reference = f"raw COPY of the same {count:,} payments, this run"
    return [
        Result(f"PostgreSQL COPY of {count:,} payments (reference)", copy_s, "s"),
        Result(
            "reconciliation statement (CRM + bank rows of one day)",
            reconcile_s,
            "s",
            limit=copy_s,
            limit_source=f"COPY time of the same {count:,} payments; ratio: times it",
            note=f"{report.new_issues} issues opened",
        ),
        Result(
            "reconciliation rate (payments compared)",
            rate(count, reconcile_s),
            "rows/s",
            limit=copy_rate,
            limit_source=reference,
        ),
        Result(
            "statement load (COPY temp + one upsert)",
            rate(count, load_s),
            "rows/s",
            limit=copy_rate,
            limit_source=reference,
        ),
    ]


def reconciliation_costs(settings: Settings, count: int = 100_000) -> list[Result]:
    """Time the reconciliation of one day of `count` payments, and its COPY reference."""
    return asyncio.run(_run(settings, count))
