"""Reconciliation SQL: load the bank's statement, compare in one statement, list and resolve."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from domain.statement import IssueKind, ReconciliationRequest, Resolution, Statement

STATEMENT_SOURCE = "STATEMENT"
# How far outside the range a counterpart is looked for: a payment on the last day that the
# bank books two days later is a DATE_MISMATCH, not a MISSING_IN_BANK.
LOOKAROUND = timedelta(days=7)
CLASSES = ("MATCHED", *(k.value for k in IssueKind))

_STAGING_COLUMNS = ("reference_number", "loan_account_number", "amount", "currency", "booked_at")

_UPSERT_STATEMENT = """
INSERT INTO reconciliation.bank_transaction AS t
    (reference_number, loan_account_number, amount, currency, booked_at, source, statement_id,
     loaded_at)
SELECT reference_number, loan_account_number, amount, currency, booked_at, $1, $2, $3
FROM statement_staging
ON CONFLICT (source, reference_number) DO UPDATE SET
    loan_account_number = EXCLUDED.loan_account_number, amount = EXCLUDED.amount,
    currency = EXCLUDED.currency, booked_at = EXCLUDED.booked_at,
    statement_id = EXCLUDED.statement_id, loaded_at = EXCLUDED.loaded_at
-- The same line loaded again changes nothing: a re-upload is a no-op.
WHERE (t.loan_account_number, t.amount, t.currency, t.booked_at)
    IS DISTINCT FROM (EXCLUDED.loan_account_number, EXCLUDED.amount, EXCLUDED.currency,
                      EXCLUDED.booked_at)
