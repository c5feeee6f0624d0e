"""A failure that is not a bad message stops the worker with its batch uncommitted; after the
cause is fixed, a restarted worker applies the batch: nothing is lost, nothing dead-lettered."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg

from crm.settings import Settings
from streams.topics import PAYMENTS_NOTIFICATIONS
from tests.integration.conftest import apoll
from tests.integration.feed import notification, send_all
from tests.integration.kafka_io import read_key
from tests.integration.workers import WorkerProcess


async def test_sink_failure_stops_the_worker_and_loses_nothing(
    isolated: Settings, db: Any, log_dir: Path
) -> None:
    tag = isolated.topic_prefix.strip(".")
    account = f"LD{tag}"
    items = [notification(f"{tag}-{n}", account, Decimal(100 + n)) for n in range(5)]
    # A database without the payments schema: every write fails with "relation does not
    # exist", which is neither an outage to wait out nor a bad row to dead-letter.
    broken = f"crm_broken_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(isolated.asyncpg_dsn())
    await admin.execute(f'CREATE DATABASE "{broken}"')
    try:
        worker = WorkerProcess(
            isolated, "payments", 5, log_dir, extra_env={"CRM_PG_DATABASE": broken}
        )
        worker.start()
        worker.wait_healthy()
        send_all(isolated, items)
        assert worker.wait_exit(90) != 0
        fixed = WorkerProcess(isolated, "payments", 5, log_dir)
        fixed.start()
        try:
            fixed.wait_healthy()

            async def all_applied() -> bool:
                n = await db.fetchval(
                    "SELECT count(*) FROM payments.payment WHERE loan_account_number = $1",
                    account,
                )
                return bool(n == len(items))

            await apoll(all_applied, deadline_s=120, what="the batch after the restart")
        finally:
            fixed.stop()
        dlq = f"{isolated.topic(PAYMENTS_NOTIFICATIONS.name)}.dlq"
        assert read_key(isolated, dlq, account, want=1, deadline_s=3) == []
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{broken}" WITH (FORCE)')
        await admin.close()
