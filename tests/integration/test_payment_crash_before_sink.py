"""A payments worker dies after updating its ledger and before flushing its sink.

The failpoint ends the process at exactly that step (exit 137, as SIGKILL would), so the
RocksDB ledger holds payments PostgreSQL has never seen. Restarted, the worker must leave
every payment row, allocation and balance exactly right: nothing lost, nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from crm.settings import Settings
from streams.failpoints import ENV, KILLED
from tests.integration.conftest import apoll, poll
from tests.integration.feed import core_loan as loan
from tests.integration.feed import core_segment as segment
from tests.integration.feed import notification, send_all, send_core
from tests.integration.workers import WorkerProcess

D = Decimal
PAYMENTS = 300
LOANS = 6
START = D("50000000")


async def test_crash_between_ledger_and_sink_leaves_every_balance_right(
    isolated: Settings, db: Any, token: str, log_dir: Path
) -> None:
    tag = isolated.topic_prefix.strip(".")
    accounts = [f"LD{tag}K{n}" for n in range(LOANS)]
    as_of = datetime.now(UTC) - timedelta(hours=1)
    send_core(
        isolated,
        [loan(a, str(START), as_of) for a in accounts]
        + [segment(a, date(2026, 11, 5), "20000", "300000", "1000000") for a in accounts],
    )
    items = [
        notification(f"{tag}-K{n:04d}", accounts[n % LOANS], D(100_000 + 1_000 * n))
        for n in range(PAYMENTS)
    ]

    first, second = items[: PAYMENTS // 2], items[PAYMENTS // 2 :]
    # The first half goes through; the batch that brings the second half's first payment
    # dies before its rows reach PostgreSQL.
    crashing = WorkerProcess(
        isolated, "payments", 6, log_dir, extra_env={ENV: f"payments.before-sink:{len(first) + 1}"}
    )
    crashing.start()
    try:
        crashing.wait_healthy()
        poll(
            lambda: all(
                (crashing.get_json(f"/api/payments/loan/{a}/ledger", token) or {}).get("loanKnown")
                for a in accounts
            ),
            deadline_s=60,
            what="every loan in the payments view",
        )
        send_all(isolated, first)

        async def first_half_stored() -> bool:
            n = await db.fetchval(
                "SELECT count(*) FROM payments.payment WHERE reference_number = ANY($1::text[])",
                [p.reference_number for p in first],
            )
            return bool(n == len(first))

        await apoll(first_half_stored, deadline_s=60, what="the first half stored")
        send_all(isolated, second)
        assert crashing.wait_exit(120) == KILLED, crashing.diagnosis()
    finally:
        crashing.stop()
    stored_at_crash = await db.fetchval(
        "SELECT count(*) FROM payments.payment WHERE reference_number LIKE $1", f"{tag}-K%"
    )
    assert len(first) <= stored_at_crash < PAYMENTS

    worker = WorkerProcess(isolated, "payments", 6, log_dir)
    worker.start()
    try:
        worker.wait_healthy()

        async def stored() -> list[Any]:
            rows: list[Any] = await db.fetch(
                "SELECT p.reference_number, p.amount, p.status,"
                " (SELECT sum(a.amount) FROM payments.payment_allocation a"
                "   WHERE a.reference_number = p.reference_number) AS allocated,"
                " (SELECT count(*) FROM payments.payment_history h"
                "   WHERE h.reference_number = p.reference_number) AS history"
                " FROM payments.payment p WHERE p.reference_number LIKE $1",
                f"{tag}-K%",
            )
            return rows

        async def settled() -> bool:
            # Allocation and history lines land beside the payment row, not in its transaction.
            rows = await stored()
            return len(rows) == PAYMENTS and all(
                r["status"] == "APPLIED" and r["allocated"] is not None and r["history"] >= 1
                for r in rows
            )

        await apoll(settled, deadline_s=180, what=f"{PAYMENTS} applied payments")
        rows = await stored()
        assert {(r["reference_number"], r["amount"]) for r in rows} == {
            (n.reference_number, n.amount) for n in items
        }
        assert all(r["allocated"] == r["amount"] for r in rows), "an allocation was lost"
        assert all(r["history"] == 1 for r in rows), "a status was recorded twice"

        paid: dict[str, Decimal] = defaultdict(Decimal)
        for n in items:
            paid[n.loan_account_number] += n.amount
        for account in accounts:
            view = worker.get_json(f"/api/payments/loan/{account}/ledger", token)
            assert view is not None
            assert D(view["outstanding"]) == START - paid[account], account
            assert view["paymentCount"] == PAYMENTS // LOANS
    finally:
        worker.stop()