"""

# $1 range start, $2 range end (timestamptz, end exclusive), $3 look-around, $4 bank time zone,
# $5 tolerance in days, $6 start date, $7 end date, $8 started by, $9 started at, $10 classes.
_RECONCILE = """
WITH crm AS (
    SELECT reference_number, loan_account_number, amount, currency, paid_at
    FROM payments.payment
    -- A reversed payment counts as not paid; a FAILED one (e.g. wrong currency) was refused.
    WHERE kind = 'PAYMENT' AND status NOT IN ('REVERSED', 'FAILED')
      AND paid_at >= $1::timestamptz - $3::interval AND paid_at < $2::timestamptz + $3::interval
), bank AS (
    -- One row per reference even if two sources (statement, API) both carry it.
    SELECT DISTINCT ON (reference_number)
        reference_number, loan_account_number, amount, currency, booked_at
    FROM reconciliation.bank_transaction
    WHERE booked_at >= $1::timestamptz - $3::interval AND booked_at < $2::timestamptz + $3::interval
    ORDER BY reference_number, loaded_at DESC, id DESC
), compared AS (
    SELECT
        coalesce(c.reference_number, b.reference_number) AS reference_number,
        coalesce(c.loan_account_number, b.loan_account_number) AS loan_account_number,
        c.amount AS crm_amount, c.currency AS crm_currency, c.paid_at AS crm_paid_at,
        b.amount AS bank_amount, b.currency AS bank_currency, b.booked_at AS bank_booked_at,
        CASE
            WHEN b.reference_number IS NULL THEN 'MISSING_IN_BANK'
            WHEN c.reference_number IS NULL THEN 'MISSING_IN_CRM'
            WHEN (c.amount, c.currency) <> (b.amount, b.currency) THEN 'AMOUNT_MISMATCH'
            WHEN abs((c.paid_at AT TIME ZONE $4::text)::date
                     - (b.booked_at AT TIME ZONE $4::text)::date) > $5::int
                THEN 'DATE_MISMATCH'
            ELSE 'MATCHED'
        END AS kind
    FROM crm c FULL JOIN bank b ON b.reference_number = c.reference_number
    -- The look-around only finds counterparts: one side must fall inside the range.
    WHERE (c.paid_at >= $1::timestamptz AND c.paid_at < $2::timestamptz)
       OR (b.booked_at >= $1::timestamptz AND b.booked_at < $2::timestamptz)
), counts AS (
    SELECT kind, count(*) AS n FROM compared GROUP BY kind
), sums AS (
    SELECT kind, 'crmAmount' AS side, crm_currency AS currency, sum(crm_amount) AS amount
    FROM compared WHERE crm_currency IS NOT NULL GROUP BY kind, crm_currency
    UNION ALL
    SELECT kind, 'bankAmount', bank_currency, sum(bank_amount)
    FROM compared WHERE bank_currency IS NOT NULL GROUP BY kind, bank_currency
), totals AS (
    -- Amounts as text: jsonb numbers would come back as floats.
    SELECT jsonb_object_agg(k.kind, jsonb_build_object(
        'count', coalesce(counts.n, 0),
        'crmAmount', coalesce((SELECT jsonb_object_agg(s.currency, s.amount::text) FROM sums s
                               WHERE s.kind = k.kind AND s.side = 'crmAmount'), '{}'::jsonb),
        'bankAmount', coalesce((SELECT jsonb_object_agg(s.currency, s.amount::text) FROM sums s
                                WHERE s.kind = k.kind AND s.side = 'bankAmount'), '{}'::jsonb)
    )) AS totals
    FROM unnest($10::text[]) AS k(kind) LEFT JOIN counts ON counts.kind = k.kind
), fresh AS (
    -- An issue still open from an earlier run is not opened again.
    SELECT c.* FROM compared c
    WHERE c.kind <> 'MATCHED' AND NOT EXISTS (
        SELECT 1 FROM reconciliation.reconciliation_issue i
        WHERE i.status = 'OPEN' AND i.kind = c.kind AND i.reference_number = c.reference_number)
), run AS (
    INSERT INTO reconciliation.reconciliation_run
        (start_date, end_date, tolerance_days, started_by, started_at, finished_at, totals,
         new_issues)
    SELECT $6::date, $7::date, $5::int, $8::text, $9::timestamptz, clock_timestamp(),
        totals.totals, (SELECT count(*) FROM fresh)
    FROM totals
    RETURNING id, totals, new_issues
), issues AS (
    INSERT INTO reconciliation.reconciliation_issue
        (run_id, kind, reference_number, loan_account_number, crm_amount, crm_currency,
         bank_amount, bank_currency, crm_paid_at, bank_booked_at, status, created_at)
    SELECT run.id, f.kind, f.reference_number, f.loan_account_number, f.crm_amount,
        f.crm_currency, f.bank_amount, f.bank_currency, f.crm_paid_at, f.bank_booked_at,
        'OPEN', $9::timestamptz
    FROM fresh f CROSS JOIN run
    -- A concurrent run may have opened the same issue since this statement's snapshot.
    ON CONFLICT (kind, reference_number) WHERE status = 'OPEN' DO NOTHING
)
SELECT id, totals::text AS totals, new_issues FROM run
"""

ISSUE_COLUMNS = (
    "id, run_id, kind, reference_number, loan_account_number, crm_amount, crm_currency,"
    " bank_amount, bank_currency, crm_paid_at, bank_booked_at, status, created_at, resolved_by,"
    " resolved_at, resolution, note"
)


@dataclass(frozen=True)
class LoadedStatement:
    statement_id: str
    row_count: int
    # Rows inserted or changed; 0 when the same file was loaded before.
    stored: int
    already_loaded: bool


@dataclass(frozen=True)
class RunReport:
    run_id: int
    # Class → {"count": n, "crmAmount": {currency: Decimal}, "bankAmount": {...}}.
    totals: dict[str, Any]
    new_issues: int


async def load_statement(
    pool: asyncpg.Pool, statement: Statement, now: datetime, source: str = STATEMENT_SOURCE
) -> LoadedStatement:
    """COPY the statement into a temporary table and upsert it into the ledger at once."""
    records = [
        (t.reference_number, t.loan_account_number, t.amount, t.currency, t.booked_at)
        for t in statement.transactions
    ]
    async with pool.acquire() as conn, conn.transaction():
        already = await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM reconciliation.bank_transaction WHERE statement_id = $1)",
            statement.statement_id,
        )
        await conn.execute(
            "CREATE TEMP TABLE statement_staging (reference_number text,"
            " loan_account_number text, amount numeric(18, 2), currency char(3),"
            " booked_at timestamptz) ON COMMIT DROP"
        )
        await conn.copy_records_to_table(
            "statement_staging", records=records, columns=_STAGING_COLUMNS
        )
        status = await conn.execute(_UPSERT_STATEMENT, source, statement.statement_id, now)
    return LoadedStatement(
        statement.statement_id, len(records), int(status.split()[-1]), bool(already)
    )


def _totals(raw: str) -> dict[str, Any]:
    totals: dict[str, Any] = json.loads(raw)
    for entry in totals.values():
        for side in ("crmAmount", "bankAmount"):
            entry[side] = {cur: Decimal(amount) for cur, amount in entry[side].items()}
    return totals


async def reconcile(
    conn: asyncpg.Pool | asyncpg.Connection,
    request: ReconciliationRequest,
    *,
    bank_zone: str,
    started_by: str,
    now: datetime,
) -> RunReport:
    """Compare, record the run and open its new issues: one set-based statement."""
    start, end = request.bounds(ZoneInfo(bank_zone))
    row = await conn.fetchrow(
        _RECONCILE,
        start,
        end,
        LOOKAROUND,
        bank_zone,
        request.tolerance_days,
        request.start_date,
        request.end_date,
        started_by,
        now,
        list(CLASSES),
    )
    return RunReport(row["id"], _totals(row["totals"]), row["new_issues"])


async def open_issues(
    pool: asyncpg.Pool, kind: IssueKind | None, after_id: int | None, limit: int
) -> list[asyncpg.Record]:
    """Open issues in id order, after a keyset cursor, optionally of one kind."""
    rows: list[asyncpg.Record] = await pool.fetch(
        f"SELECT {ISSUE_COLUMNS} FROM reconciliation.reconciliation_issue"
        " WHERE status = 'OPEN' AND ($1::text IS NULL OR kind = $1)"
        " AND ($2::bigint IS NULL OR id > $2) ORDER BY id LIMIT $3",
        kind.value if kind else None,
        after_id,
        limit,
    )
    return rows


async def resolve_issue(
    pool: asyncpg.Pool,
    issue_id: int,
    resolution: Resolution,
    note: str,
    resolved_by: str,
    now: datetime,
) -> tuple[asyncpg.Record | None, asyncpg.Record | None]:
    """Resolve an open issue: (resolved row, None), (None, row as it is) or (None, None)."""
    resolved = await pool.fetchrow(
        "UPDATE reconciliation.reconciliation_issue SET status = 'RESOLVED', resolved_by = $2,"
        f" resolved_at = $3, resolution = $4, note = $5 WHERE id = $1 AND status = 'OPEN'"
        f" RETURNING {ISSUE_COLUMNS}",
        issue_id,
        resolved_by,
        now,
        resolution.value,
        note,
    )
    if resolved is not None:
        return resolved, None
    current = await pool.fetchrow(
        f"SELECT {ISSUE_COLUMNS} FROM reconciliation.reconciliation_issue WHERE id = $1",
        issue_id,
    )
    return None, current
