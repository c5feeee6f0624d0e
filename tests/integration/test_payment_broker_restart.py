"""The Kafka broker restarted in the middle of the gateway's intake: a 202 is never lost.

Every notification answered 202 must end up as a payment; every other one must have been
answered 503 or have failed to connect, so the gateway knows to send it again. The services
must ride the outage out without being restarted.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import aiohttp

from crm.settings import SERVICES, Settings
from runtime import connectors, manager, services
from tests.integration.conftest import apoll
from tests.integration.gateway import WEBHOOK, channel_secret, gateway_body, signed

SENDERS = 8
BEFORE_S = 3.0
OUTAGE_S = 10.0
AFTER_S = 15.0


async def _send_until(
    api: str, secret: str, tag: str, sender: int, done: asyncio.Event
) -> list[tuple[str, int | None]]:
    """Send one notification after another; (reference, status or None for no answer)."""
    results: list[tuple[str, int | None]] = []
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as gateway:
        while not done.is_set():
            ref = f"{tag}-{sender}-{len(results)}"
            body = json.dumps(gateway_body(ref, f"LD{tag}{sender}")).encode()
            status: int | None
            try:
                async with gateway.post(
                    f"{api}{WEBHOOK}", data=body, headers=signed(body, secret)
                ) as resp:
                    status = resp.status
            except (aiohttp.ClientError, TimeoutError):
                status = None
            results.append((ref, status))
    return results


async def test_every_accepted_notification_survives_a_broker_restart(
    system: Settings, api: str, db: Any
) -> None:
    tag = f"BR{uuid.uuid4().hex[:8].upper()}"
    # The webhook's intake among them: it takes this test's notifications.
    workers = (*SERVICES, services.INTAKE)
    services_before = {s: manager.BY_NAME[s].pid(system) for s in workers}
    done = asyncio.Event()
    senders = [
        asyncio.create_task(_send_until(api, channel_secret(system), tag, n, done))
        for n in range(SENDERS)
    ]
    kafka = manager.BY_NAME["kafka"]
    try:
        # A fixed timeline is the point: intake before, during and after the outage.
        await asyncio.sleep(BEFORE_S)
        assert await asyncio.to_thread(kafka.stop, system)
        await asyncio.sleep(OUTAGE_S)
        assert await asyncio.to_thread(manager.up, system, ["kafka"]) == 0
        back_at = time.monotonic()
        await asyncio.sleep(AFTER_S)
    finally:
        done.set()
        results = [r for batch in await asyncio.gather(*senders) for r in batch]

    statuses = {status for _, status in results}
    assert statuses <= {202, 503, None}, sorted(statuses, key=str)
    accepted = [ref for ref, status in results if status == 202]
    refused = [ref for ref, status in results if status != 202]
    assert accepted and refused, f"{len(accepted)} accepted, {len(refused)} refused"

    async def all_stored() -> bool:
        n = await db.fetchval(
            "SELECT count(*) FROM payments.payment WHERE reference_number = ANY($1::text[])",
            accepted,
        )
        return bool(n == len(accepted))

    await apoll(all_stored, deadline_s=180, what=f"all {len(accepted)} accepted payments")
    # Intake works again after the restart, and nothing had to be restarted by hand.
    assert time.monotonic() - back_at >= AFTER_S
    assert {s: manager.BY_NAME[s].pid(system) for s in workers} == services_before
    deadline = time.monotonic() + 180
    while not connectors.all_running(system):
        assert time.monotonic() < deadline, "Debezium did not recover from the broker restart"
        await asyncio.sleep(2)
