"""A message the stream lost (as Faust can, see streams/hole_watch.py) is read again.

The failpoint drops the first event of one batch without handling or acknowledging it. The
commit stays at that offset (streams/faust_fixes.py) and the hole watch has the worker
seek the partition back, after which the message arrives again: every payment ends up stored,
whether later messages of the partition were handled or the lost one was the only one.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from crm.settings import Settings
from streams.failpoints import ENV
from tests.integration.conftest import apoll
from tests.integration.feed import notification, send_all
from tests.integration.workers import WorkerProcess

TOTAL = 400


async def _lose_one_of(isolated: Settings, db: Any, log_dir: Path, total: int) -> None:
    """Send `total` payments to a worker whose stream loses one; all must end up stored."""
    tag = isolated.topic_prefix.strip(".")
    items = [
        notification(f"{tag}-L{n:04d}", f"LD{tag}{n % 7}", Decimal(1_000 + n)) for n in range(total)
    ]
    worker = WorkerProcess(isolated, "payments", 7, log_dir, extra_env={ENV: "batching.lose-one:1"})
    worker.start()
    try:
        worker.wait_healthy()
        send_all(isolated, items)

        async def stored() -> int:
            n: int = await db.fetchval(
                "SELECT count(*) FROM payments.payment WHERE reference_number LIKE $1", f"{tag}-L%"
            )
            return n

        async def all_stored() -> bool:
            return await stored() == total

        try:
            await apoll(all_stored, deadline_s=150, what=f"all {total} payments")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; {await stored()} stored; {worker.diagnosis()}") from exc
        log = worker.log_path.read_text(errors="replace")
        assert "was never delivered; reading the partition again" in log
    finally:
        worker.stop()


async def test_a_message_the_stream_lost_is_read_again(
    isolated: Settings, db: Any, log_dir: Path
) -> None:
    # Later messages of its partition are handled and acknowledged: they show the hole.
    await _lose_one_of(isolated, db, log_dir, TOTAL)


async def test_a_lost_message_with_nothing_after_it_is_read_again(
    isolated: Settings, db: Any, log_dir: Path
) -> None:
    # Nothing later is acknowledged: the hole shows as an offset read by an idle worker.
    await _lose_one_of(isolated, db, log_dir, 1)
