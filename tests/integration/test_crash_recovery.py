"""Kill a worker mid-flow, restart it: PostgreSQL holds exactly the payments that were sent."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from crm.settings import Settings
from streams.topics import PAYMENTS_NOTIFICATIONS
from tests.integration.conftest import apoll
from tests.integration.feed import notification, send_all
from tests.integration.kafka_io import group_positions
from tests.integration.workers import WorkerProcess

TOTAL = 10_000


async def test_sigkill_mid_flow_loses_and_doubles_nothing(
    isolated: Settings, db: Any, log_dir: Path, token: str
) -> None:
    tag = isolated.topic_prefix.strip(".")
    items = [
        notification(f"{tag}-{n:05d}", f"LD{tag}{n % 97:03d}", Decimal(10_000 + n))
        for n in range(TOTAL)
    ]

    async def count() -> int:
        value: int = await db.fetchval(
            "SELECT count(*) FROM payments.payment WHERE reference_number LIKE $1", f"{tag}-%"
        )
        return value

    worker = WorkerProcess(isolated, "payments", 3, log_dir)
    worker.start()
    try:
        worker.wait_healthy()
        send_all(isolated, items)
        await apoll(lambda: _at_least(count, 1), deadline_s=120, what="the first sunk rows")
        worker.kill()
        killed_at = await count()
        assert killed_at < TOTAL, "the worker finished before the kill; send more to test a crash"
        worker.start()
        worker.wait_healthy()
        try:
            await apoll(lambda: _at_least(count, TOTAL), deadline_s=180, what=f"{TOTAL} rows")
        except AssertionError as exc:
            group = isolated.topic("crm-payments")
            topic = isolated.topic(PAYMENTS_NOTIFICATIONS.name)
            raise AssertionError(
                f"{exc}; {await count()} rows after the restart ({killed_at} at the kill); "
                f"(partition, committed, end) of {topic}: {group_positions(isolated, group, topic)}"
                f"; {worker.diagnosis()}"
            ) from exc
        rows = await db.fetch(
            "SELECT reference_number, amount FROM payments.payment WHERE reference_number LIKE $1",
            f"{tag}-%",
        )
        assert {(r["reference_number"], r["amount"]) for r in rows} == {
            (n.reference_number, n.amount) for n in items
        }
        assert len(rows) == TOTAL
        # The restored RocksDB ledger agrees with PostgreSQL: nothing counted twice or lost.
        for account in sorted({n.loan_account_number for n in items})[:5]:
            mine = [n for n in items if n.loan_account_number == account]
            ledger = worker.get_json(f"/api/payments/loan/{account}/ledger", token)
            assert ledger is not None
            assert ledger["receivedCount"] == len(mine)
            assert Decimal(ledger["receivedTotal"]) == sum(n.amount for n in mine)
    finally:
        worker.stop()


async def _at_least(count: Any, n: int) -> bool:
    return bool(await count() >= n)
