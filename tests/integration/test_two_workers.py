"""Two workers of one service split the partitions; table_route answers every key from the
worker that owns it, whichever worker is asked."""

from __future__ import annotations

import functools
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from crm.settings import Settings
from streams.partitioner import partition_for
from tests.integration.conftest import poll
from tests.integration.feed import notification, send_all
from tests.integration.workers import WorkerProcess


def settled_ledger(worker: WorkerProcess, account: str, token: str) -> dict[str, object] | None:
    body = worker.get_json(f"/api/payments/loan/{account}/ledger", token)
    return body if body is not None and body.get("receivedCount") == 2 else None


def test_table_route_answers_every_key_from_its_owner(
    isolated: Settings, token: str, log_dir: Path
) -> None:
    workers = [WorkerProcess(isolated, "payments", i, log_dir) for i in (1, 2)]
    for w in workers:
        w.start()
    try:
        for w in workers:
            w.wait_healthy()
        accounts = [f"LD{n:08d}" for n in range(40)]
        send_all(
            isolated,
            [
                notification(f"R{a}-{k}", a, Decimal(1000 * (k + 1)))
                for a in accounts
                for k in range(2)
            ],
        )
        served_by: dict[str, str] = {}
        for account in accounts:
            for w in workers:
                body = poll(
                    functools.partial(settled_ledger, w, account, token),
                    deadline_s=120,
                    what=f"ledger of {account} via worker {w.index}",
                )
                assert Decimal(str(body["receivedTotal"])) == Decimal(3000)
                owner = str(body["servedBy"]).rstrip("/")
                assert served_by.setdefault(account, owner) == owner, "two owners for one key"
        by_partition: dict[int, set[str]] = defaultdict(set)
        for account, owner in served_by.items():
            by_partition[partition_for(account, isolated.topic_partitions)].add(owner)
        # Every partition has exactly one owner, and both workers own some.
        assert all(len(owners) == 1 for owners in by_partition.values())
        assert {o for owners in by_partition.values() for o in owners} == {w.url for w in workers}
    finally:
        for w in workers:
            w.stop()
