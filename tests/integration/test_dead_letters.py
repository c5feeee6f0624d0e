"""A message the agent cannot process is parked on the dead-letter topic; the stream goes on."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from crm.settings import Settings
from streams.dlq import H_CONSUMER, H_ERROR, H_ERROR_TYPE, H_SOURCE_TOPIC
from streams.topics import PAYMENTS_NOTIFICATIONS
from tests.integration.conftest import apoll
from tests.integration.feed import notification, send_all, send_raw
from tests.integration.kafka_io import read_key
from tests.integration.workers import WorkerProcess


async def test_undecodable_message_goes_to_dlq_with_reason(
    isolated: Settings, db: Any, log_dir: Path
) -> None:
    tag = isolated.topic_prefix.strip(".")
    account = f"LD{tag}"
    send_raw(isolated, account.encode(), b"\x00\x00\x00\x00\x63not avro at all")
    good = notification(f"{tag}-ok", account, Decimal(5000))
    send_all(isolated, [good])
    worker = WorkerProcess(isolated, "payments", 4, log_dir)
    worker.start()
    try:
        worker.wait_healthy()
        source = isolated.topic(PAYMENTS_NOTIFICATIONS.name)
        [parked] = read_key(isolated, f"{source}.dlq", account, want=1, deadline_s=90)
        headers = dict(parked.headers() or [])
        assert parked.value() == b"\x00\x00\x00\x00\x63not avro at all"
        assert headers[H_SOURCE_TOPIC] == source.encode()
        assert headers[H_ERROR_TYPE] and headers[H_ERROR]
        assert headers[H_CONSUMER] == b"payments"

        async def applied() -> bool:
            ref = await db.fetchval(
                "SELECT reference_number FROM payments.payment WHERE reference_number = $1",
                good.reference_number,
            )
            return ref is not None

        await apoll(applied, deadline_s=60, what="the valid payment after the bad one")
    finally:
        worker.stop()
